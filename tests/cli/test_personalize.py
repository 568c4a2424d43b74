"""`b2bmail build --recipients FILE --per-recipient [--mbox FILE]`: outputs and exit codes."""

from __future__ import annotations

import email.header
import json
import mailbox
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.personalize.test_build import CAMPAIGN, SEGMENTS, TEMPLATE
from tests.render.eml_checks import assert_crlf

from b2bmail.cli import main

CLEAN_LIST = (
    "email;prénom;société;secteur\nanne@acme.example;Anne;Acme;mines\nbob@b.example;Bob;B;btp\n"
)


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    (tmp_path / "campaign.yaml").write_text(CAMPAIGN, encoding="utf-8")
    (tmp_path / "email.mjml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "segments.yaml").write_text(SEGMENTS, encoding="utf-8")
    (tmp_path / "list.csv").write_text(CLEAN_LIST, encoding="utf-8")
    return tmp_path / "campaign.yaml"


def run(args: list[str], secret: str | None = "k") -> tuple[int, str, str]:
    env = {"B2BMAIL_UNSUBSCRIBE_SECRET": secret} if secret else {"B2BMAIL_UNSUBSCRIBE_SECRET": ""}
    result = CliRunner(env=env).invoke(main, ["build", *args])
    return result.exit_code, result.stdout, result.stderr


def test_per_recipient_eml_tree(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = run(
        [
            str(campaign),
            "--recipients",
            str(tmp_path / "list.csv"),
            "--per-recipient",
            "--out",
            str(out),
        ]
    )
    assert (code, stderr) == (0, "")
    assert stdout.splitlines()[0] == f"2 message(s) from 2 row(s) -> {out}"
    assert sorted(p.name for p in out.rglob("*.eml")) == [
        "000002-anne@acme.example.eml",
        "000003-bob@b.example.eml",
    ]
    for eml in out.rglob("*.eml"):
        assert_crlf(eml.read_bytes())  # RFC 5322 §2.1: CRLF line ends, no bare CR or LF


def test_mbox_and_json(campaign: Path, tmp_path: Path) -> None:
    box = tmp_path / "all.mbox"
    code, stdout, stderr = run(
        [
            str(campaign),
            "--recipients",
            str(tmp_path / "list.csv"),
            "--mbox",
            str(box),
            "--format",
            "json",
        ],
    )
    assert (code, stderr) == (0, "")
    data = json.loads(stdout)
    assert (data["messages"], data["token_source"], data["issues"]) == (2, "secret", [])
    assert len(mailbox.mbox(box)) == 2
    assert b"\r" not in box.read_bytes()  # mbox lines end in LF (the mbox convention)


def test_without_secret_exit_2_one_line(campaign: Path, tmp_path: Path) -> None:
    box = tmp_path / "all.mbox"
    args = [str(campaign), "--recipients", str(tmp_path / "list.csv"), "--mbox", str(box)]
    code, stdout, stderr = run(args, secret=None)
    assert (code, stdout, box.exists()) == (2, "", False)
    assert stderr.startswith("b2bmail: $B2BMAIL_UNSUBSCRIBE_SECRET is not set — set it to")
    assert stderr.count("\n") == 1


def test_invalid_rows_exit_1(campaign: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(CLEAN_LIST + "nope;X;Y;mines\nzed@z.example;Zed;;btp\n", encoding="utf-8")
    code, stdout, _ = run(
        [str(campaign), "--recipients", str(bad), "--per-recipient", "--out", str(tmp_path / "o")]
    )
    assert code == 1
    assert "not sent: invalid 1" in stdout
    assert "row 5: 'zed@z.example' — missing: no value for company" in stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--per-recipient"], "--per-recipient and --mbox need --recipients FILE"),
        (["--recipients", "LIST"], "--recipients needs --per-recipient (or --mbox FILE)"),
    ],
    ids=["no-recipients", "no-mode"],
)
def test_usage_errors_exit_2(
    campaign: Path, tmp_path: Path, extra: list[str], message: str
) -> None:
    args = [a.replace("LIST", str(tmp_path / "list.csv")) for a in extra]
    code, _, stderr = run([str(campaign), *args, "--out", str(tmp_path / "o")])
    assert code == 2 and message in stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"nom;societe\nA;B\n", "no email column"),
        (b"email\na@x.example\n\xff\xfe\x81\n", "cannot decode byte 0x81"),
    ],
    ids=["empty", "no-email", "undecodable"],
)
def test_bad_recipient_files_exit_2(
    campaign: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    code, stdout, stderr = run(
        [str(campaign), "--recipients", str(bad), "--per-recipient", "--out", str(tmp_path / "o")]
    )
    assert code == 2 and stdout == ""
    assert stderr.startswith("b2bmail: ") and message in stderr and stderr.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_segment_option_limits_the_messages(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, _ = run(
        [
            str(campaign),
            "--recipients",
            str(tmp_path / "list.csv"),
            "--per-recipient",
            "--segment",
            "autres",
            "--out",
            str(out),
            "--format",
            "json",
        ]
    )
    assert code == 0
    data = json.loads(stdout)
    assert data["built"] == {"autres": 1}
    assert data["buckets"]["mines"] == 1  # routed there, not built
    assert [p.parent.name for p in out.rglob("*.eml")] == ["autres"]


def test_summary_counts_messages_by_stage(tmp_path: Path) -> None:
    from tests.render.test_stages import write_campaign

    campaign = write_campaign(tmp_path)
    code, stdout, stderr = run(
        [str(campaign), "--recipients", str(tmp_path / "list.csv"), "--per-recipient",
         "--out", str(tmp_path / "out")]
    )  # fmt: skip
    assert (code, stderr) == (0, "")
    assert stdout.splitlines()[1:3] == [
        "  plants                         5",
        "by stage: awareness 1, consideration 3, decision 1"
        " (2 without a known stage got their segment's default)",
    ]
    code, stdout, _ = run(
        [str(campaign), "--recipients", str(tmp_path / "list.csv"), "--mbox",
         str(tmp_path / "all.mbox"), "--format", "json"]
    )  # fmt: skip
    data = json.loads(stdout)
    assert (code, data["stages"], data["stage_defaulted"]) == (
        0,
        {"awareness": 1, "consideration": 3, "decision": 1},
        2,
    )


def test_mbox_in_a_missing_folder_is_created(campaign: Path, tmp_path: Path) -> None:
    box = tmp_path / "missing-dir" / "x.mbox"
    code, _, stderr = run(
        [str(campaign), "--recipients", str(tmp_path / "list.csv"), "--mbox", str(box)]
    )
    assert (code, stderr) == (0, "")
    assert len(mailbox.mbox(box)) == 2
    assert [p.name for p in box.parent.iterdir()] == ["x.mbox"]  # no temporary file left


@pytest.mark.parametrize(
    "where",
    [
        pytest.param(lambda tmp: "/proc/x.mbox", id="unwritable-folder"),
        pytest.param(lambda tmp: str(tmp / "list.csv" / "x.mbox"), id="parent-is-a-file"),
    ],
)
def test_unwritable_mbox_is_one_line_exit_2(campaign: Path, tmp_path: Path, where: object) -> None:
    box = where(tmp_path)  # type: ignore[operator]
    code, _, stderr = run(
        [str(campaign), "--recipients", str(tmp_path / "list.csv"), "--mbox", box]
    )
    assert code == 2
    assert stderr.startswith(f"b2bmail: {box}: cannot write the mbox: ")
    assert stderr.endswith("choose a path in a folder you can write to\n")
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert not list(tmp_path.rglob("*.tmp"))


def test_failed_build_leaves_no_partial_mbox(
    campaign: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from b2bmail.personalize import build as personalize

    real = personalize.write_messages

    def disk_full_after_first(messages, **kwargs):
        def first_then_fail():
            it = iter(messages)
            yield next(it)
            raise OSError(errno.ENOSPC, "No space left on device")

        real(first_then_fail(), **kwargs)

    monkeypatch.setattr(personalize, "write_messages", disk_full_after_first)
    box = tmp_path / "all.mbox"
    box.write_bytes(b"previous\n")
    code, _, stderr = run(
        [str(campaign), "--recipients", str(tmp_path / "list.csv"), "--mbox", str(box)]
    )
    assert (code, stderr) == (
        2,
        f"b2bmail: {box}: cannot write the mbox: No space left on device"
        " — free some disk space, or write elsewhere\n",
    )
    assert box.read_bytes() == b"previous\n"  # the old mbox intact, nothing half-written
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_long_name_folds_headers_and_long_address_is_invalid(
    campaign: Path, tmp_path: Path
) -> None:
    """QA: a 2,000-letter first name gave a 2,004-octet To line (RFC 5322 §2.1.1: 998 max);
    an address over RFC 5321's limits (local part 64) is rejected, never put in a header."""
    name = "A" * 2000
    (tmp_path / "list.csv").write_text(
        f"email;prénom;société;secteur\nanne@acme.example;{name};Acme;mines\n"
        f"{'l' * 65}@acme.example;Long;Acme;mines\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code, stdout, stderr = run(
        [str(campaign), "--recipients", str(tmp_path / "list.csv"), "--per-recipient",
         "--out", str(out)]
    )  # fmt: skip
    assert (code, stderr) == (1, "")
    assert stdout.splitlines()[0] == f"1 message(s) from 2 row(s) -> {out}"
    [eml] = out.rglob("*.eml")
    head = eml.read_bytes().split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78
    msg = mailbox.mboxMessage(eml.read_bytes())
    assert msg["To"].endswith("<anne@acme.example>")
    assert name[:40] in str(email.header.make_header(email.header.decode_header(msg["Subject"])))


def test_every_row_is_accounted_for_once(campaign: Path, tmp_path: Path) -> None:
    """QA: `not sent: invalid 2` never said which rows. Each row read is either written or
    listed once in personalize.json with its bucket and why; the text names the first ones."""
    from tests.personalize.test_build import LIST

    (tmp_path / "list.csv").write_text(
        LIST.replace("pas-une-adresse", "j.martin@@acme.example"), encoding="utf-8"
    )
    (tmp_path / "supp.txt").write_text("bob@acme.example\n", encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, stderr = run(
        [str(campaign), "--recipients", str(tmp_path / "list.csv"), "--per-recipient",
         "--out", str(out), "--suppress", str(tmp_path / "supp.txt")]
    )  # fmt: skip
    assert (code, stderr) == (1, "")  # an invalid row and unbuildable rows: findings
    data = json.loads((out / "personalize.json").read_text(encoding="utf-8"))
    not_sent = [i for i in data["issues"] if i["kind"] != "cleaned"]
    rows = [i["row"] for i in not_sent]
    written = sorted(int(p.name[:6]) for p in out.rglob("*.eml"))
    assert len(rows) == len(set(rows)) and not set(rows) & set(written)
    assert len(rows) + len(written) == data["rows_read"] == 8
    assert sum(data["not_sent"].values()) + data["messages"] == data["rows_read"]
    assert (data["blank_rows"], data["not_sent"]) == (
        1,
        {"suppressed": 1, "skipped": 2, "duplicate": 1, "invalid": 1},
    )
    assert {(i["row"], i["email"], i["bucket"], i["kind"]) for i in not_sent} == {
        (3, "bob@acme.example", "suppressed", "suppressed"),
        (7, "nocompany@acme.example", "skipped", "missing"),
        (9, "ANNE@acme.example", "duplicate", "duplicate"),
        (10, "j.martin@@acme.example", "invalid", "invalid"),
        (11, "zoé@société.example", "skipped", "smtputf8"),
    }
    lines = stdout.splitlines()
    assert lines[3] == (
        "not sent: suppressed 1, skipped 2, duplicate 1, invalid 1"
        f" (each row and why: {out / 'personalize.json'})"
    )
    assert "  row 9: 'ANNE@acme.example' — duplicate: same address as row 2" in lines
    assert any(line.startswith("  row 10: 'j.martin@@acme.example' — invalid: ") for line in lines)


def test_rows_of_unselected_segments_are_reported(campaign: Path, tmp_path: Path) -> None:
    box = tmp_path / "x.mbox"
    code, stdout, stderr = run(
        [str(campaign), "--recipients", str(tmp_path / "list.csv"), "--mbox", str(box),
         "--segment", "mines", "--format", "json"]
    )  # fmt: skip
    assert (code, stderr) == (0, "")
    data = json.loads(stdout)
    assert (data["messages"], data["not_sent"]) == (1, {"skipped": 1})
    assert [(i["row"], i["kind"], i["detail"]) for i in data["issues"]] == [
        (3, "not-selected", "segment 'autres' not selected (--segment)")
    ]


def test_quiet_prints_nothing_when_every_row_is_written(campaign: Path, tmp_path: Path) -> None:
    args = [str(campaign), "--recipients", str(tmp_path / "list.csv"), "--per-recipient"]
    assert run(["-q", *args, "--out", str(tmp_path / "o")]) == (0, "", "")
    assert len(list((tmp_path / "o").rglob("*.eml"))) == 2
    code, stdout, stderr = run(["-v", *args, "--out", str(tmp_path / "o")])
    assert (code, stdout.splitlines()[0]) == (0, f"2 message(s) from 2 row(s) -> {tmp_path / 'o'}")
    assert f"wrote {tmp_path / 'o' / 'personalize.json'}\n" in stderr
    assert re.search(r"^personalised build: \d+\.\d\d s$", stderr, re.M), stderr


def test_quiet_still_lists_the_rows_not_written(campaign: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(CLEAN_LIST + "zed@z.example;Zed;;btp\n", encoding="utf-8")
    out = str(tmp_path / "o")
    args = [str(campaign), "--recipients", str(bad), "--per-recipient", "--out", out]
    default = run(args)
    assert (
        default[0] == 1 and "row 4: 'zed@z.example' — missing: no value for company" in default[1]
    )
    assert run(["--quiet", *args]) == default


def test_a_per_recipient_build_does_not_load_the_linter(tmp_path: Path) -> None:
    # Issue 13 item 6: a per-recipient build lints nothing, so it does not pay for importing
    # the linter (its rules, registry and configuration, about 50 ms).
    import subprocess
    import sys

    example = Path(__file__).parents[2] / "examples" / "heavy-equipment"
    probe = (
        "import sys\n"
        "from b2bmail.cli import main\n"
        "try:\n"
        f"    main(['build', {str(example / 'campaign.yaml')!r}, '--recipients',"
        f" {str(example / 'recipients.csv')!r}, '--mbox', {str(tmp_path / 'm.mbox')!r}])\n"
        "except SystemExit as exc:\n"
        "    print('EXIT', exc.code, file=sys.stderr)\n"
        "print('LINT', sorted(m for m in sys.modules if m.startswith('b2bmail.lint')),"
        " file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "B2BMAIL_UNSUBSCRIBE_SECRET": "k"},
    )
    # exit 1: the example's list has rows on purpose that cannot be sent (a full run still)
    assert "EXIT 1\nLINT []\n" in result.stderr, result.stderr
