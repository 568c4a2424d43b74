"""Put every row of a recipient list in exactly one bucket.

Precedence, first match wins: `invalid` (no or bad address) > `suppressed` (address or domain
on a suppression list) > `duplicate` (same address as an earlier kept row) > the first segment
whose rule matches > `unassigned`. So the counts always add up to the rows read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from b2bmail.errors import ConfigError, InputError
from b2bmail.i18n import N_, _
from b2bmail.output import csv_unsafe
from b2bmail.recipients.addresses import AddressCheck, address_key, classify_address, domain_in
from b2bmail.recipients.companies import CompanyIndex
from b2bmail.recipients.decoding import open_text
from b2bmail.recipients.fields import CANONICAL_BY_SLUG, slugify
from b2bmail.recipients.needs import FieldUse, check_filled, check_given
from b2bmail.recipients.reader import RecipientRow, RecipientTable, ValueCounts

UNASSIGNED = "unassigned"
INVALID = "invalid"
DUPLICATE = "duplicate"
SUPPRESSED = "suppressed"
RESERVED = (UNASSIGNED, INVALID, DUPLICATE, SUPPRESSED)

# Given a contact's fields, the (id, name) of its segment, or None; optionally with a third
# member, notes on values its rules could not read (segments.rule_matches), kept on the row.
Hit = tuple[str, str] | tuple[str, str, tuple[str, ...]] | None
Assign = Callable[[Mapping[str, object]], Hit]
NO_MATCH = N_("no segment rule matched")  # translated where a row gets it
_new_object = object.__new__


@dataclass(frozen=True)
class Suppressions:
    """Suppressed addresses (by duplicate key) and domains (ASCII), each with where it was listed."""

    addresses: Mapping[str, str]
    domains: Mapping[str, str]

    def match(self, check: AddressCheck) -> str | None:
        """Why this address is suppressed, or None."""
        where = self.addresses.get(check.key)
        if where is not None:
            return _("address listed in {where}").format(where=where)
        labels = check.ascii_domain.split(".")
        for i in range(len(labels) - 1):
            suffix = ".".join(labels[i:])
            if suffix in self.domains:
                return _("domain {domain} listed in {where}").format(
                    domain=suffix, where=self.domains[suffix]
                )
        return None


def _domain_entry(text: str) -> str | None:
    candidate = text.lstrip("*").lstrip("@").strip().rstrip(".").lower()
    if "." not in candidate or "@" in candidate or " " in candidate:
        return None
    check = classify_address(f"postmaster@{candidate}")
    return check.ascii_domain if check.valid else None


def load_suppressions(paths: Iterable[str | Path]) -> Suppressions:
    """Read suppression files: one address, `@domain` or bare domain per line; `#` comments.

    A CSV export works too: the first cell of each line is used and a header line is skipped.
    """
    addresses: dict[str, str] = {}
    domains: dict[str, str] = {}
    for path in paths:
        source = Path(path)
        with open_text(source, None, None) as (fmt, text):
            for number, line in enumerate(text, start=1):
                cell = csv_unsafe(line.split(fmt.delimiter, 1)[0].strip().strip('"').strip())
                if not cell or cell.startswith("#"):
                    continue
                where = f"{source.name}:{number}"
                if "@" in cell.lstrip("*").lstrip("@"):
                    check = classify_address(cell)
                    if not check.valid:
                        raise InputError(
                            _("{cell} is not a valid address: {reason}").format(
                                cell=repr(cell), reason=check.reason
                            ),
                            path=source,
                            line=number,
                            hint=_("fix or remove the line (domains are written @example.com)"),
                        )
                    addresses.setdefault(check.key, where)
                    continue
                domain = _domain_entry(cell)
                if domain is not None:
                    domains.setdefault(domain, where)
                elif number == 1 and CANONICAL_BY_SLUG.get(slugify(cell)) == "email":
                    continue  # a CSV header
                else:
                    raise InputError(
                        _("{cell} is neither an address nor a domain").format(cell=repr(cell)),
                        path=source,
                        line=number,
                        hint=_("write one address, @domain or domain per line"),
                    )
    return Suppressions(addresses, domains)


@dataclass(frozen=True, init=False)
class RowOutcome:
    """Where one row went. `duplicate_of` is the row it repeats (for `duplicate`)."""

    row: int
    email: str
    bucket: str
    reason: str
    duplicate_of: int | None = None
    notes: tuple[str, ...] = ()  # values the segment rules could not read (also in reason)

    def __init__(
        self,
        row: int,
        email: str,
        bucket: str,
        reason: str,
        duplicate_of: int | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        # One per row routed: filled at once rather than field by field through
        # object.__setattr__ (see addresses.AddressCheck); still frozen afterwards.
        self.__dict__.update(
            row=row,
            email=email,
            bucket=bucket,
            reason=reason,
            duplicate_of=duplicate_of,
            notes=notes,
        )


@dataclass(frozen=True)
class SegmentReport:
    """Every row's bucket, the counts per bucket (segments first, in priority order)."""

    path: Path
    encoding: str
    delimiter: str
    has_bom: bool
    email_column: str
    rows_read: int
    blank_rows: int
    buckets: Mapping[str, int]
    segment_names: Mapping[str, str]
    rows: tuple[RowOutcome, ...]
    # Normalised fields and how their cells fared (reader.ValueCounts), and the locale
    # numbers were read in (set by segmenting.segment_list).
    values: Mapping[str, ValueCounts] = field(default_factory=dict)
    locale: str = ""

    @property
    def unread_numbers(self) -> tuple[RowOutcome, ...]:
        """Rows with a value a numeric segment rule could not read."""
        return tuple(o for o in self.rows if o.notes)

    @property
    def invalid(self) -> int:
        return self.buckets.get(INVALID, 0)


