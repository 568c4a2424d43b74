"""`b2bmail segment`: outputs, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from b2bmail.cli import main

SEGMENTS_YAML = """\
segments:
  - id: mining
    name: Mines
    priority: 10
    rule: {field: sector, equals: mines}
  - id: large
    name: Grands comptes
    priority: 5
    rule: {field: company.size, gte: 500}
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    recipients = tmp_path / "list.csv"
    recipients.write_bytes(
        "Prénom;Courriel;Secteur;Société ID\r\n"
        "Jérôme;jerome@acme.fr;mines;\r\n"
        "Zoé;zoe@grand.fr;;G1\r\n"
        "Léa;LEA@acme.fr;btp;\r\n".encode("cp1252")
    )
    segments = tmp_path / "segments.yaml"
    segments.write_text(SEGMENTS_YAML, encoding="utf-8")
    companies = tmp_path / "companies.csv"
    companies.write_text("id,size\nG1,800\n", encoding="utf-8")
    # For lists with a sector column only: a rule on a field no column gives is an error.
    by_sector = tmp_path / "sector-segments.yaml"
    by_sector.write_text(SEGMENTS_YAML.split("  - id: large")[0], encoding="utf-8")
    return {
        "list": recipients,
        "segments": segments,
        "companies": companies,
        "sector_segments": by_sector,
    }


def run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["segment", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_output(files: dict[str, Path]) -> None:
    code, out, err = run(
        [
            str(files["list"]),
            "--segments",
            str(files["segments"]),
            "--companies",
            str(files["companies"]),
            "--format",
            "json",
        ]
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["rows_read"] == 3
    assert data["buckets"] == {
        "mining": 1,
        "large": 1,
        "unassigned": 1,
        "invalid": 0,
        "duplicate": 0,
        "suppressed": 0,
    }
    assert data["rows"][1] == {
        "row": 3,
        "email": "zoe@grand.fr",
        "bucket": "large",
        "reason": "Grands comptes",
        "duplicate_of": None,
        "notes": [],
    }
    assert data["input"]["encoding"] == "cp1252" and data["input"]["delimiter"] == ";"


def test_csv_output_keeps_encoding_and_delimiter(files: dict[str, Path], tmp_path: Path) -> None:
    out_file = tmp_path / "out.csv"
    code, out, _ = run(
        [
            str(files["list"]),
            "--segments",
            str(files["segments"]),
            "--companies",
            str(files["companies"]),
            "--format",
            "csv",
            "--out",
            str(out_file),
        ]
    )
    assert (code, out) == (0, "")
    assert out_file.read_bytes().decode("cp1252") == (
        "Prénom;Courriel;Secteur;Société ID;bucket;reason;duplicate_of\r\n"
        "Jérôme;jerome@acme.fr;mines;;mining;Mines;\r\n"
        "Zoé;zoe@grand.fr;;G1;large;Grands comptes;\r\n"
        "Léa;LEA@acme.fr;btp;;unassigned;no segment rule matched;\r\n"
    )


def test_text_output_and_exit_1_on_invalid_rows(tmp_path: Path, files: dict[str, Path]) -> None:
    recipients = tmp_path / "bad.csv"
    recipients.write_text(
        "email,sector\na@acme.fr,mines\nnot-an-address,\nA@acme.fr,\n", encoding="utf-8"
    )
    code, out, err = run([str(recipients), "--segments", str(files["sector_segments"])])
    assert (code, err) == (1, "")
    assert "3 rows read (utf-8, comma-separated, email column 'email')" in out
    assert "row 3: 'not-an-address' — An email address must have an @-sign." in out
    assert "row 4: 'A@acme.fr' — same address as row 2" in out


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (b"", [], "list.csv: the file is empty — export the list again with a header row"),
        (b"nom,societe\nA,B\n", [], "list.csv:1: no email column"),
        (b"email\na@x.fr\n\x81\n", [], "list.csv:3: cannot decode byte 0x81 at byte offset 13"),
        (b"\x00\x01\x02binary", [], "this looks like a binary file"),
        (b"email\na@x.fr\n", ["--encoding", "nope"], "unknown encoding 'nope'"),
    ],
    ids=["empty", "no-email", "undecodable", "binary", "bad-encoding"],
)
def test_bad_inputs_exit_2_with_one_line(
    tmp_path: Path, files: dict[str, Path], content: bytes, extra: list[str], message: str
) -> None:
    recipients = tmp_path / "list.csv"
    recipients.write_bytes(content)
    code, out, err = run([str(recipients), "--segments", str(files["segments"]), *extra])
    assert code == 2 and out == ""
    assert err.startswith("b2bmail: ") and message in err
    assert err.count("\n") == 1


