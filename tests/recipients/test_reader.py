"""Reading recipient files: encodings, delimiters, quoting, header aliases, bad inputs."""

from __future__ import annotations

import codecs
import dataclasses
import os
import time
from pathlib import Path

import pytest

from b2bmail.errors import InputError
from b2bmail.recipients import decoding, read_recipients
from b2bmail.recipients.fields import normalize_cell
from b2bmail.recipients.reader import RecipientRow, RecipientTable, ValueCounts, header_keys


def write(tmp_path: Path, data: bytes, name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows_of(path: Path, **kwargs: str) -> list[tuple[int, dict[str, object]]]:
    table = read_recipients(path, **kwargs)
    return [(r.row, columns(table, r)) for r in table.rows]


def columns(table: RecipientTable, row: RecipientRow) -> dict[str, object]:
    """A row's fields by column key (without the headers' slugs and company fields, which
    test_every_column_is_reachable_by_its_slug pins)."""
    return {k: v for k, v in row.fields.items() if k in table.keys}


def test_windows_1252_french_accents_survive(tmp_path: Path) -> None:
    text = "Prénom;Nom;Courriel;Société\r\nJérôme;Lefèvre;jerome@acme.fr;Béton & Cie\r\n"
    path = write(tmp_path, text.encode("cp1252"))
    table = read_recipients(path)
    assert (table.encoding, table.delimiter, table.has_bom) == ("cp1252", ";", False)
    assert table.headers == ("Prénom", "Nom", "Courriel", "Société")
    assert table.email_column == "Courriel"
    [row] = list(table.rows)
    assert row.row == 2
    assert columns(table, row) == {
        "first_name": "Jérôme",
        "last_name": "Lefèvre",
        "email": "jerome@acme.fr",
        "company": "Béton & Cie",
    }
    assert row.raw["Prénom"] == "Jérôme"


def test_utf8_with_bom_and_tab_delimiter(tmp_path: Path) -> None:
    text = "E-mail\tFirst Name\tRôle\nanne@acme.fr\tAnne\tDécideur, acheteur\n"
    path = write(tmp_path, codecs.BOM_UTF8 + text.encode("utf-8"), "list.tsv")
    table = read_recipients(path)
    assert (table.encoding, table.delimiter, table.has_bom) == ("utf-8", "\t", True)
    assert table.headers[0] == "E-mail"  # the BOM is not part of the first header
    [row] = list(table.rows)
    assert row.fields["roles"] == frozenset({"decider", "buyer"})


def test_utf16_excel_unicode_text(tmp_path: Path) -> None:
    text = "email\tnom\nzoé@acme.fr\tZoé\n"
    path = write(tmp_path, codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert rows_of(path) == [(2, {"email": "zoé@acme.fr", "last_name": "Zoé"})]


def test_quoted_fields_with_commas_and_newlines_keep_line_numbers(tmp_path: Path) -> None:
    text = 'email,company,note\n"a@acme.fr","Acme, Inc.","line one\nline two"\nb@acme.fr,B,x\n'
    path = write(tmp_path, text.encode())
    result = rows_of(path)
    assert result == [
        (2, {"email": "a@acme.fr", "company": "Acme, Inc.", "note": "line one\nline two"}),
        (4, {"email": "b@acme.fr", "company": "B", "note": "x"}),
    ]


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Adresse e-mail", "email"),
        ("MAIL", "email"),
        ("courriel", "email"),
        ("First name", "first_name"),
        ("PRÉNOM", "first_name"),
        ("Nom", "last_name"),
        ("Société", "company"),
        ("Secteur d'activité", "sector"),
        ("Étape", "stage"),
        ("Code postal", "code_postal"),
    ],
    ids=lambda v: str(v),
)
def test_header_aliases(tmp_path: Path, header: str, key: str) -> None:
    other = "Courriel" if key != "email" else "x"
    path = write(tmp_path, f"{header},{other}\nv@acme.fr,v@acme.fr\n".encode())
    table = read_recipients(path)
    assert key in table.keys


def test_values_normalised(tmp_path: Path) -> None:
    text = "email,étape,pays,langue\na@acme.fr,Décision,France,FR\nb@acme.fr,consideration,be,\n"
    path = write(tmp_path, text.encode())
    assert [f for _, f in rows_of(path)] == [
        {"email": "a@acme.fr", "stage": "decision", "country": "FR", "language": "fr"},
        {"email": "b@acme.fr", "stage": "consideration", "country": "BE"},
    ]