def check_segment_ids(segment_ids: Sequence[str], path: str | Path | None = None) -> None:
    for seg_id in segment_ids:
        if seg_id in RESERVED:
            raise ConfigError(
                _("segment id {id} is a reserved bucket name").format(id=repr(seg_id)),
                path=path,
                hint=_("rename the segment (reserved: {names})").format(names=", ".join(RESERVED)),
            )


def route_rows(
    table: RecipientTable,
    assign: Assign,
    *,
    companies: CompanyIndex | None = None,
    suppressions: Suppressions | None = None,
    uses: Sequence[FieldUse] = (),
) -> Iterator[tuple[RecipientRow, Mapping[str, object], RowOutcome]]:
    """Stream (row, fields with company fields joined, outcome) for every row of `table`.

    The one place a list meets the segment rules: the fields they read (`uses`,
    segmenting.rule_uses) are checked against the list's header once its first row has
    read well, and against its column summary once every row is read (recipients.needs).
    """
    seen: dict[str, int] = {}
    answers: dict[Hit, dict[str, object]] = {}

    def answered(fields: Mapping[str, object]) -> dict[str, object]:
        # The outcome's fields for the rules' answer: the few distinct answers (the
        # assigner's own are cached per combination of the fields they read) each get
        # theirs made once (_answer: bucket, reason, notes, duplicate_of None).
        hit = assign(fields)
        routed = answers.get(hit)
        if routed is None:
            if len(answers) >= _KEPT:
                answers.clear()
            routed = answers[hit] = _answer(hit)
        return routed

    # An assigner whose answer depends only on the values of the fields it names (`reads`,
    # segmenting.segment_assigner) is asked once per combination of them: a row's outcome
    # is then one lookup of that combination, without calling it (the same answer, which
    # it caches by the same values). The combination of one field (rules on a sector, say)
    # is its value alone: a tuple made and hashed per row costs more than the rest of the
    # lookup. Another assigner is asked for every row. test_buckets.test_keyed_assigner_*
    # pins both to the same outcomes.
    reads: tuple[str, ...] | None = getattr(assign, "reads", None)
    several = reads is not None and len(reads) != 1
    by_reads: dict[object, dict[str, object]] = {}
    read: object
    routed: dict[str, object] | None
    joined = companies.field_names if companies is not None else frozenset()
    rows = 0
    if suppressions is not None and not (suppressions.addresses or suppressions.domains):
        suppressions = None  # nothing listed: no row is looked up
    for rec in table.rows:
        if not rows and uses:
            # After the first row, not before: a list that cannot be read says so first.
            check_given(uses, table.field_names | joined, table.path)
        rows += 1
        check = rec.check
        email = check.normalized if check.valid else rec.email.strip()
        fields = rec.fields
        if not check.valid:
            yield rec, fields, RowOutcome(rec.row, email, INVALID, check.reason)
            continue
        why = suppressions.match(check) if suppressions is not None else None
        if why is not None:
            yield rec, fields, RowOutcome(rec.row, email, SUPPRESSED, why)
            continue
        first = seen.setdefault(check.key, rec.row)
        if first != rec.row:
            yield (
                rec,
                fields,
                RowOutcome(
                    rec.row,
                    email,
                    DUPLICATE,
                    _("same address as row {row}").format(row=first),
                    first,
                ),
            )
            continue
        if companies is not None:
            fields = companies.join(fields, check)
        if reads is None:
            routed = answered(fields)
        else:
            read = tuple(map(fields.get, reads)) if several else fields.get(reads[0])
            try:
                routed = by_reads.get(read)
            except TypeError:  # an unhashable value (a nested mapping): not kept
                read, routed = _UNHASHABLE, None
            if routed is None:
                routed = answered(fields)
                if read is not _UNHASHABLE:
                    if len(by_reads) >= _KEPT:
                        by_reads.clear()
                    by_reads[read] = routed
        # RowOutcome(rec.row, email, bucket, reason, None, notes) without its __init__ frame
        # (one per row): the answer's prototype copied into its __dict__ and the row's own two
        # fields stored, which gives an equal object
        # (test_buckets.test_fast_built_outcome_is_the_constructed_one).
        outcome = _new_object(RowOutcome)
        own = outcome.__dict__
        own.update(routed)
        own["row"] = rec.row
        own["email"] = email
        yield rec, fields, outcome
    if rows and uses:
        check_filled(uses, table.filled_names | joined, table.path)