def test_missing_file_and_bad_segments(tmp_path: Path, files: dict[str, Path]) -> None:
    code, _, err = run([str(tmp_path / "nope.csv"), "--segments", str(files["segments"])])
    assert code == 2 and "cannot open the file" in err and err.count("\n") == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("segments:\n  - id: invalid\n    name: X\n", encoding="utf-8")
    code, _, err = run([str(files["list"]), "--segments", str(bad)])
    assert code == 2 and "reserved bucket name" in err


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le")],
    ids=["utf8-bom", "utf16"],
)
def test_csv_output_keeps_bom_and_extra_cells(
    tmp_path: Path, files: dict[str, Path], bom: bytes, codec: str
) -> None:
    recipients = tmp_path / "bom.csv"
    recipients.write_bytes(bom + "email\tsecteur\nzoé@mines.example\tmines\textra\n".encode(codec))
    out_file = tmp_path / "out.csv"
    code, _, err = run(
        [
            str(recipients),
            "--segments",
            str(files["sector_segments"]),
            "--format",
            "csv",
            "--out",
            str(out_file),
        ]
    )
    assert (code, err) == (0, "")
    data = out_file.read_bytes()
    assert data.startswith(bom)
    assert data[len(bom) :].decode(codec) == (
        "email\tsecteur\tbucket\treason\tduplicate_of\r\n"
        "zoé@mines.example\tmines\textra\tmining\tMines\t\r\n"
    )


def test_suppression_forms_and_companies_error(tmp_path: Path, files: dict[str, Path]) -> None:
    sup = tmp_path / "sup.txt"
    sup.write_text("# opt-outs\n*@acme.fr\nZOE@GRAND.FR\n", encoding="utf-8")
    code, out, _ = run(
        [
            str(files["list"]),
            "--segments",
            str(files["segments"]),
            "--companies",
            str(files["companies"]),
            "--suppress",
            str(sup),
            "--format",
            "json",
        ]
    )
    assert code == 0
    data = json.loads(out)
    assert data["buckets"]["suppressed"] == 3
    assert [r["reason"] for r in data["rows"]] == [
        "domain acme.fr listed in sup.txt:2",
        "address listed in sup.txt:3",
        "domain acme.fr listed in sup.txt:2",
    ]
    companies = tmp_path / "bad-companies.csv"
    companies.write_text("nom,secteur\nAcme,btp\n", encoding="utf-8")
    code, _, err = run(
        [str(files["list"]), "--segments", str(files["segments"]), "--companies", str(companies)]
    )
    assert code == 2 and "neither an id nor a domain column" in err


def test_out_under_a_file_is_one_line_exit_2(files: dict[str, Path], tmp_path: Path) -> None:
    target = files["list"] / "report.csv"
    code, out, err = run(
        [
            *(str(files["list"]), "--segments", str(files["segments"])),
            *("--companies", str(files["companies"]), "--out", str(target)),
        ]
    )
    assert (code, out) == (2, "")
    assert err == (
        f"b2bmail: {target}: cannot write the file: a folder on its path is a file"
        " — choose a path in a folder you can write to\n"
    )


def test_forced_utf16_reads_an_excel_unicode_text_file(
    files: dict[str, Path], tmp_path: Path
) -> None:
    # Regression: --encoding utf-16 was a UnicodeError traceback ("stream does not start with BOM").
    path = tmp_path / "unicode.txt"
    path.write_bytes("Courriel\tSecteur\r\nzoe@acme.fr\tmines\r\n".encode("utf-16"))
    code, out, err = run(
        [str(path), "--segments", str(files["sector_segments"]), "--encoding", "utf-16"]
    )
    assert (code, err) == (0, "")
    assert (
        out.splitlines()[0]
        == f"{path}: 1 row read (utf-16-le, tab-separated, email column 'Courriel')"
    )


