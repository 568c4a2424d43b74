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
        f"{path}:2: a quoted field opened on this line is never closed, so every company after"
        ' it would be read as part of that field — close the quote (") or remove it'
    )


def test_closed_multiline_field_on_the_last_line_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "companies.csv"
    path.write_bytes(b'id,note\nG1,a\nG2,"two\nlines"\n')
    index = load_companies(path)
    assert sorted(index.by_id) == ["G1", "G2"]
    assert index.by_id["G2"]["company.note"] == "two\nlines"