# Distinct answers, and combinations of the fields an assigner reads, kept by route_rows.
_KEPT = 4096
_UNHASHABLE = object()  # a combination that cannot be a key


def _answer(hit: Hit) -> dict[str, object]:
    """The fields of the outcome of a row the segment rules answered `hit` for, in
    RowOutcome's order: bucket, reason, notes and duplicate_of (None) set, row and email None."""
    full = hit or (UNASSIGNED, _(NO_MATCH))
    notes = full[2] if len(full) == 3 else ()
    return {
        "row": None,
        "email": None,
        "bucket": full[0],
        "reason": "; ".join((full[1], *notes)),
        "duplicate_of": None,
        "notes": notes,
    }


def bucket_recipients(
    table: RecipientTable,
    assign: Assign,
    segments: Mapping[str, str],
    *,
    companies: CompanyIndex | None = None,
    suppressions: Suppressions | None = None,
    uses: Sequence[FieldUse] = (),
) -> SegmentReport:
    """Route every row; `segments` maps segment id -> name, in priority order; `uses`: the
    fields the rules read (route_rows)."""
    check_segment_ids(list(segments))
    counts = dict.fromkeys([*segments, *RESERVED], 0)
    outcomes = []
    for _rec, _fields, outcome in route_rows(
        table, assign, companies=companies, suppressions=suppressions, uses=uses
    ):
        counts[outcome.bucket] = counts.get(outcome.bucket, 0) + 1
        outcomes.append(outcome)
    return SegmentReport(
        path=table.path,
        encoding=table.encoding,
        delimiter=table.delimiter,
        has_bom=table.has_bom,
        email_column=table.email_column,
        rows_read=len(outcomes),
        blank_rows=table.blank_rows,
        buckets=counts,
        segment_names=dict(segments),
        rows=tuple(outcomes),
        values=dict(table.values),
    )


__all__ = [
    "RESERVED",
    "RowOutcome",
    "SegmentReport",
    "Suppressions",
    "address_key",
    "bucket_recipients",
    "domain_in",
    "load_suppressions",
    "route_rows",
]