def test_non_text_codec_is_one_line_exit_2(files: dict[str, Path]) -> None:
    code, out, err = run(
        [str(files["list"]), "--segments", str(files["segments"]), "--encoding", "hex"]
    )
    assert (code, out) == (2, "")
    assert (
        err
        == f"b2bmail: {files['list']}: unknown encoding 'hex' — use utf-8, utf-8-sig or cp1252\n"
    )


def test_open_quote_is_one_line_exit_2_and_no_output(
    files: dict[str, Path], tmp_path: Path
) -> None:
    path = tmp_path / "open.csv"
    path.write_text('email,sector\na@x.fr,"mines\nb@x.fr,mines\n', encoding="utf-8")
    out_file = tmp_path / "segmented.csv"
    args = [str(path), "--segments", str(files["segments"]), "--format", "csv"]
    code, out, err = run([*args, "--out", str(out_file)])
    assert (code, out, out_file.exists()) == (2, "", False)
    assert err == (
        f"b2bmail: {path}:2: a quoted field opened on this line is never closed, so every line"
        ' after it would be read as part of that field — close the quote (") or remove it\n'
    )


def test_out_over_an_input_is_refused_and_the_input_kept(files: dict[str, Path]) -> None:
    before = files["segments"].read_text()
    args = [str(files["list"]), "--segments", str(files["segments"]), "--format", "csv"]
    code, out, err = run([*args, "--out", str(files["segments"])])
    assert (code, out) == (2, "")
    assert err == (
        f"b2bmail: {files['segments']}: this output would overwrite the input file"
        f" {str(files['segments'])!r} — choose another output path\n"
    )
    assert files["segments"].read_text() == before


