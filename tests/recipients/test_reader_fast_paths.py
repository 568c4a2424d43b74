"""The reader's fast paths give what the plain way gives (reference_reader.py): each row's
fields (names, order and values) and the counts of its normalised cells, read at any point."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.recipients.reference_reader import reference_rows

from b2bmail.recipients import reader
from b2bmail.recipients.reader import ValueCounts, read_recipients

HEADERS = [
    "E-mail", "Civilité", "Prénom", "Nom", "Société", "Secteur", "Rôle", "Étape", "Pays",
    "Langue", "Effectif", "Note interne", "tier", "company_id", "Courriel",
]  # fmt: skip
POOLS = {
    "Civilité": ["M.", "Mme", "", "Dr", " mme ", "Herr"],
    "Rôle": ["Décideur", "Acheteur", "Boss", "", "décideur, acheteur"],
    "Étape": ["Décision", "Réflexion", "", "later"],
    "Pays": ["France", "FR", "Belgique", "Mars", "", " Mars ", "Atlantis", "Narnia"],
    "Langue": ["fr", "nl", "", "xx", "Français", "klingon"],
}
ADDRESSES = ["a{i}@acme.fr", "A{i}@Acme.FR ", "info@acme.fr", "bad{i}@", "", "<y{i}@c.example>"]


def messy_list(seed: int, headers: list[str], rows: int) -> str:
    pick = random.Random(seed)
    lines = [";".join(headers)]
    for i in range(rows):
        cells = [
            pick.choice(ADDRESSES).format(i=i)
            if h in ("E-mail", "Courriel", "email")
            else pick.choice(POOLS.get(h, ["x", "", " y "]))
            for h in headers
        ]
        shape = pick.random()
        if shape < 0.05:
            cells = [""] * len(cells)  # a blank row
        elif shape < 0.15:
            cells = cells[: pick.randint(1, len(cells))]  # a short row
        elif shape < 0.2:
            cells += ["extra", ""]  # a long row
        lines.append(";".join(cells))
    return "\n".join(lines) + "\n"


def check_against_reference(path: Path) -> None:
    expected_values: dict[str, ValueCounts] = {}
    expected = reference_rows(path, expected_values)
    table = read_recipients(path)
    for number, row in enumerate(table.rows, start=1):
        line, fields = next(expected)
        assert (row.row, list(row.fields.items())) == (line, fields)
        if number % 37 == 0:
            # The counts read mid-list are those of the rows read so far, fields in
            # first-seen order, unrecognised examples in file order.
            assert list(table.values.items()) == list(expected_values.items())
    assert next(expected, None) is None
    assert list(table.values.items()) == list(expected_values.items())


@pytest.mark.parametrize("seed", range(4))
def test_messy_lists_read_as_the_plain_way(tmp_path: Path, seed: int) -> None:
    headers = random.Random(seed).sample(HEADERS, k=4 + seed * 3)
    if "E-mail" not in headers:
        headers.insert(seed % len(headers), "E-mail")
    path = tmp_path / "list.csv"
    path.write_text(messy_list(seed, headers, 300), encoding="utf-8")
    check_against_reference(path)


def test_lists_of_one_column_and_of_only_normalised_columns(tmp_path: Path) -> None:
    for headers in (["email"], ["email", "Pays"], ["Rôle", "Pays", "E-mail", "Langue"]):
        path = tmp_path / "list.csv"
        path.write_text(messy_list(7, headers, 100), encoding="utf-8")
        check_against_reference(path)


def test_a_list_too_wide_for_a_generated_function(tmp_path: Path) -> None:
    # Past _GENERATED_FIELDS fields a row's dict is made by dict(zip()): the same fields.
    headers = ["E-mail", "Pays", *(f"Colonne {n}" for n in range(reader._GENERATED_FIELDS))]
    path = tmp_path / "list.csv"
    path.write_text(messy_list(3, headers, 40), encoding="utf-8")
    check_against_reference(path)


def test_combinations_past_the_limit_are_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The kept combinations are flushed into the counts before they are dropped.
    monkeypatch.setattr(reader, "_COMBINATIONS", 3)
    path = tmp_path / "list.csv"
    path.write_text(messy_list(5, ["E-mail", "Civilité", "Pays", "Langue"], 200), encoding="utf-8")
    check_against_reference(path)


def test_counts_read_once_at_the_end_are_the_plain_ones(tmp_path: Path) -> None:
    # Fixed expectations (independent of both readers): Mars twice unrecognised, France
    # rewritten, FR unchanged; the empty cell not counted.
    path = tmp_path / "list.csv"
    path.write_text("email;pays\na@x.fr;Mars\nb@x.fr;France\nc@x.fr;\nd@x.fr;FR\ne@x.fr;Mars\n")
    table = read_recipients(path)
    assert len(list(table.rows)) == 5
    assert table.values == {"country": ValueCounts(1, 1, 2, ["Mars"])}


CELLS = st.sampled_from(["", " ", "Mme", "Mars", "FR", "Décideur", "fr", "x", "a@b.fr", "b@c"])


@settings(max_examples=60, deadline=None)
@given(
    headers=st.lists(st.sampled_from(HEADERS[1:]), min_size=0, max_size=6, unique=True),
    at=st.integers(min_value=0, max_value=6),
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=9), min_size=1, max_size=12),
)
def test_any_rows_read_as_the_plain_way(
    tmp_path_factory: pytest.TempPathFactory, headers: list[str], at: int, rows: list[list[str]]
) -> None:
    headers.insert(min(at, len(headers)), "E-mail")
    path = tmp_path_factory.mktemp("lists") / "list.csv"
    path.write_text("\n".join(";".join(r) for r in [headers, *rows]) + "\n", encoding="utf-8")
    check_against_reference(path)
