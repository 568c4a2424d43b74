"""Start-up: wall time of five short `b2bmail` runs next to `python -c "import click"`.

Usage: python benchmarks/startup.py [--repeat N]

Each repetition starts, one after the other (interleaved, so a change of machine load hits
every figure alike), a fresh process for:
  - the baseline: `python -c "import click"` (the interpreter plus Click, which every run pays);
  - `b2bmail lint FILE` (a small clean email written to a temporary folder), `b2bmail --help`,
    `b2bmail segment --help`, `b2bmail audit --help` and `b2bmail check-sender --help`.
Figures are medians of wall time (time.perf_counter around the whole subprocess); the ratio is
median / median baseline.
Target (issue 13): each command under 0.25 s, or under 3x the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 0.25
TARGET_RATIO = 3.0
EMAIL = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Spring offer</title></head>
<body><table role="presentation" width="600"><tr><td>
<p>Hello, our spring offer is ready.</p>
<a href="https://example.com/unsubscribe">Unsubscribe</a>
</td></tr></table></body></html>
"""


def b2bmail_command() -> list[str]:
    """The console script installed next to this interpreter (what a user runs), else `-m`."""
    script = shutil.which("b2bmail", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "b2bmail"]


def wall_time(argv: list[str]) -> float:
    """Seconds from start to exit of one process; a crash stops the benchmark."""
    start = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    # lint exits 1 when it finds something; anything else means the figure is not a start-up.
    if result.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv)} exited {result.returncode}: {result.stderr.decode()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs of each command (median)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        email = Path(tmp) / "email.html"
        email.write_text(EMAIL, encoding="utf-8")
        b2bmail = b2bmail_command()
        runs = {
            'python -c "import click"': [sys.executable, "-c", "import click"],
            "lint FILE": [*b2bmail, "lint", str(email)],
            "--help": [*b2bmail, "--help"],
            "segment --help": [*b2bmail, "segment", "--help"],
            "audit --help": [*b2bmail, "audit", "--help"],
            "check-sender --help": [*b2bmail, "check-sender", "--help"],
        }
        times: dict[str, list[float]] = {name: [] for name in runs}
        for argv in runs.values():  # one warm-up each: the first run pays for the disk cache
            wall_time(argv)
        for _ in range(args.repeat):
            for name, argv in runs.items():
                times[name].append(wall_time(argv))

    medians = {name: statistics.median(values) for name, values in times.items()}
    baseline_name = next(iter(runs))
    baseline = medians[baseline_name]
    print(f"python {platform.python_version()} on {platform.machine()}, median of {args.repeat}")
    print(f"{'run':<26}{'wall':>9}{'ratio':>8}  target")
    print(f"{baseline_name:<26}{baseline * 1000:7.0f}ms{1:7.1f}x  (baseline)")
    failed = 0
    for name, median in list(medians.items())[1:]:
        ratio = median / baseline
        ok = median < TARGET_SECONDS or ratio < TARGET_RATIO
        failed += not ok
        verdict = "ok" if ok else f"MISSED (< {TARGET_SECONDS}s or < {TARGET_RATIO:g}x)"
        print(f"b2bmail {name:<18}{median * 1000:7.0f}ms{ratio:7.1f}x  {verdict}")
    print(f"{len(medians) - 1 - failed} of {len(medians) - 1} within target")


if __name__ == "__main__":
    main()