def test_blank_rows_are_skipped_and_counted(tmp_path: Path) -> None:
    path = write(tmp_path, b"email;nom\r\na@acme.fr;A\r\n;;\r\n\r\nb@acme.fr;B\r\n")
    table = read_recipients(path)
    assert [r.row for r in table.rows] == [2, 5]
    assert table.blank_rows == 2


def test_forced_encoding_and_delimiter(tmp_path: Path) -> None:
    # Latin text that is also valid UTF-8 by accident would be read as UTF-8; forcing wins.
    path = write(tmp_path, "email|nom\na@acme.fr|Ã©\n".encode())
    table = read_recipients(path, encoding="cp1252", delimiter="|")
    [row] = list(table.rows)
    assert row.fields["last_name"] == "ÃƒÂ©"


def test_rows_are_streamed(tmp_path: Path) -> None:
    path = write(tmp_path, b"email\n" + b"".join(b"u%d@acme.fr\n" % i for i in range(1000)))
    table = read_recipients(path)
    first = next(table.rows)
    assert first.email == "u0@acme.fr"
    assert sum(1 for _ in table.rows) == 999


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"", "the file is empty", None),
        (codecs.BOM_UTF8 + b"\r\n", "the file is empty", None),
        (b"name,company\nAnne,Acme\n", "no email column", 1),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file", None),
        (b"PK\x03\x04\x14\x00", "zip file", None),
        (b"email,nom\na@acme.fr,\x81\x8d\n", "cannot decode byte 0x81 at byte offset 20", 2),
    ],
    ids=["empty", "bom-only", "no-email-column", "binary", "xlsx", "undecodable"],
)
def test_bad_inputs_raise_located_errors(
    tmp_path: Path, data: bytes, message: str, line: int | None
) -> None:
    path = write(tmp_path, data)
    with pytest.raises(InputError) as info:
        read_recipients(path)
    assert message in info.value.message
    assert info.value.path == str(path)
    assert info.value.line == line


def test_undecodable_hint_names_the_option(tmp_path: Path) -> None:
    path = write(tmp_path, b"email\n" + b"a@acme.fr\n" * 5 + b"\x90@x.fr\n")
    with pytest.raises(InputError) as info:
        read_recipients(path)
    assert info.value.hint is not None and "--encoding" in info.value.hint
    assert "byte offset 56" in info.value.message and info.value.line == 7


def test_forced_utf8_reports_offset(tmp_path: Path) -> None:
    path = write(tmp_path, "email,nom\na@acme.fr,é\n".encode("cp1252"))
    with pytest.raises(InputError, match="0xe9 at byte offset 20 as utf-8"):
        read_recipients(path, encoding="utf-8")


def test_unknown_encoding_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, b"email\na@acme.fr\n")
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read_recipients(path, encoding="klingon")


TEXT = "email,name\r\nzoe@acme.fr,Zoé\r\n"


@pytest.mark.parametrize(
    ("data", "forced", "codec"),
    [
        pytest.param(
            codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16", "utf-16-le", id="utf-16-bom"
        ),
        pytest.param(
            codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "UTF16", "utf-16-be", id="utf-16-be-bom"
        ),
        pytest.param(TEXT.encode("utf-16-le"), "utf-16", "utf-16-le", id="utf-16-no-bom"),
        pytest.param(TEXT.encode("utf-16-le"), "utf-16-le", "utf-16-le", id="utf-16-le-no-bom"),
        pytest.param(
            codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), None, "utf-32-le", id="utf-32-auto"
        ),
        pytest.param(
            codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32", "utf-32-le", id="utf-32"
        ),
    ],
)
def test_forced_wide_encodings_read(
    tmp_path: Path, data: bytes, forced: str | None, codec: str
) -> None:
    path = write(tmp_path, data)
    kwargs = {"encoding": forced} if forced else {}
    table = read_recipients(path, **kwargs)
    assert table.encoding == codec
    assert [(r.row, r.fields["email"], r.fields["name"]) for r in table.rows] == [
        (2, "zoe@acme.fr", "Zoé")
    ]


