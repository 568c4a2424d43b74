"""The segment report's text in the reader's language (issue 18), plurals by each
language's rule: French and Dutch both say "1 row" but French "0 row" too (CLDR)."""

from __future__ import annotations

from pathlib import Path

import pytest

from b2bmail import i18n
from b2bmail.recipients.report import report_text
from b2bmail.recipients.segmenting import segment_list

SEGMENTS = (
    "segments:\n  - {id: mining, name: Mines, priority: 1, rule: {field: sector, equals: mines}}\n"
)


@pytest.mark.parametrize(
    ("language", "rows", "expected"),
    [
        ("fr", 1, "1 ligne lue (utf-8, séparateur point-virgule, colonne d'e-mail 'email')"),
        ("fr", 3, "3 lignes lues (utf-8, séparateur point-virgule, colonne d'e-mail 'email')"),
        ("nl", 1, "1 rij gelezen (utf-8, gescheiden door puntkomma, e-mailkolom 'email')"),
        ("nl", 3, "3 rijen gelezen (utf-8, gescheiden door puntkomma, e-mailkolom 'email')"),
    ],
    ids=["fr-one", "fr-many", "nl-one", "nl-many"],
)
def test_rows_read_by_the_plural_rule(
    tmp_path: Path, language: str, rows: int, expected: str
) -> None:
    recipients = tmp_path / "list.csv"
    lines = [f"a{i}@acme.fr;mines" for i in range(rows)]
    recipients.write_text("email;sector\n" + "\n".join(lines) + "\n", encoding="utf-8")
    segments = tmp_path / "segments.yaml"
    segments.write_text(SEGMENTS, encoding="utf-8")
    with i18n.using(language):
        text = report_text(segment_list(recipients, segments))
    assert text.splitlines()[0] == f"{recipients}: {expected}"


def test_duplicates_are_explained_in_french(tmp_path: Path) -> None:
    recipients = tmp_path / "list.csv"
    recipients.write_text("email;sector\na@acme.fr;mines\nA@acme.fr;mines\n", encoding="utf-8")
    segments = tmp_path / "segments.yaml"
    segments.write_text(SEGMENTS, encoding="utf-8")
    with i18n.using("fr"):
        text = report_text(segment_list(recipients, segments))
    assert "  ligne 3 : 'A@acme.fr' — même adresse qu'à la ligne 2" in text.splitlines()
    assert "  ligne 2 : 'a@acme.fr' — aucune règle de segment ne correspond" not in text