def test_text_report_singular_and_80_columns(files: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("email,sector\n\nj.martin@@martin-freres-btp.example,mines\n", encoding="utf-8")
    code, out, err = run([str(path), "--segments", str(files["sector_segments"])])
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert lines[0] == (
        f"{path}: 1 row read (utf-8, comma-separated, email column 'email'), 1 blank line skipped"
    )
    assert lines[-3:] == [
        "invalid:",
        "  row 3: 'j.martin@@martin-freres-btp.example' — The part after the @-sign",
        "      contains invalid characters: '@'.",
    ]


def test_a_pipe_is_one_line_exit_2(files: dict[str, Path], tmp_path: Path) -> None:
    fifo = tmp_path / "piped.csv"
    os.mkfifo(fifo)
    code, out, err = run([str(fifo), "--segments", str(files["segments"])])
    assert (code, out) == (2, "")
    assert err == (
        f"b2bmail: {fifo}: not a regular file (a pipe or a device)"
        " — save the list to a file first and give its path\n"
    )


NUMBER_SEGMENTS = """\
segments:
  - id: big
    name: Grands
    priority: 10
    rule: {field: size, gte: 50}
"""


def test_numbers_read_in_locale_and_unreadable_reported_per_row(tmp_path: Path) -> None:
    recipients = tmp_path / "list.csv"
    recipients.write_text(
        "email;effectif;pays;langue;civilité\n"
        "a@mine.fr;1\u00a0200;Afrique du Sud;Anglais;Mme\n"
        "b@mine.fr;1.200;Maroc;EN;M.\n"
        "c@mine.fr;1\u202f200;Atlantis;Klingon;Dr\n"
        "d@mine.fr;beaucoup;France;fr;Madame\n",
        encoding="utf-8",
    )
    segments = tmp_path / "segments.yaml"
    segments.write_text(NUMBER_SEGMENTS, encoding="utf-8")
    args = [str(recipients), "--segments", str(segments), "--locale", "fr_FR"]
    code, out, err = run([*args, "--format", "json"])
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["buckets"]["big"] == 3 and data["buckets"]["unassigned"] == 1
    unread = data["rows"][3]
    assert unread["bucket"] == "unassigned"
    assert unread["notes"] == [
        "size 'beaucoup' is not a number in locale fr_FR, so 'size' rules did not match"
    ]
    assert data["numbers"] == {"locale": "fr_FR", "unreadable_rows": 1}
    assert data["values"]["country"] == {
        "normalized": 3,
        "unchanged": 0,
        "unrecognized": 1,
        "unrecognized_examples": ["Atlantis"],
    }
    assert data["values"]["language"] == {
        "normalized": 2,
        "unchanged": 1,
        "unrecognized": 1,
        "unrecognized_examples": ["Klingon"],
    }
    assert data["values"]["civility"]["unrecognized_examples"] == ["Dr"]
    code, text, _ = run(args)
    assert "  row 5: size 'beaucoup' is not a number in locale fr_FR" in text
    assert "  country: 3 normalised, 0 already canonical, 1 not recognised ('Atlantis')" in text


def test_unknown_locale_is_one_line_exit_2(files: dict[str, Path]) -> None:
    code, out, err = run(
        [str(files["list"]), "--segments", str(files["segments"]), "--locale", "xx_QQ"]
    )
    assert code == 2 and out == ""
    assert err.startswith("b2bmail: unknown locale 'xx_QQ'") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("environ", "source", "bom", "delimiter"),
    [
        # A French or Dutch reader: Excel's list separator is `;`, and UTF-8 needs a BOM.
        ({"LANG": "fr_FR.UTF-8"}, ",", "\ufeff", ";"),
        ({"LC_ALL": "nl_BE.UTF-8"}, ",", "\ufeff", ";"),
        # Otherwise as the list was: `;` stays `;`, `,` stays `,`.
        ({"LANG": "en_GB.UTF-8"}, ";", "", ";"),
        ({"LANG": "en_GB.UTF-8"}, ",", "", ","),
        ({}, ",", "", ","),
    ],
    ids=["fr", "nl_BE", "en-semicolon-input", "en-comma-input", "no-locale"],
)
def test_csv_output_opens_in_the_readers_excel(
    files: dict[str, Path],
    tmp_path: Path,
    environ: dict[str, str],
    source: str,
    bom: str,
    delimiter: str,
) -> None:
    recipients = tmp_path / "utf8.csv"
    recipients.write_text(
        f"Prénom{source}Courriel{source}Secteur\r\nZoé{source}zoe@grand.fr{source}conseil\r\n",
        "utf-8",
    )
    env: dict[str, str | None] = {"LC_ALL": None, "LC_NUMERIC": None, "LANG": None, **environ}
    args = [str(recipients), "--segments", str(files["sector_segments"]), "--format", "csv"]
    result = CliRunner().invoke(main, ["segment", *args], env=env)
    assert result.exit_code == 0, result.output
    rows = [
        ["Prénom", "Courriel", "Secteur", "bucket", "reason", "duplicate_of"],
        ["Zoé", "zoe@grand.fr", "conseil", "unassigned", "no segment rule matched", ""],
    ]
    expected = bom + "".join(delimiter.join(row) + "\r\n" for row in rows)
    assert result.stdout_bytes.decode("utf-8") == expected


def test_csv_output_for_a_french_reader_is_utf8_whatever_the_input(
    files: dict[str, Path], tmp_path: Path
) -> None:
    out_file = tmp_path / "out.csv"
    args = [str(files["list"]), "--segments", str(files["sector_segments"]), "--format", "csv"]
    result = CliRunner().invoke(
        main, ["segment", *args, "--out", str(out_file)], env={"LC_ALL": "fr_FR.UTF-8"}
    )
    assert result.exit_code == 0, result.output
    # The list is Windows-1252: the report for a French Excel is UTF-8 with a BOM.
    assert out_file.read_bytes().startswith("\ufeffPrénom;Courriel;".encode())
    assert "Zoé;zoe@grand.fr;;G1;unassigned;" in out_file.read_text(encoding="utf-8-sig")


def test_a_missing_list_is_reported_in_french(files: dict[str, Path]) -> None:
    # The system's reason was C's English strerror ("No such file or directory").
    result = CliRunner().invoke(
        main,
        ["segment", "absente.csv", "--segments", str(files["segments"])],
        env={"LANG": "fr_FR.UTF-8", "LC_ALL": None, "LC_MESSAGES": None, "B2BMAIL_LANG": None},
    )
    assert (result.exit_code, result.stderr) == (
        2,
        "b2bmail: absente.csv: impossible d'ouvrir le fichier : fichier ou dossier introuvable"
        " — vérifiez le chemin\n",
    )
