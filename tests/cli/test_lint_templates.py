"""`b2bmail lint` on a template repository: partials and layouts through their campaigns,
build folders once per segment, and the pre-commit hook on a project `b2bmail init` made."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from b2bmail.cli import main

REPO = Path(__file__).resolve().parents[2]
CTA = Path("templates/partials/cta.mjml")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The starter project as `b2bmail init` makes it, in a git repository (the project root
    that ends the search for campaigns), as the working folder."""
    root = tmp_path / "news"
    assert run("init", str(root))[0] == 0
    (root / ".git").mkdir()
    monkeypatch.chdir(root)
    return root


def break_line(path: Path, old: str, new: str) -> int:
    """Replace `old` with `new` in `path`; the 1-based line it is on."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def campaign_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if re.search(r" B2B\d{3} \[", line)]


def test_starter_templates_folder_lints_its_campaign_once(project: Path) -> None:
    # Each partial and the layout map to the one campaign, built once: its three segments.
    code, out, err = run("lint", "templates/")
    assert code == 0, out + err
    assert campaign_lines(out)  # the starter's info notes (Outlook CSS), nothing else
    # Each problem points at the template line that made it, with the segments that show it.
    assert all(
        line.startswith("templates/") and ": [decision-makers,practitioners,everyone-else] " in line
        for line in campaign_lines(out)
    ), out
    assert "[error]" not in out
    assert out.splitlines()[-1].endswith("in 3 files")
    assert campaign_lines(out) == campaign_lines(run("lint", "campaign.yaml")[1])


@pytest.mark.parametrize(
    ("old", "new", "what"),
    [
        ("{{ cta.text }}", "{{ nope.text }}", "'nope' is undefined"),
        ("{{ cta.text }}", "{% if %}", "Jinja syntax error"),
    ],
    ids=["undefined-variable", "syntax-error"],
)
def test_broken_partial_fails_on_its_line(project: Path, old: str, new: str, what: str) -> None:
    line = break_line(project / CTA, old, new)
    for target in (str(CTA), "templates/"):
        code, out, _err = run("lint", target)
        assert code == 1, out
        first = out.splitlines()[0]
        assert first.startswith(
            f"{CTA}:{line}: B2B000 [error] campaign campaign.yaml does not build"
        )
        assert what in first


def test_partial_with_unclosed_tag_fails_naming_the_campaign(project: Path) -> None:
    break_line(project / CTA, "      </mj-column>\n", "")
    code, out, _err = run("lint", str(CTA))
    assert code == 1
    assert "B2B000 [error] campaign campaign.yaml does not build: " in out
    assert "does not match" in out


def test_template_no_campaign_uses_gets_fragment_checks(project: Path) -> None:
    orphan = project / "templates" / "partials" / "unused.mjml"
    orphan.write_text("<mj-section>\n  <mj-column>\n  </mj-column>\n</mj-section>\n")
    code, out, err = run("lint", str(orphan))
    assert code == 0, out
    assert "no campaign uses this template" in err
    assert out == "no problems in 1 file\n"
    orphan.write_text("<mj-section>\n  <mj-column>\n</mj-section>\n")
    code, out, err = run("lint", str(orphan))
    assert code == 1
    assert out.startswith(f"{orphan}:3: B2B000 [error] closing </mj-section> does not match")
    orphan.write_text("<mj-section>\n{% if %}\n</mj-section>\n")
    assert run("lint", str(orphan))[1].startswith(f"{orphan}:2: B2B000 [error] Jinja syntax")


def test_build_folder_reports_each_problem_once_per_segment(project: Path) -> None:
    assert run("build", "campaign.yaml", "--out", "out")[0] == 0
    segments = sorted(p.name for p in (project / "out").iterdir() if p.is_dir())
    assert segments == ["decision-makers", "everyone-else", "practitioners"]
    _code, out, _err = run("lint", "out")
    lines = campaign_lines(out)
    # The .eml holds the HTML and text parts: problems name it, and email.html is not linted
    # a second time. The same problems as linting the three messages by name.
    named = [f"out/{s}/email.eml" for s in segments]
    assert lines == campaign_lines(run("lint", *named)[1])
    assert len(lines) == len(set(lines)) > 0
    assert not [line for line in lines if "email.html" in line]
    assert out.splitlines()[-1].endswith("in 3 files")
    # Named explicitly, an email.html is still linted.
    assert run("lint", f"out/{segments[0]}/email.html")[1].startswith(
        f"out/{segments[0]}/email.html"
    )


def test_changed_maps_files_to_campaigns(project: Path) -> None:
    (project / "other.yaml").write_text("jobs: {}\n")  # another tool's YAML: skipped
    code, out, _err = run(
        "lint", "--changed", "segments/segments.yaml", "other.yaml", "recipients.csv", str(CTA)
    )
    assert code == 0, out
    assert campaign_lines(out) == campaign_lines(run("lint", "campaign.yaml")[1])
    # Without --changed, a YAML file is a campaign, and one that is not fails.
    assert run("lint", "other.yaml")[0] == 2


def test_changed_campaign_file_that_does_not_load_fails(project: Path) -> None:
    break_line(project / "campaign.yaml", "locale: en_GB", "locale: xx_NOPE")
    code, _out, err = run("lint", "--changed", "campaign.yaml")
    assert code == 2
    assert "unknown locale 'xx_NOPE'" in err


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_hook_passes_on_starter_and_fails_on_broken_partial(project: Path) -> None:
    pytest.importorskip("pre_commit", reason="pre-commit is a dev dependency")
    # The repository's own hook definition, run from this interpreter without the network:
    # `repo: local` with `language: system` (what `language: python` installs, already here).
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    entry = hook["entry"].replace("b2bmail", f"{sys.executable} -m b2bmail", 1)
    hook.update(language="system", entry=entry)
    config = {"repos": [{"repo": "local", "hooks": [hook]}]}
    (project / ".git").rmdir()
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {**os.environ, "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home")}
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com")
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")

    def sh(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=project, env=env, capture_output=True, text=True)

    assert sh("git", "init", "-q").returncode == 0
    assert sh("git", "add", "-A").returncode == 0
    pre_commit = (sys.executable, "-m", "pre_commit", "run")
    passed = sh(*pre_commit, "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "b2bmail lint" in passed.stdout and "Passed" in passed.stdout

    line = break_line(project / CTA, "{{ cta.text }}", "{{ nope.text }}")
    assert sh("git", "add", "-A").returncode == 0
    failed = sh(*pre_commit, "--files", str(CTA))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert f"{CTA}:{line}: B2B000 [error] campaign campaign.yaml does not build" in failed.stdout


def test_campaigns_in_sibling_folders_share_the_templates(project: Path) -> None:
    # examples/<name>/campaign.yaml naming ../../templates/…: not above the template, found in
    # the project all the same.
    text = (project / "campaign.yaml").read_text(encoding="utf-8")
    for name in ("a", "b"):
        folder = project / "examples" / name
        folder.mkdir(parents=True)
        (folder / "campaign.yaml").write_text(
            text.replace("templates/", "../../templates/").replace("segments/", "../../segments/"),
            encoding="utf-8",
        )
    (project / "campaign.yaml").unlink()
    code, out, _err = run("lint", str(CTA))
    assert code == 0, out
    # Both campaigns are linted (three segments each), and what they share is said once.
    assert out.splitlines()[-1].endswith("in 6 files"), out
    assert campaign_lines(out) == campaign_lines(run("lint", "examples/a/campaign.yaml")[1])
