"""Every command's outputs, from the command line: never an input, never a folder b2bmail did
not write, never a partial file, CSV safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.preview.browser import chromium_or_skip
from tests.preview.example import copy_example

from b2bmail.cli import main

ENV = {"B2BMAIL_UNSUBSCRIBE_SECRET": "k"}
C = "heavy-equipment"


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` (hidden ones too) and its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.name.endswith(".tmp") or ".old-" in p.name)


def b2bmail(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env={**ENV, **(env or {})})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example campaign; the current folder is the one holding it."""
    campaign = copy_example(tmp_path)
    (tmp_path / "x.html").write_text("<p>Hello</p>\n", encoding="utf-8")
    monkeypatch.chdir(campaign.parents[1])
    return tmp_path


HOLDS = f"this output folder holds the input '{C}/campaign.yaml' — choose another output path"
CAMPAIGN_IS = f"this output would overwrite the input file '{C}/campaign.yaml'"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        pytest.param(
            ["build", f"{C}/campaign.yaml", "--recipients", f"{C}/recipients.csv",
             "--per-recipient", "--out", C],
            f"{C}: {HOLDS}",
            id="per-recipient-out-campaign-folder",
        ),
        pytest.param(["build", f"{C}/campaign.yaml", "--out", C], f"{C}: {HOLDS}", id="build-out-campaign-folder"),
        pytest.param(["build", f"{C}/campaign.yaml", "--out", "."], f".: {HOLDS}", id="build-out-dot"),
        pytest.param(["build", f"{C}/campaign.yaml", "--out", f"{C}/.."], f"{C}/..: {HOLDS}", id="build-out-parent"),
        pytest.param(["preview", f"{C}/campaign.yaml", "--out", C], f"{C}: {HOLDS}", id="preview-out-campaign-folder"),
        pytest.param(
            ["build", f"{C}/campaign.yaml", "--recipients", f"{C}/recipients.csv", "--mbox", f"{C}/recipients.csv"],
            f"{C}/recipients.csv: this output would overwrite the input file '{C}/recipients.csv'"
            " — choose another output path",
            id="mbox-recipients",
        ),
        pytest.param(
            ["build", f"{C}/campaign.yaml", "--recipients", f"{C}/recipients.csv", "--mbox", f"{C}/campaign.yaml"],
            f"{C}/campaign.yaml: {CAMPAIGN_IS} — choose another output path",
            id="mbox-campaign",
        ),
        pytest.param(
            ["lint", "../x.html", "--out", "../x.html"],
            "../x.html: this output would overwrite the input file '../x.html' — choose another output path",
            id="lint-out-its-input",
        ),
        pytest.param(
            ["lint", C, "--out", f"{C}/lint.txt"],
            f"{C}/lint.txt: this output lies inside the input folder '{C}' — choose another output path",
            id="lint-out-inside-its-input",
        ),
        pytest.param(
            ["preview", f"{C}/campaign.yaml", "--out", "gallery", "--gallery-screenshot", f"{C}/campaign.yaml"],
            f"{C}/campaign.yaml: {CAMPAIGN_IS} — choose another output path",
            id="gallery-screenshot-campaign",
        ),
        pytest.param(
            ["audit", f"{C}/recipients.csv", "--nameserver", "127.0.0.1:9", "--no-cache", "--out", "X", "--report", "X"],
            "X: two outputs are given this one path — give each output its own path",
            id="audit-out-and-report-one-path",
        ),
        pytest.param(
            ["segment", f"{C}/recipients.csv", "--segments", f"{C}/segments.yaml", "--out", f"{C}/segments.yaml"],
            f"{C}/segments.yaml: this output would overwrite the input file '{C}/segments.yaml'"
            " — choose another output path",
            id="segment-out-segments",
        ),
    ],
)  # fmt: skip
def test_an_output_over_an_input_is_one_line_exit_2_and_nothing_changes(
    here: Path, args: list[str], line: str
) -> None:
    # Regression: `build c/campaign.yaml --recipients … --per-recipient --out c` deleted the
    # campaign folder; `--mbox recipients.csv` replaced the list with the mailbox.
    before = tree(here)
    code, _, stderr = b2bmail(*args, env={"B2BMAIL_CHROMIUM": sys.executable})
    assert (code, stderr) == (2, f"b2bmail: {line}\n")
    assert tree(here) == before
    assert leftovers(here) == []