@pytest.mark.parametrize("codec", ["hex", "base64", "rot13"])
def test_non_text_codecs_are_unknown_encodings(tmp_path: Path, codec: str) -> None:
    path = write(tmp_path, TEXT.encode())
    with pytest.raises(InputError) as info:
        read_recipients(path, encoding=codec)
    assert str(info.value) == f"{path}: unknown encoding {codec!r} — use utf-8, utf-8-sig or cp1252"


def test_codec_failing_without_a_position_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, "email\r\n\x80x@y.z\r\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"cannot decode .* as punycode"):
        read_recipients(path, encoding="punycode")


@pytest.mark.parametrize(
    ("codec", "hint"), [("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be")]
)
def test_utf16_without_bom_hint_names_the_byte_order(tmp_path: Path, codec: str, hint: str) -> None:
    path = write(tmp_path, TEXT.encode(codec))
    with pytest.raises(InputError) as info:
        read_recipients(path)
    assert str(info.value).endswith(f"pass --encoding {hint}")


def test_quote_left_open_does_not_swallow_the_rows_after_it(tmp_path: Path) -> None:
    # Regression: rows 3 and 4 became part of row 2's name, silently.
    path = write(tmp_path, b'email,name\na@x.fr,"Unclosed\nb@x.fr,Bob\nc@x.fr,Cy\n')
    with pytest.raises(InputError) as info:
        rows_of(path)
    assert str(info.value) == (
        f"{path}:2: a quoted field opened on this line is never closed, so every line after it"
        ' would be read as part of that field — close the quote (") or remove it'
    )


@pytest.mark.parametrize(
    "data",
    [
        b'email;first_name;company;sector\na@x.fr;Anne;Acme;mines\nz@x.fr;"Zed;X;mines\n',
        b'email;first_name;company;sector\na@x.fr;Anne;Acme;mines\nz@x.fr;"Zed;X;mines',
        b'email,name,sector\na@x.fr,"Anne\r\n',  # a CRLF file: the break is the line's end
    ],
    ids=["with-the-final-line-break", "without-it", "crlf"],
)
def test_quote_left_open_on_the_last_line_does_not_merge_its_cells(
    tmp_path: Path, data: bytes
) -> None:
    # Regression: the last row's first name became "Zed;X;mines", its company and sector
    # empty, silently.
    path = write(tmp_path, data)
    if data.endswith(b"\r\n"):  # no delimiter swallowed: the cell reads as it is
        assert rows_of(path) == [(2, {"email": "a@x.fr", "name": "Anne"})]
        return
    with pytest.raises(InputError) as info:
        rows_of(path)
    assert str(info.value) == (
        f"{path}:3: a quoted field opened on this line is never closed, so the rest of the"
        ' line would be read as one field — close the quote (") or remove it'
    )


def test_a_quoted_delimiter_on_the_last_line_still_reads(tmp_path: Path) -> None:
    path = write(tmp_path, b'email;company\na@x.fr;"Dupont; fils"\n')
    assert rows_of(path) == [(2, {"email": "a@x.fr", "company": "Dupont; fils"})]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            b'email,name\na@x.fr,"two\nlines"\n',
            [(2, {"email": "a@x.fr", "name": "two\nlines"})],
            id="closed-multiline-last",
        ),
        pytest.param(
            b'email,name\na@x.fr,"open',
            [(2, {"email": "a@x.fr", "name": "open"})],
            id="open-on-the-last-line-swallows-nothing",
        ),
        pytest.param(
            b'email,name\na@x.fr,Un"quoted\nb@x.fr,B\n',
            [(2, {"email": "a@x.fr", "name": 'Un"quoted'}), (3, {"email": "b@x.fr", "name": "B"})],
            id="quote-inside-a-field",
        ),
        pytest.param(
            b'email,address\na@x.fr,"12 rue de la Paix\n75002 Paris"\n',
            [(2, {"email": "a@x.fr", "address": "12 rue de la Paix\n75002 Paris"})],
            id="postal-address-over-two-lines",
        ),
        pytest.param(
            b'email,name,address\na@x.fr,Anne,"12 rue de la Paix\n75002 Paris, France"\n',
            [
                (
                    2,
                    {
                        "email": "a@x.fr",
                        "name": "Anne",
                        "address": "12 rue de la Paix\n75002 Paris, France",
                    },
                )
            ],
            id="postal-address-with-a-comma-on-its-second-line",
        ),
        pytest.param(
            b'email,name\na@x.fr,"Eve\r\nBcc: victim@evil.example"\n',
            [(2, {"email": "a@x.fr", "name": "Eve\r\nBcc: victim@evil.example"})],
            id="address-inside-multiline-text",
        ),
    ],
)
def test_quotes_that_swallow_nothing_still_read(
    tmp_path: Path, data: bytes, expected: list[tuple[int, dict[str, object]]]
) -> None:
    assert rows_of(write(tmp_path, data)) == expected


