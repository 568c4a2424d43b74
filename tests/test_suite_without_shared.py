"""Without ../shared beside the repository, the tests that need it skip with their reason.

The reference data (email corpus, OpenSPF and DMARC suites) lives outside the repository. A
clone without it must still run every test function: the cases that need the data skip and
say why (shown by `-ra`), they do not vanish from the collection.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
# The test files that read ../shared (they name its research folder).
NEEDS_SHARED = sorted(
    str(path.relative_to(ROOT))
    for path in (ROOT / "tests").rglob("test_*.py")
    if "shared/research" in path.read_text(encoding="utf-8")
)


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def _collected(cwd: Path) -> list[str]:
    result = _pytest(cwd, "--collect-only", *NEEDS_SHARED)
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


def _function(test_id: str) -> str:
    return test_id.split("[", 1)[0]


@pytest.mark.slow
@pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"nothing to compare: {SHARED} is absent here as well"
)
def test_a_clone_without_shared_skips_visibly(tmp_path: Path) -> None:
    assert NEEDS_SHARED, "no test reads ../shared any more: drop this test"
    clone = tmp_path / "repo"  # tmp_path has no shared/ beside the clone
    shutil.copytree(ROOT / "tests", clone / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", clone / "pyproject.toml")

    here, there = _collected(ROOT), _collected(clone)
    assert {_function(i) for i in there} == {_function(i) for i in here}
    stand_ins = sorted(set(there) - set(here))  # cases that exist only to skip
    counts_here, counts_there = Counter(map(_function, here)), Counter(map(_function, there))
    shrunk = sorted(f for f in counts_here if counts_there[f] < counts_here[f])
    assert [f for f in shrunk if not any(_function(i) == f for i in stand_ins)] == []

    result = _pytest(clone, "-rs", *stand_ins)
    assert result.returncode == 0, result.stdout
    assert f"{len(stand_ins)} skipped" in result.stdout.splitlines()[-1], result.stdout
    reasons = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    assert reasons and all("not found at" in line for line in reasons), reasons