def test_out_dot_in_an_empty_folder_is_refused_cleanly(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (here / "empty").mkdir()
    monkeypatch.chdir(here / "empty")
    code, _, stderr = b2bmail("build", f"../examples/{C}/campaign.yaml", "--out", ".")
    assert (code, stderr) == (
        2,
        "b2bmail: .: cannot replace the current folder (or one that holds it)"
        " — give a new folder name, e.g. --out out\n",
    )
    assert list((here / "empty").iterdir()) == []
    assert leftovers(here) == []


@pytest.mark.parametrize(
    "per_recipient",
    [[], ["--recipients", f"{C}/recipients.csv", "--per-recipient"]],
    ids=["sample", "per-recipient"],
)
def test_a_build_replaces_its_own_output_but_never_a_foreign_folder(
    here: Path, per_recipient: list[str]
) -> None:
    for _ in range(2):  # the second run replaces what the first wrote
        code, _, stderr = b2bmail("build", f"{C}/campaign.yaml", *per_recipient, "--out", "out")
        assert code in (0, 1), stderr
    foreign = Path("notes")
    foreign.mkdir()
    (foreign / "todo.txt").write_text("keep me\n")
    code, _, stderr = b2bmail("build", f"{C}/campaign.yaml", *per_recipient, "--out", "notes")
    assert (code, stderr) == (
        2,
        "b2bmail: notes: this folder was not written by b2bmail (no .b2bmail-output file) and"
        " would be replaced whole — choose a new or empty folder; nothing was deleted\n",
    )
    assert tree(foreign) == {"todo.txt": b"keep me\n"}
    assert leftovers(here) == []


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_out_a_device_is_written_into_not_replaced(here: Path) -> None:
    # Through a link of our own: were the device replaced (as before, running as root), the
    # link would be, not the machine's /dev/null.
    Path("null").symlink_to("/dev/null")
    code, _, stderr = b2bmail("lint", "../x.html", "--out", "null")
    assert code in (0, 1), stderr
    assert Path("null").is_symlink()
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert leftovers(here) == []


def test_out_symlink_is_written_through(here: Path) -> None:
    Path("real.csv").write_text("old\n")
    Path("link.csv").symlink_to("real.csv")
    code, _, stderr = b2bmail(
        "segment", f"{C}/recipients.csv", "--segments", f"{C}/segments.yaml",
        "--format", "csv", "--out", "link.csv",
    )  # fmt: skip
    assert code in (0, 1), stderr
    assert Path("link.csv").is_symlink()
    assert Path("real.csv").read_text(encoding="utf-8-sig").startswith("E-mail;")


FILE_SIZE_LIMIT = 20_000  # bytes: below one built email (the example's HTML is larger)


def _limit_file_size() -> None:
    # With SIGXFSZ ignored, a write past RLIMIT_FSIZE fails with EFBIG (POSIX setrlimit),
    # as a write on a full disk fails with ENOSPC.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


@pytest.mark.parametrize(
    ("args", "out", "what"),
    [
        pytest.param([], "out", "folder", id="sample-build"),
        pytest.param(
            ["--recipients", f"{C}/recipients.csv", "--per-recipient"], "out", "folder",
            id="per-recipient",
        ),
        pytest.param(["--recipients", f"{C}/recipients.csv"], "out.mbox", "mbox", id="mbox"),
    ],
)  # fmt: skip
def test_a_file_size_limit_during_a_build_is_exit_2_and_no_partial_output(
    here: Path, args: list[str], out: str, what: str
) -> None:
    flag = "--mbox" if what == "mbox" else "--out"
    command = [sys.executable, "-m", "b2bmail", "build", f"{C}/campaign.yaml", *args, flag, out]
    subprocess.run(command, env={**os.environ, **ENV}, capture_output=True, check=False)
    before = tree(Path.cwd())  # the previous output, complete
    done = subprocess.run(
        command,
        env={**os.environ, **ENV},
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"b2bmail: {out}: cannot write the {what}: File too large"
        " — raise the file-size limit (ulimit -f), or write elsewhere\n"
    )
    assert tree(Path.cwd()) == before
    assert leftovers(here) == []


@pytest.mark.chromium
def test_a_full_disk_during_preview_is_exit_2_and_no_partial_gallery(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    chromium_or_skip()
    write_bytes = Path.write_bytes

    def disk_full_on_shots(self: Path, data: bytes) -> int:
        if self.suffix == ".png":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full_on_shots)
    code, stdout, stderr = b2bmail("preview", f"{C}/campaign.yaml", "--out", "gallery")
    assert (code, stdout) == (2, "")
    assert stderr == (
        "b2bmail: gallery: cannot write the folder: No space left on device"
        " — free some disk space, or write elsewhere\n"
    )
    assert not Path("gallery").exists()
    assert leftovers(here) == []


def test_segment_csv_neutralises_formulas(here: Path) -> None:
    Path("list.csv").write_text(
        # A sector column: the segments' rules read it (a rule on no column is an error).
        "email;first_name;sector\n"
        "anne@acme.example;=HYPERLINK(\"http://evil.example\",\"x\");mines\n"
        "bob@acme.example;+33 1 23 45 67 89;BTP\n"
        "carl@acme.example;Carl;\n",
        encoding="utf-8",
    )  # fmt: skip
    code, stdout, stderr = b2bmail(
        "segment", "list.csv", "--segments", f"{C}/segments.yaml", "--format", "csv"
    )
    assert code == 0, stderr
    rows = {row[0]: row for row in csv.reader(io.StringIO(stdout), delimiter=";")}
    assert rows["anne@acme.example"][1] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows["bob@acme.example"][1] == "'+33 1 23 45 67 89"
    assert rows["carl@acme.example"][1] == "Carl"


def test_audit_csv_neutralises_formulas(here: Path) -> None:
    # Only addresses that are invalid, so no DNS question is asked.
    Path("list.csv").write_text("email\n@SUM(1+1)*cmd\n-2+3\n", encoding="utf-8")
    code, stdout, stderr = b2bmail(
        "audit", "list.csv", "--nameserver", "127.0.0.1:9", "--no-cache", "--format", "csv"
    )
    assert code == 1, stderr
    emails = [row[1] for row in csv.reader(io.StringIO(stdout))][1:]
    assert emails == ["'@SUM(1+1)*cmd", "'-2+3"]


def test_every_json_output_names_its_schema(tmp_path: Path) -> None:
    """`"schema": "b2bmail.<kind>/<version>"` comes first in every JSON document (output.py
    json_document). audit and check-sender need DNS: tests/cli/test_audit.py and
    tests/deliverability/sender/test_sender_cli.py check theirs over NSD."""
    import json

    from b2bmail.starter import scaffold_campaign

    folder = tmp_path / "c"
    scaffold_campaign(folder)
    campaign, recipients = str(folder / "campaign.yaml"), str(folder / "recipients.csv")
    segments = str(folder / "segments" / "segments.yaml")
    out, sent = tmp_path / "o", tmp_path / "p"
    documents = {
        "build": b2bmail("build", campaign, "--out", str(out), "--format", "json")[1],
        "manifest.json": (out / "manifest.json").read_text(encoding="utf-8"),
        "lint": b2bmail("lint", str(out), "--format", "json")[1],
        "rules": b2bmail("rules", "--format", "json")[1],
        "segment": b2bmail("segment", recipients, "--segments", segments, "--format", "json")[1],
        "build --per-recipient": b2bmail(
            "build",
            campaign,
            "--recipients",
            recipients,
            "--per-recipient",
            "--out",
            str(sent),
            "--format",
            "json",
        )[1],
        "personalize.json": (sent / "personalize.json").read_text(encoding="utf-8"),
    }
    schemas = {name: next(iter(json.loads(text).items())) for name, text in documents.items()}
    assert schemas == {
        "build": ("schema", "b2bmail.manifest/1"),
        "manifest.json": ("schema", "b2bmail.manifest/1"),
        "lint": ("schema", "b2bmail.lint/1"),
        "rules": ("schema", "b2bmail.rules/1"),
        "segment": ("schema", "b2bmail.segment/1"),
        "build --per-recipient": ("schema", "b2bmail.personalize/1"),
        "personalize.json": ("schema", "b2bmail.personalize/1"),
    }
