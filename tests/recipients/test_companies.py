"""Companies files: a quote left open must not swallow the companies after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from b2bmail.errors import InputError
from b2bmail.recipients.companies import load_companies


def test_quote_left_open_is_an_error_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "companies.csv"
    path.write_bytes(b'id,size\n"G1,800\nG2,900\n')  # G2 used to vanish into G1's id
    with pytest.raises(InputError) as info:
        load_companies(path)
    assert str(info.value) == (
        f"{path}:2: a quoted field opened on this line is never closed, so every line after it"
        ' would be read as part of that field — close the quote (") or remove it'
    )


def test_closed_multiline_field_on_the_last_line_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "companies.csv"
    path.write_bytes(b'id,note\nG1,a\nG2,"two\nlines"\n')
    index = load_companies(path)
    assert sorted(index.by_id) == ["G1", "G2"]
    assert index.by_id["G2"]["company.note"] == "two\nlines"


def test_values_stay_text(tmp_path: Path) -> None:
    # Regression: names such as these became float('inf'), nan, inf and 1234.
    path = tmp_path / "companies.csv"
    path.write_text(
        'id,nom,taille,ca\nC1,Infinity,1_234,1e400\nC2,NaN,0042,"12,5"\n', encoding="utf-8"
    )
    index = load_companies(path)
    assert {k: v for k, v in index.by_id["C1"].items() if k != "company.id"} == {
        "company.name": "Infinity",
        "company.size": "1_234",
        "company.revenue": "1e400",
    }
    assert index.by_id["C2"]["company.name"] == "NaN"
    assert index.by_id["C2"]["company.size"] == "0042"
    assert index.by_id["C2"]["company.revenue"] == "12,5"


def test_bad_url_in_the_domain_column_names_file_and_row(tmp_path: Path) -> None:
    # Regression: urlsplit's ValueError came out as a traceback.
    path = tmp_path / "companies.csv"
    path.write_text("id,domain\nC1,acme.fr\nC2,http://[bad\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_companies(path)
    assert str(info.value) == (
        f"{path}:3: the domain 'http://[bad' is not a domain or a URL (Invalid IPv6 URL)"
        " — write the domain (acme.fr) or the site's URL (https://www.acme.fr/)"
    )


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        pytest.param(
            b'id,"domain\nC1,acme.fr\n',
            1,
            "a quoted field opened on this line is never closed, so every line after it would"
            ' be read as part of that field — close the quote (") or remove it',
            id="header-never-closed",
        ),
        pytest.param(
            b'id,name\nC1,"Acme\nC2,Beta\nC3,Gamma"\nC4,Delta\n',
            2,
            "a quoted field opened on this line runs over 3 lines and holds what looks like"
            " another row ('C2,Beta'): the rows would be merged — close the quote (\") where"
            " the field ends, or remove it",
            id="stray-quote",
        ),
    ],
)
def test_companies_go_through_the_recipient_reader_checks(
    tmp_path: Path, data: bytes, line: int, message: str
) -> None:
    path = tmp_path / "companies.csv"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        load_companies(path)
    assert str(info.value) == f"{path}:{line}: {message}"


def test_a_companies_file_is_decoded_once_to_be_read(
    tmp_path: Path, decode_passes: list[str]
) -> None:
    # As a recipient list (test_reader.test_a_list_is_decoded_once_to_be_read): the format and
    # the records come from one opening, every byte checked once; a byte that does not decode
    # is still refused at its line.
    path = tmp_path / "companies.csv"
    path.write_bytes("id;nom\nC1;Zoë SA\n".encode())
    index = load_companies(path)
    assert index.by_id["C1"]["company.name"] == "Zoë SA" and decode_passes == ["utf-8"]
    path.write_bytes(b"id;nom\nC1;Zo\xeb\x81\n")
    with pytest.raises(InputError, match=r"companies\.csv:2: cannot decode byte 0x81"):
        load_companies(path)
