"""Every row lands in exactly one bucket; suppressions, duplicates, companies."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2bmail.errors import ConfigError, InputError
from b2bmail.recipients import (
    RESERVED,
    bucket_recipients,
    load_companies,
    load_suppressions,
    read_recipients,
)
from b2bmail.recipients.buckets import Assign, Hit, RowOutcome
from b2bmail.recipients.reader import RecipientRow
from b2bmail.recipients.segmenting import segment_assigner
from b2bmail.segments import load_segments


def by_sector(fields: Mapping[str, object]) -> tuple[str, str] | None:
    sector = fields.get("sector")
    if sector == "mines":
        return ("mining", "Mines")
    if sector == "btp":
        return ("construction", "BTP")
    return None


SEGMENTS = {"mining": "Mines", "construction": "BTP"}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_buckets_whole_report(tmp_path: Path) -> None:
    recipients = write(
        tmp_path,
        "list.csv",
        "email,secteur\n"
        "a@acme.fr,mines\n"
        " A@ACME.FR ,btp\n"
        "b@acme.fr,btp\n"
        "nope,mines\n"
        "c@optout.fr,mines\n"
        "d@acme.fr,\n"
        "a+x@acme.fr,mines\n"
        "e@sub.blocked.fr,btp\n",
    )
    sup = write(tmp_path, "sup.txt", "# opt-outs\nc@optout.fr\n\n@blocked.fr\n")
    report = bucket_recipients(
        read_recipients(recipients),
        by_sector,
        SEGMENTS,
        suppressions=load_suppressions([sup]),
    )
    assert report.rows_read == 8
    assert dict(report.buckets) == {
        "mining": 2,
        "construction": 1,
        "unassigned": 1,
        "invalid": 1,
        "duplicate": 1,
        "suppressed": 2,
    }
    assert [(o.row, o.email, o.bucket, o.reason, o.duplicate_of) for o in report.rows] == [
        (2, "a@acme.fr", "mining", "Mines", None),
        (3, "A@acme.fr", "duplicate", "same address as row 2", 2),
        (4, "b@acme.fr", "construction", "BTP", None),
        (5, "nope", "invalid", "An email address must have an @-sign.", None),
        (6, "c@optout.fr", "suppressed", "address listed in sup.txt:2", None),
        (7, "d@acme.fr", "unassigned", "no segment rule matched", None),
        (8, "a+x@acme.fr", "mining", "Mines", None),
        (9, "e@sub.blocked.fr", "suppressed", "domain blocked.fr listed in sup.txt:4", None),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [("not an address", "neither an address nor a domain"), ("a@@b.fr", "not a valid address")],
    ids=["garbage", "bad-address"],
)
def test_bad_suppression_line(tmp_path: Path, line: str, message: str) -> None:
    sup = write(tmp_path, "sup.txt", f"ok@acme.fr\n{line}\n")
    with pytest.raises(InputError, match=message) as info:
        load_suppressions([sup])
    assert info.value.line == 2


def test_suppression_csv_export_with_header(tmp_path: Path) -> None:
    sup = write(tmp_path, "sup.csv", "Email;date\nX@Acme.fr;2024-01-01\nbare.example.org;\n")
    result = load_suppressions([sup])
    assert dict(result.addresses) == {"x@acme.fr": "sup.csv:2"}
    assert dict(result.domains) == {"bare.example.org": "sup.csv:3"}


def test_suppression_written_by_b2bmail_reads_back(tmp_path: Path) -> None:
    # Every CSV b2bmail writes neutralises a cell that starts like a formula (OWASP), so the
    # suppression export writes `-bob@acme.fr` as `'-bob@acme.fr`; it must read back as written.
    from b2bmail.output import csv_writer

    path = tmp_path / "optout.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv_writer(fh)
        writer.writerow(["email"])
        writer.writerow(["-bob@acme.fr"])
        writer.writerow(["+ann@acme.fr"])
    assert path.read_text(encoding="utf-8").splitlines()[1:] == ["'-bob@acme.fr", "'+ann@acme.fr"]
    result = load_suppressions([path])
    assert dict(result.addresses) == {
        "-bob@acme.fr": "optout.csv:2",
        "+ann@acme.fr": "optout.csv:3",
    }


def test_reserved_segment_id_rejected(tmp_path: Path) -> None:
    recipients = write(tmp_path, "list.csv", "email\na@acme.fr\n")
    with pytest.raises(ConfigError, match="'invalid' is a reserved bucket name"):
        bucket_recipients(read_recipients(recipients), by_sector, {"invalid": "x"})


def test_companies_join_on_id_then_domain(tmp_path: Path) -> None:
    recipients = write(
        tmp_path,
        "list.csv",
        "email,company_id,secteur\n"
        "a@x.fr,C1,\n"  # joined on id: sector inherited
        "b@acme.fr,,btp\n"  # joined on domain: own sector wins
        "c@fr.acme.fr,,\n"  # parent domain
        "d@gmail.com,,\n"  # free mail never joins on domain
        "e@other.fr,C9,\n",  # unknown id, unknown domain
    )
    companies = write(
        tmp_path,
        "companies.csv",
        "id;Nom;Domaine;Secteur;Taille;Pays;CA\n"
        "C1;Mines du Nord;https://www.mdn.fr/;mines;1200;France;12,5\n"
        "C2;Acme;acme.fr;industrie;0042;BE;\n"
        "C3;Gmail;gmail.com;web;1;US;\n",
    )
    index = load_companies(companies)
    table = read_recipients(recipients)
    joined = [dict(index.join(r.fields, r.check)) for r in table.rows]
    assert joined[0] == {
        "email": "a@x.fr",
        "company_id": "C1",
        "company": "Mines du Nord",
        "sector": "mines",
        "size": "1200",
        "country": "FR",
        "company.id": "C1",
        "company.name": "Mines du Nord",
        "company.domain": "mdn.fr",
        "company.sector": "mines",
        "company.size": "1200",
        "company.country": "FR",
        "company.revenue": "12,5",  # text as written; rules compare it as 12.5 (segments)
    }
    assert joined[1]["sector"] == "btp" and joined[1]["company.sector"] == "industrie"
    assert joined[1]["company.size"] == "0042"  # a code: its leading zero kept
    assert joined[2]["company.name"] == "Acme"
    assert "company.name" not in joined[3]
    assert "company.name" not in joined[4]


def test_companies_file_needs_a_key_column(tmp_path: Path) -> None:
    companies = write(tmp_path, "companies.csv", "nom,secteur\nAcme,btp\n")
    with pytest.raises(ConfigError, match="neither an id nor a domain column"):
        load_companies(companies)


ADDRESSES = st.sampled_from(
    [
        "a@acme.fr",
        "A@ACME.FR",
        " a@acme.fr",
        "b@acme.fr",
        "c@x.fr",
        "bad",
        "",
        "d@blocked.fr",
        "e+1@acme.fr",
        "f@société.fr",
        "f@xn--socit-esab.fr",
        "g@h",
        "x@optout.fr",
    ]
)
SECTORS = st.sampled_from(["mines", "btp", "", "autre", "Mines"])
# Any text but NUL: a NUL byte makes the file binary, which is refused before any row.
CELL = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00"),
    max_size=8,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(ADDRESSES, SECTORS, CELL), max_size=30))
def test_every_row_lands_in_exactly_one_bucket(
    tmp_path: Path, rows: list[tuple[str, str, str]]
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Courriel", "Secteur", "Note"])
    writer.writerows(rows)
    path = tmp_path / "random.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    sup = write(tmp_path, "sup.txt", "x@optout.fr\nblocked.fr\n")
    report = bucket_recipients(
        read_recipients(path), by_sector, SEGMENTS, suppressions=load_suppressions([sup])
    )
    non_blank = [r for r in rows if any(cell.strip() for cell in r)]
    assert report.rows_read == len(non_blank) == len(report.rows)
    assert sum(report.buckets.values()) == report.rows_read
    assert set(report.buckets) == {*SEGMENTS, *RESERVED}
    assert len({o.row for o in report.rows}) == report.rows_read
    kept: dict[str, int] = {}
    for outcome in report.rows:
        if outcome.bucket == "duplicate":
            assert outcome.duplicate_of in kept.values()
        elif outcome.bucket in SEGMENTS or outcome.bucket == "unassigned":
            key = outcome.email.casefold()
            assert key not in kept
            kept[key] = outcome.row


def test_row_outcome_stays_a_frozen_value() -> None:
    # Built by its own __init__ (one dict update, not six object.__setattr__ calls): the same
    # frozen dataclass value, defaults included.
    outcome = RowOutcome(3, "a@acme.fr", "mining", "Mines")
    assert outcome == RowOutcome(3, "a@acme.fr", "mining", "Mines", None, ())
    assert outcome != RowOutcome(3, "a@acme.fr", "mining", "Mines", 2)
    assert hash(outcome) == hash(RowOutcome(3, "a@acme.fr", "mining", "Mines"))
    assert dataclasses.replace(outcome, bucket="duplicate").bucket == "duplicate"
    assert repr(outcome) == (
        "RowOutcome(row=3, email='a@acme.fr', bucket='mining', reason='Mines',"
        " duplicate_of=None, notes=())"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.bucket = "x"  # type: ignore[misc]


def test_each_row_gets_its_answer_reason_when_answers_repeat(tmp_path: Path) -> None:
    # route_rows makes each distinct answer's bucket and reason once: rows repeating an
    # answer (notes included) must still each get exactly their own.
    path = tmp_path / "list.csv"
    path.write_text(
        "email,sector\na@x.fr,mines\nb@x.fr,bois\nc@x.fr,mines\nd@x.fr,bois\ne@x.fr,btp\n",
        encoding="utf-8",
    )

    def assign(fields: Mapping[str, object]) -> Hit:
        sector = fields.get("sector")
        if sector == "mines":
            return ("mining", "Mines")
        if sector == "bois":
            return ("unassigned", "no segment rule matched", ("size 'x' is not a number",))
        return None

    report = bucket_recipients(read_recipients(path), assign, {"mining": "Mines"})
    assert [(o.bucket, o.reason, o.notes) for o in report.rows] == [
        ("mining", "Mines", ()),
        (
            "unassigned",
            "no segment rule matched; size 'x' is not a number",
            ("size 'x' is not a number",),
        ),
        ("mining", "Mines", ()),
        (
            "unassigned",
            "no segment rule matched; size 'x' is not a number",
            ("size 'x' is not a number",),
        ),
        ("unassigned", "no segment rule matched", ()),
    ]


def with_notes(fields: Mapping[str, object]) -> Hit:
    # A segment hit with notes (a rule's value it could not read), or none with notes.
    if fields.get("sector") == "mines":
        return ("mining", "Mines", ("size '12x' is not a number",))
    if fields.get("sector") == "btp":
        return ("unassigned", "no segment rule matched", ("size '?' is not a number",))
    return by_sector(fields)


def test_fast_built_outcome_is_the_constructed_one(tmp_path: Path) -> None:
    # route_rows makes a segment row's outcome as a copy of its answer's fields, without
    # RowOutcome.__init__: the same attributes and values as the constructor gives, still
    # frozen; for every kind of answer (a segment, none, either with notes), each answer's
    # fields shared by its rows but never by their outcomes.
    path = tmp_path / "list.csv"
    path.write_text(
        "email,sector\na@x.fr,mines\nb@x.fr,btp\nc@x.fr,other\nd@x.fr,mines\ne@x.fr,\n",
        encoding="utf-8",
    )
    rows = bucket_recipients(read_recipients(path), with_notes, {"mining": "Mines"}).rows
    note, unread = "size '12x' is not a number", "size '?' is not a number"
    expected = [
        RowOutcome(2, "a@x.fr", "mining", f"Mines; {note}", None, (note,)),
        RowOutcome(
            3, "b@x.fr", "unassigned", f"no segment rule matched; {unread}", None, (unread,)
        ),
        RowOutcome(4, "c@x.fr", "unassigned", "no segment rule matched"),
        RowOutcome(5, "d@x.fr", "mining", f"Mines; {note}", None, (note,)),
        RowOutcome(6, "e@x.fr", "unassigned", "no segment rule matched"),
    ]
    assert [o.__dict__ for o in rows] == [b.__dict__ for b in expected]
    assert list(rows) == expected and list(map(hash, rows)) == list(map(hash, expected))
    assert rows[0].__dict__ is not rows[3].__dict__
    [outcome] = bucket_recipients(read_recipients(path), by_sector, {"mining": "Mines"}).rows[:1]
    built = RowOutcome(2, "a@x.fr", "mining", "Mines")
    assert outcome.__dict__ == built.__dict__ and outcome == built and hash(outcome) == hash(built)
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.bucket = "x"  # type: ignore[misc]


ONE_FIELD = """\
segments:
  - {id: mining, name: Mines, priority: 20, rule: {field: sector, contains: mine}}
  - {id: building, name: BTP, priority: 10, rule: {field: sector, equals: btp}}
