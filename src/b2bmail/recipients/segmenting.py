"""The `segment` job: a recipient list, segment rules, companies and suppressions -> buckets."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from babel import Locale, UnknownLocaleError

from b2bmail.errors import InputError
from b2bmail.i18n import _
from b2bmail.output import CsvLayout, csv_writer, spreadsheet_layout
from b2bmail.recipients.buckets import (
    NO_MATCH,
    UNASSIGNED,
    Assign,
    Hit,
    SegmentReport,
    bucket_recipients,
    check_segment_ids,
    load_suppressions,
)
from b2bmail.recipients.companies import load_companies
from b2bmail.recipients.decoding import TextFormat
from b2bmail.recipients.needs import FieldUse
from b2bmail.recipients.reader import iter_records, read_header, read_recipients
from b2bmail.segments import (
    DEFAULT_NUMBER_LOCALE,
    Condition,
    NotRule,
    Segment,
    SegmentRule,
    assign_segment,
    load_segments,
)

OUTPUT_COLUMNS = ("bucket", "reason", "duplicate_of")


def _conditions(rule: SegmentRule) -> Iterator[Condition]:
    if isinstance(rule, Condition):
        yield rule
    elif isinstance(rule, NotRule):
        yield from _conditions(rule.rule)
    else:
        for child in rule.rules:
            yield from _conditions(child)


def rule_fields(rule: SegmentRule) -> set[str]:
    """The field paths a rule reads."""
    return {cond.field for cond in _conditions(rule)}


def rule_uses(segments: Iterable[Segment]) -> tuple[FieldUse, ...]:
    """Each field the segment rules read, once, at the first line that names it: what
    route_rows checks against a list (recipients.needs)."""
    uses: dict[str, FieldUse] = {}
    for segment in segments:
        for cond in _conditions(segment.rule):
            uses.setdefault(cond.field, FieldUse(cond.field, segment.path, cond.line, rule=True))
    return tuple(sorted(uses.values(), key=lambda u: (u.line or 0, u.name)))


CACHE_LIMIT = 65_536


def segment_assigner(segments: Sequence[Segment], locale: str = DEFAULT_NUMBER_LOCALE) -> Assign:
    """An `Assign` over `segments` (already sorted by priority), reading numbers in `locale`
    (the list's: the campaign's, or `segment --locale`).

    A segment depends only on the fields its rules read, and a B2B list repeats the same few
    sector/role/stage combinations, so the answer is cached per combination: segment work
    stays per segment, not per recipient. Values a numeric rule could not read come back as
    a third member, so the row reports them (never a silent no-match)."""
    check_segment_ids([s.id for s in segments])
    paths = sorted(set().union(*(rule_fields(s.rule) for s in segments)))
    heads = sorted({p.partition(".")[0] for p in paths if "." in p})
    read = (*paths, *heads)  # the key: each path's value, then each head's
    cache: dict[tuple[object, ...], Hit] = {}

    def decide(fields: Mapping[str, object]) -> Hit:
        notes: list[str] = []
        hit = assign_segment(segments, fields, locale=locale, notes=notes)
        if notes:
            return (
                (hit.id, hit.name, tuple(notes)) if hit else (UNASSIGNED, _(NO_MATCH), tuple(notes))
            )
        return None if hit is None else (hit.id, hit.name)

    def assign(fields: Mapping[str, object]) -> Hit:
        key = tuple(map(fields.get, read))
        try:
            return cache[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value (a nested mapping): no caching
            return decide(fields)
        result = decide(fields)
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[key] = result
        return result

    # Its answer depends only on these fields' values (the cache's key): route_rows keeps
    # each combination's outcome and asks once per combination, not once per row.
    assign.reads = read  # type: ignore[attr-defined]
    return assign


def segment_list(
    recipients: str | Path,
    segments_path: str | Path,
    *,
    companies: str | Path | None = None,
    suppress: Iterable[str | Path] = (),
    encoding: str | None = None,
    delimiter: str | None = None,
    locale: str = DEFAULT_NUMBER_LOCALE,
) -> SegmentReport:
    """Read everything, route every row, return the report (InputError/ConfigError -> exit 2).
    Numbers in the list are read in `locale` (a Babel locale such as fr_FR)."""
    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        raise InputError(
            _("unknown locale {locale}").format(locale=repr(locale)),
            hint=_("use a code like fr_FR, nl_BE or en_GB"),
        ) from None
    segments = load_segments(segments_path)
    check_segment_ids([s.id for s in segments], segments_path)
    assign = segment_assigner(segments, locale)
    suppressions = load_suppressions(suppress)
    index = load_companies(companies) if companies is not None else None
    table = read_recipients(recipients, encoding=encoding, delimiter=delimiter)
    report = bucket_recipients(
        table,
        assign,
        {s.id: s.name for s in segments},
        companies=index,
        suppressions=suppressions,
        uses=rule_uses(segments),
    )
    return replace(report, locale=locale)


def segment_csv_chunks(report: SegmentReport, locale: str | None = None) -> Iterator[bytes]:
    """The input file again, row by row, plus bucket/reason/duplicate_of columns, laid out by
    output.spreadsheet_layout: for a reader whose `locale` writes decimals with a comma, UTF-8
    with a BOM and `;`; else encoded and delimited as the input was (a BOM kept). Blank input
    lines stay, with empty extra columns."""
    fmt = TextFormat(report.encoding, report.delimiter, report.has_bom)
    layout = spreadsheet_layout(
        locale, CsvLayout(report.delimiter, report.has_bom, report.encoding)
    )
    by_row = {o.row: o for o in report.rows}
    buffer = io.StringIO()
    writer = csv_writer(buffer, delimiter=layout.delimiter)

    def flush() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        # Values came from the input's encoding (or go to UTF-8); only our own reason text
        # could fall outside it.
        return text.encode(layout.encoding, errors="replace")

    records = iter_records(report.path, fmt)
    writer.writerow([*read_header(report.path, records)[1], *OUTPUT_COLUMNS])
    bom = "\ufeff".encode(layout.encoding) if layout.bom else b""
    yield bom + flush()
    for line, cells in records:
        outcome = by_row.get(line)
        extra = (
            [outcome.bucket, outcome.reason, outcome.duplicate_of or ""]
            if outcome is not None
            else ["", "", ""]
        )
        writer.writerow([*cells, *extra])
        if buffer.tell() > 1 << 16:
            yield flush()
    yield flush()