def test_a_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    # Regression: `b2bmail segment <(...)` was an io.UnsupportedOperation traceback.
    fifo = tmp_path / "list.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as info:
        read_recipients(fifo)
    assert str(info.value) == (
        f"{fifo}: not a regular file (a pipe or a device)"
        " — save the list to a file first and give its path"
    )


def test_stdin_dash_is_named_in_the_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        read_recipients("-")
    assert str(info.value) == (
        "-: cannot open the file: No such file or directory"
        " — check the path (reading from standard input is not supported)"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            b'email,"first_name\na@x.fr,Anne\nb@x.fr,Bob\n',
            "a quoted field opened on this line is never closed, so every line after it would"
            ' be read as part of that field — close the quote (") or remove it',
            id="never-closed",
        ),
        pytest.param(
            b'email,"first_name\na@x.fr,Anne\nb@x.fr,Bob"\nc@x.fr,Cy\n',
            "a quoted field opened on this line runs over 3 lines and holds what looks like"
            " another row ('a@x.fr,Anne'): the rows would be merged — close the quote (\")"
            " where the field ends, or remove it",
            id="closed-rows-later",
        ),
    ],
)
def test_quote_left_open_in_the_header_is_an_error(
    tmp_path: Path, data: bytes, message: str
) -> None:
    # Regression: the header swallowed every row; 0 rows read, exit 0.
    path = write(tmp_path, data)
    with pytest.raises(InputError) as info:
        read_recipients(path)
    assert str(info.value) == f"{path}:1: {message}"


def merged_rows_message(path: Path, line: int, lines: int, shown: str) -> str:
    return (
        f"{path}:{line}: a quoted field opened on this line runs over {lines} lines and holds"
        f" what looks like another row ({shown!r}): the rows would be merged"
        ' — close the quote (") where the field ends, or remove it'
    )


@pytest.mark.parametrize(
    ("data", "line", "lines", "shown"),
    [
        pytest.param(
            b'email,first_name\na@x.fr,"Anne\nb@x.fr,Bob\nc@x.fr,Cy\nd@x.fr,Di\ne@x.fr,Ed"\n'
            b"f@x.fr,Fi\n",
            2,
            5,
            "b@x.fr,Bob",
            id="five-rows-into-a-greeting",
        ),
        pytest.param(
            b'Nom;Courriel;Soci\xc3\xa9t\xc3\xa9\nAnne;a@x.fr;"Acme\nBob;b@x.fr;B"\n',
            2,
            2,
            "Bob;b@x.fr;B",
            id="semicolons-quote-closed-mid-row",
        ),
        pytest.param(
            b'email\n"a@x.fr\nb@x.fr"\nc@x.fr\n',
            2,
            2,
            "b@x.fr",
            id="one-column-list-of-addresses",
        ),
        pytest.param(
            b'email,note,name\na@x.fr,"two\nlines","Anne\nb@x.fr,,Bob"\n',
            3,
            2,
            "b@x.fr,,Bob",
            id="opens-on-the-record-second-line",
        ),
        pytest.param(
            b'email,name,company\na@x.fr,"Anne,Acme\nsee b@x.fr, Bob",Acme\n',
            2,
            2,
            "see b@x.fr, Bob",
            id="delimiter-and-an-address-on-a-later-line",
        ),
        pytest.param(
            b'name,company,email\nAnne,"Acme,a@x.fr\nBob,Beta,b@x.fr\nCy",Gamma,c@x.fr\n',
            2,
            3,
            "Bob,Beta,b@x.fr",
            id="a-whole-record-swallowed-email-last",
        ),
    ],
)
def test_stray_quote_merging_rows_names_the_line_it_opens_on(
    tmp_path: Path, data: bytes, line: int, lines: int, shown: str
) -> None:
    # Regression: the rows after a stray quote became one recipient's name, exit 0.
    path = write(tmp_path, data)
    with pytest.raises(InputError) as info:
        rows_of(path)
    assert str(info.value) == merged_rows_message(path, line, lines, shown)


