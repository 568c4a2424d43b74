"""What a user installs: the wheel's contents and metadata, the extras, shell completion, the
GitHub Action's command line and the Docker image (where a Docker daemon answers)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import click
import pytest
import yaml

from b2bmail.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `pip wheel .` builds from this checkout (no network: no build isolation)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("b2bmail-*.whl")
    return built


def test_the_wheel_ships_catalogues_data_and_the_starter(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for language in ("fr", "nl"):
        for domain in ("cli", "library", "lint", "reports"):
            assert f"b2bmail/locale/{language}/LC_MESSAGES/{domain}.mo" in names
    assert "b2bmail/py.typed" in names
    assert any(n.startswith("b2bmail/data/") and n.endswith(".yaml") for n in names)
    assert any(n.startswith("b2bmail/starter/") and n.endswith("campaign.yaml") for n in names)
    assert not any(n.endswith(".po") for n in names)  # sources stay in the repository


def test_the_wheel_metadata_names_urls_extras_and_keeps_the_base_light(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (meta,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(meta).decode())
    assert {"preview", "send"} <= set(metadata.get_all("Provides-Extra") or [])
    urls = {url.split(",")[0] for url in metadata.get_all("Project-URL") or []}
    assert {"Homepage", "Documentation", "Source", "Issues", "Changelog"} <= urls
    assert "Topic :: Communications :: Email" in (metadata.get_all("Classifier") or [])
    requires = metadata.get_all("Requires-Dist") or []
    base = [r for r in requires if "extra ==" not in r]
    # Chromium control and DKIM signing are extras: the base does build, lint, segment, audit.
    assert not [r for r in base if r.split(">")[0].split("=")[0] in {"websockets", "dkimpy"}]
    assert any(r.startswith("websockets") and 'extra == "preview"' in r for r in requires)


def test_the_installed_wheel_runs_init_and_build(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = [
        sys.executable,
        "-c",
        "import sys, b2bmail.cli as c; "
        f"assert c.__file__.startswith({str(target)!r}), c.__file__; "
        "c.main(sys.argv[1:], prog_name='b2bmail')",
    ]
    for args in (["init", "campaign"], ["build", "campaign/campaign.yaml", "--out", "out"]):
        done = subprocess.run(
            [*run, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode in (0, 1), done.stderr
    assert any((tmp_path / "out").rglob("email.eml"))


def test_bash_completion_lists_commands() -> None:
    # Click's completion protocol (documented in docs: `eval "$(_B2BMAIL_COMPLETE=bash_source
    # b2bmail)"`): the commands starting with "li" are lint.
    env = {
        **os.environ,
        "_B2BMAIL_COMPLETE": "bash_complete",
        "COMP_WORDS": "b2bmail li",
        "COMP_CWORD": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "b2bmail"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split() == ["plain,lint"], done.stdout + done.stderr


def test_the_github_action_runs_lint_with_options_lint_has() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    scripts = [step["run"] for step in action["runs"]["steps"] if "run" in step]
    (line,) = [
        s for script in scripts for s in script.splitlines() if s.strip().startswith("b2bmail lint")
    ]
    words = shlex.split(line.split("b2bmail lint", 1)[1])
    options = [w for w in words if w.startswith("--")]
    lint = main.load_all()["lint"]
    known = {opt for param in lint.params for opt in getattr(param, "opts", [])}
    assert options and set(options) <= known
    fmt = next(p for p in lint.params if "--format" in getattr(p, "opts", []))
    assert isinstance(fmt.type, click.Choice) and "sarif" in fmt.type.choices
    uses = [step["uses"] for step in action["runs"]["steps"] if "uses" in step]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)


def test_the_dockerfile_installs_the_extras_and_the_chromium_preview_uses() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.11-slim" in text
    assert "[preview,send]" in text and "chromium" in text
    assert "B2BMAIL_CHROMIUM=/usr/bin/chromium" in text
    assert 'ENTRYPOINT ["b2bmail"]' in text


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    done = subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=False)
    return done.returncode == 0


@pytest.mark.skipif(not _docker_answers(), reason="no Docker daemon: run tools/docker_smoke.sh")
def test_the_docker_image_runs_every_job() -> None:
    done = subprocess.run(
        ["bash", str(ROOT / "tools" / "docker_smoke.sh")],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout + done.stderr