"""
TWO_FIELDS = """\
segments:
  - {id: mines, name: Mines, priority: 10, rule: {field: sector, equals: mines}}
  - id: big-mines
    priority: 20
    name: Big mines
    rule:
      all: [{field: sector, equals: mines}, {field: company.size, gte: 50}]
"""
KEYED_LIST = (
    "email,sector,company.size\n"
    "a@x.fr,mines,120\nb@x.fr,mines,12\nc@x.fr,,120\nd@x.fr,btp,\ne@x.fr,mines,120\n"
    "f@x.fr,,\ng@x.fr,mines,12\nh@x.fr,btp,7\ni@x.fr,bois,x\nj@x.fr,,120\n"
)


def counted(assign: Assign, calls: list[Mapping[str, object]]) -> Assign:
    # `assign`, its fields recorded per call; keyed as it is (its `reads`) when it is.
    def asked(fields: Mapping[str, object]) -> Hit:
        calls.append(fields)
        return assign(fields)

    if hasattr(assign, "reads"):
        asked.reads = assign.reads  # type: ignore[attr-defined]
    return asked


@pytest.mark.parametrize(
    ("rules", "combinations"),
    [
        (ONE_FIELD, 4),  # mines, none (two empty cells), btp, bois
        (TWO_FIELDS, 7),  # (sector, company.size): the three repeated pairs asked once
    ],
)
def test_keyed_assigner_is_asked_once_per_combination(
    tmp_path: Path, rules: str, combinations: int
) -> None:
    # route_rows keeps a keyed assigner's answer per combination of the fields it reads
    # (an empty cell's field absent: None) and asks it once per combination, not per row:
    # the same outcomes, in the same order, as asking a plain assigner for every row.
    path = write(tmp_path, "list.csv", KEYED_LIST)
    segments = load_segments(write(tmp_path, "segments.yaml", rules))
    names = {s.id: s.name for s in segments}
    keyed_calls: list[Mapping[str, object]] = []
    plain_calls: list[Mapping[str, object]] = []
    keyed = counted(segment_assigner(segments), keyed_calls)
    plain = counted(segment_assigner(segments), plain_calls)
    del plain.reads  # type: ignore[attr-defined]
    expected = bucket_recipients(read_recipients(path), plain, names)
    report = bucket_recipients(read_recipients(path), keyed, names)
    assert report.rows == expected.rows and report.buckets == expected.buckets
    assert (len(keyed_calls), len(plain_calls)) == (combinations, 10)


def test_keyed_assigner_with_an_unhashable_value_is_asked_every_time(tmp_path: Path) -> None:
    # A nested mapping under a field the rules read cannot be a key: each such row is asked.
    path = write(tmp_path, "list.csv", KEYED_LIST)
    segments = load_segments(write(tmp_path, "segments.yaml", TWO_FIELDS))
    calls: list[Mapping[str, object]] = []
    table = read_recipients(path)
    rows = table.rows
    table.rows = (
        RecipientRow(r.row, {**r.fields, "company": {"size": "120"}}, r.email, r.check)
        for r in rows
    )
    report = bucket_recipients(table, counted(segment_assigner(segments), calls), {})
    assert len(calls) == 10
    # The flat `company.size` field is the one the rule reads (segments.rule_matches).
    assert [o.bucket for o in report.rows] == [
        *("big-mines", "mines", "unassigned", "unassigned", "big-mines"),
        *("unassigned", "mines", "unassigned", "unassigned", "unassigned"),
    ]