# "Hélène" in UTF-8 on line 2, "Jérôme" in Windows-1252 on line 3. Byte offsets by hand:
# line 1 is 17 bytes, line 2 is 16 (é and è take two each), "j@x.fr,J" is 8: 0xe9 at 41.
UTF8_THEN_1252 = b"email,first_name\nh@x.fr,H\xc3\xa9l\xc3\xa8ne\nj@x.fr,J\xe9r\xf4me\n"
# The other way round: 0xe9 at 17 + 8 = 25 on line 2, UTF-8 on line 4.
CP1252_THEN_UTF8 = (
    b"email,first_name\nj@x.fr,J\xe9r\xf4me\nb@x.fr,Bob\nh@x.fr,H\xc3\xa9l\xc3\xa8ne\n"
)


@pytest.mark.parametrize(
    ("data", "bad_line", "utf8_line", "offset"),
    [
        pytest.param(UTF8_THEN_1252, 3, 2, 41, id="utf8-first"),
        pytest.param(CP1252_THEN_UTF8, 2, 4, 25, id="cp1252-first"),
    ],
)
@pytest.mark.parametrize("chunk", [1 << 20, 5], ids=["one-chunk", "5-byte-chunks"])
def test_mixed_utf8_and_windows_1252_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    data: bytes,
    bad_line: int,
    utf8_line: int,
    offset: int,
    chunk: int,
) -> None:
    # Regression: read as Windows-1252, the UTF-8 rows came out as "HÃ©lÃ¨ne", silently.
    monkeypatch.setattr(decoding, "CHUNK", chunk)
    path = write(tmp_path, data)
    with pytest.raises(InputError) as info:
        read_recipients(path)
    assert str(info.value) == (
        f"{path}:{bad_line}: the file mixes encodings: line {utf8_line} is UTF-8 but byte 0xe9"
        f" at byte offset {offset} is not, so either reading garbles some rows — save the whole"
        " list again in one encoding (Excel: 'CSV UTF-8'), or pass --encoding to choose one"
        " reading"
    )


def test_mixed_file_reads_with_a_forced_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, UTF8_THEN_1252)
    assert [f["first_name"] for _, f in rows_of(path, encoding="cp1252")] == [
        "HÃ©lÃ¨ne",
        "Jérôme",
    ]


def test_windows_1252_with_accents_next_to_symbols_is_not_mixed(tmp_path: Path) -> None:
    # "É»" is 0xc9 0xbb, a valid UTF-8 pair, but the line's other accent (0xe9 then "t") is not.
    text = "email,name\na@x.fr,«CAFÉ» Société\n"
    assert rows_of(write(tmp_path, text.encode("cp1252"))) == [
        (2, {"email": "a@x.fr", "name": "«CAFÉ» Société"})
    ]


def test_repeated_header_names_get_numbered_keys() -> None:
    assert header_keys(["x", "x", "x_2", "x", "E-mail"]) == ("x", "x_2", "x_2_2", "x_3", "email")


def test_twenty_thousand_repeated_header_names_read_in_linear_time(tmp_path: Path) -> None:
    # Regression: each repeated name counted up from `_2` again: 20,000 columns took 39 s.
    # Linear, this is well under a second; 10 s leaves room for a loaded machine.
    width = 20_000
    path = write(tmp_path, ("email" + ",x" * width + "\na@x.fr" + ",1" * width + "\n").encode())
    began = time.perf_counter()
    table = read_recipients(path)
    [row] = list(table.rows)
    assert time.perf_counter() - began < 10
    assert table.keys[1:3] == ("x", "x_2") and table.keys[-1] == f"x_{width}"
    assert row.fields[f"x_{width}"] == "1"


LIMIT = 131_072  # the csv module's default field_size_limit()


@pytest.mark.parametrize("size", [LIMIT, LIMIT + 1], ids=["at-the-limit", "one-past"])
def test_header_field_over_the_csv_limit_is_an_error(tmp_path: Path, size: int) -> None:
    # Regression: a _csv.Error traceback.
    path = write(tmp_path, b"email," + b"x" * size + b"\na@x.fr,1\n")
    if size == LIMIT:
        assert read_recipients(path).headers[1] == "x" * LIMIT
        return
    with pytest.raises(InputError) as info:
        read_recipients(path)
    assert str(info.value) == (
        f"{path}:1: a field of the record starting on this line is longer than 131072"
        " characters — a quote left open usually does this: check the quotes from this line"
        " on, or shorten the field"
    )


def test_delimiter_detection_ignores_delimiters_inside_quotes(tmp_path: Path) -> None:
    # Counted naively the header has two commas and one semicolon; outside quotes, no comma.
    path = write(tmp_path, b'"Nom, pr\xc3\xa9nom, titre";email\nAnne, A, CEO;a@x.fr\n')
    table = read_recipients(path)
    assert (table.delimiter, table.headers) == (";", ("Nom, prénom, titre", "email"))


def test_every_column_is_reachable_by_its_slug_and_stands_for_its_company(
    tmp_path: Path,
) -> None:
    text = "Courriel;Civilité;Pays;Effectif;Note interne\na@acme.fr;Mme;Belgique;250;VIP\n"
    path = write(tmp_path, text.encode("utf-8"))
    table = read_recipients(path)
    [row] = list(table.rows)
    # The canonical name has the normalised value, the header's slug the cell as typed.
    assert row.fields["civility"] == "ms" and row.fields["civilite"] == "Mme"
    assert row.fields["country"] == "BE" and row.fields["pays"] == "Belgique"
    assert row.fields["note_interne"] == "VIP"
    # No companies file: the contact's own columns stand for its company's.
    assert row.fields["company.size"] == "250" and row.fields["company.country"] == "BE"
    assert {"civilite", "pays", "company.size", "effectif"} <= table.field_names


def test_value_counts_as_value_counts_add_counts_them(tmp_path: Path) -> None:
    # The reader counts each normalised cell inline (its kind cached per distinct cell); the
    # reference is ValueCounts.add over the same cells, one by one. Fixed expectations too:
    # FR/fr (canonical), France/Décideur (rewritten), Mars/Boss (unrecognised).
    text = (
        "email;pays;role;langue\n"
        "a@acme.fr;FR;Décideur;fr\n"
        "b@acme.fr;France;Boss;\n"
        ";;;\n"
        "c@acme.fr;Mars;Décideur;fr\n"
        "d@acme.fr; Mars ;Boss;xx\n"
    )
    table = read_recipients(write(tmp_path, text.encode()))
    rows = list(table.rows)
    reference: dict[str, ValueCounts] = {}
    for line in text.splitlines()[1:]:
        for key, cell in zip(("country", "roles", "language"), line.split(";")[1:], strict=True):
            if cell.strip():
                code, recognised = normalize_cell(key, cell.strip())
                reference.setdefault(key, ValueCounts()).add(cell.strip(), code, recognised)
    assert table.values == reference
    assert list(table.values) == ["country", "roles", "language"]  # first seen, first listed
    assert table.values["country"] == ValueCounts(1, 1, 2, ["Mars"])
    assert table.values["roles"] == ValueCounts(2, 0, 2, ["Boss"])
    assert [r.row for r in rows] == [2, 3, 5, 6] and table.blank_rows == 1
    assert table.filled_names >= {"email", "country", "roles", "language"}


def test_fast_built_row_is_the_constructed_one(tmp_path: Path) -> None:
    # The reader fills each row's __dict__ without RecipientRow.__init__: the same attributes
    # and values as the constructor gives, still frozen.
    table = read_recipients(write(tmp_path, b"email;nom\na@acme.fr;A\n"))
    [row] = list(table.rows)
    built = RecipientRow(row.row, row.fields, row.email, row.check, row.cells, row.headers)
    assert row.__dict__ == built.__dict__ and row == built and repr(row) == repr(built)
    assert row.raw == {"email": "a@acme.fr", "nom": "A"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.email = "b@acme.fr"  # type: ignore[misc]


def test_a_list_is_decoded_once_to_be_read(tmp_path: Path, decode_passes: list[str]) -> None:
    # The format and the records come from one opening of the file: every byte is checked
    # (decoded in full, decoding._validate) once, not once for the format and again for the
    # records. A byte that does not decode is still refused before any row is read.
    table = read_recipients(write(tmp_path, "email;nom\na@acme.fr;Zoë\n".encode()))
    assert [r.fields["nom"] for r in table.rows] == ["Zoë"] and decode_passes == ["utf-8"]
    with pytest.raises(InputError, match=r"bad\.csv:2: cannot decode byte 0x81"):
        read_recipients(write(tmp_path, b"email;nom\na@acme.fr;Zo\xeb\x81\n", "bad.csv"))
