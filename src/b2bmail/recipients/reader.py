"""Read a recipient list (CSV/TSV) as a stream of rows with canonical fields."""

from __future__ import annotations

import collections
import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from b2bmail.errors import InputError
from b2bmail.i18n import _
from b2bmail.recipients.addresses import AddressCheck, classify_address
from b2bmail.recipients.decoding import DELIMITER_NAMES, TextFormat, open_text
from b2bmail.recipients.fields import (
    ALIASES,
    CONTACT_COMPANY_FIELDS,
    NORMALIZED_KEYS,
    canonical_key,
    column_aliases,
    normalize_cell,
    slugify,
)

#: Unrecognised values listed per field in the segment report (all are counted).
UNRECOGNIZED_EXAMPLES = 10


# Which count of ValueCounts a cell adds to (ValueCounts.kind).
_UNCHANGED, _NORMALIZED, _UNRECOGNISED = 0, 1, 2


@dataclass
class ValueCounts:
    """How one normalised field's cells fared: rewritten to their code, already canonical,
    or not recognised (kept as typed; a civility becomes empty). Counted per cell."""

    normalized: int = 0
    unchanged: int = 0
    unrecognized: int = 0
    examples: list[str] = field(default_factory=list)  # distinct unrecognised, in file order

    @staticmethod
    def kind(typed: str, value: object, recognised: bool) -> int:
        """Which count a cell adds to: _UNRECOGNISED, _UNCHANGED (its code is the cell as
        typed) or _NORMALIZED. It depends on the cell alone, so a reader may keep it with the
        cell's code (reader._normalized) and count with add_kind."""
        if not recognised:
            return _UNRECOGNISED
        return _UNCHANGED if value == typed else _NORMALIZED

    def add(self, typed: str, value: object, recognised: bool) -> None:
        self.add_kind(typed, self.kind(typed, value, recognised))

    def add_kind(self, typed: str, kind: int) -> None:
        if kind == _UNCHANGED:
            self.unchanged += 1
        elif kind == _NORMALIZED:
            self.normalized += 1
        else:
            self.unrecognized += 1
            if typed not in self.examples and len(self.examples) < UNRECOGNIZED_EXAMPLES:
                self.examples.append(typed)


@dataclass(frozen=True, init=False)
class RecipientRow:
    """One record. `row` is the file line where it starts (the header is line 1)."""

    row: int
    fields: Mapping[str, object]
    email: str
    check: AddressCheck
    cells: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()

    def __init__(
        self,
        row: int,
        fields: Mapping[str, object],
        email: str,
        check: AddressCheck,
        cells: tuple[str, ...] = (),
        headers: tuple[str, ...] = (),
    ) -> None:
        # One per row read: filled at once rather than field by field through
        # object.__setattr__ (see AddressCheck); still frozen afterwards.
        self.__dict__.update(
            row=row, fields=fields, email=email, check=check, cells=cells, headers=headers
        )

    @property
    def raw(self) -> dict[str, str]:
        """The cells by column header, as typed. Made when asked: most rows are never asked,
        and a dict per row is a good part of reading one."""
        return dict(zip(self.headers, self.cells, strict=False))


@dataclass
class RecipientTable:
    """A recipient file: its detected format and headers, and its rows as a one-pass stream.

    Rows whose cells are all blank (Excel's trailing `;;;` lines) are skipped and counted in
    `blank_rows` as the stream advances.
    """

    path: Path
    encoding: str
    delimiter: str
    has_bom: bool
    headers: tuple[str, ...]
    keys: tuple[str, ...]
    email_column: str
    rows: Iterator[RecipientRow] = field(repr=False)
    blank_rows: int = 0
    # Per normalised field (country, language, civility, roles, stage), filled as rows stream.
    values: dict[str, ValueCounts] = field(default_factory=dict)
    # The column summary: the columns holding a value in at least one row read so far.
    filled_columns: set[int] = field(default_factory=set)

    def _field_columns(self) -> dict[str, int]:
        # Each field a row can have -> the column that gives it.
        columns = {key: index for index, key in enumerate(self.keys)}
        columns.update({slug: index for index, slug in column_aliases(self.headers, self.keys)})
        for key, company_key in CONTACT_COMPANY_FIELDS.items():
            if key in columns:
                columns[company_key] = columns[key]
        return columns

    @property
    def field_names(self) -> frozenset[str]:
        """Every field a row can have: the columns' keys, their headers' slugs (raw cells,
        fields.column_aliases) and the company fields the contact's columns stand for."""
        return frozenset(self._field_columns())

    @property
    def filled_names(self) -> frozenset[str]:
        """Of `field_names`, those whose column held a value in a row read so far (all rows
        once `rows` is exhausted): the others are empty in every row."""
        filled = self.filled_columns
        return frozenset(name for name, index in self._field_columns().items() if index in filled)

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))

    @property
    def output_encoding(self) -> str:
        """The codec that writes text back as the input was (BOM included)."""
        return "utf-8-sig" if self.has_bom and self.encoding == "utf-8" else self.encoding


def header_keys(headers: Sequence[str]) -> tuple[str, ...]:
    """Canonical key per column; a repeated key keeps its first column, later ones get `_2`...

    Linear in the number of columns: each key remembers the next suffix to try, so 20,000
    columns named `x` do not each count up from `_2` again.
    """
    keys: list[str] = []
    seen: set[str] = set()
    next_suffix: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = canonical_key(header) or f"column_{index + 1}"
        candidate, n = key, next_suffix.get(key, 2)
        while candidate in seen:
            candidate, n = f"{key}_{n}", n + 1
        next_suffix[key] = n
        seen.add(candidate)
        keys.append(candidate)
    return tuple(keys)


def read_recipients(
    path: str | Path, *, encoding: str | None = None, delimiter: str | None = None
) -> RecipientTable:
    """Open a recipient list and return its table; rows are read lazily, one at a time.

    The header and format are checked now (InputError for an empty or binary file, bytes that
    do not decode, or no email column); the rows stream as the caller iterates `rows`.
    """
    source = Path(path)
    fmt = detect_format(source, encoding, delimiter)
    records = iter_records(source, fmt)
    _line, headers = read_header(source, records)
    keys = header_keys(headers)
    if "email" not in keys:
        found = ", ".join(repr(h) for h in headers[:12])
        raise InputError(
            _("no email column among the headers ({found}); delimiter {delimiter}").format(
                found=found,
                delimiter=_(DELIMITER_NAMES[fmt.delimiter])
                if fmt.delimiter in DELIMITER_NAMES
                else fmt.delimiter,
            ),
            path=source,
            line=1,
            hint=_(
                "name the column one of {names} (or pass --delimiter if the columns were not split)"
            ).format(names=", ".join(ALIASES["email"][:5])),
        )
    table = RecipientTable(
        path=source,
        encoding=fmt.encoding,
        delimiter=fmt.delimiter,
        has_bom=fmt.has_bom,
        headers=tuple(headers),
        keys=keys,
        email_column=headers[keys.index("email")],
        rows=iter(()),
    )
    table.rows = _stream_rows(table, records)
    return table


def detect_format(path: Path, encoding: str | None, delimiter: str | None) -> TextFormat:
    """The encoding and delimiter of a CSV file (InputError if it cannot be read as text)."""
    with open_text(path, encoding, delimiter) as (fmt, _):
        return fmt


def read_header(path: Path, records: Iterator[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    """The first record of `records` (from `iter_records`): the header, which must name columns."""
    line, headers = next(records, (1, []))
    if not any(h.strip() for h in headers):
        raise InputError(
            _("the first line has no column names"),
            path=path,
            line=line,
            hint=_("put a header row first, e.g. email,first_name,company"),
        )
    return line, headers


def ends_inside_quotes(path: Path, fmt: TextFormat, lines: int) -> bool:
    """Whether the file's last `lines` lines hold a quoted field that is never closed.

    The csv module (non-strict, so that `"a"b` stays readable) silently takes everything after
    an unmatched quote up to the end of the file as one field. Only a record that spans lines
    and ends the file can be that; its lines are parsed again, strictly. Rare, and one pass.
    """
    with open_text(path, fmt.encoding, fmt.delimiter) as (_, text):
        tail = collections.deque(text, maxlen=lines)
    try:
        for _ in csv.reader(tail, delimiter=fmt.delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


# A line that starts with what reads as an address: inside a quoted field, another row.
_ADDRESS_FIRST = re.compile(r'\s*[^\s@,;"<>]+@[^\s@,;"<>.]+\.[^\s@,;"<>]')
_ADDRESS_ANYWHERE = re.compile(r'[^\s@,;"<>]+@[^\s@,;"<>.]+\.[^\s@,;"<>]')
_LINE_BREAK = re.compile(r"\r\n?|\n")


def _looks_like_a_row(text: str, delimiter: str, width: int) -> bool:
    if _ADDRESS_FIRST.match(text):
        return True
    if delimiter not in text:
        return False
    return text.count(delimiter) >= max(width - 1, 1) or _ADDRESS_ANYWHERE.search(text) is not None


def _check_spanning_fields(
    path: Path, delimiter: str, width: int, start: int, cells: list[str]
) -> None:
    """Refuse a quoted field whose lines after its first look like rows of their own.

    A stray `"` opens a field that only the next `"`, maybe rows later, closes: the csv module
    (RFC 4180 §2.6) then reads every row between as text of that one field, and five
    recipients become one `To:` and greeting. A swallowed line reads as a row when it starts
    with an address (a one-column list, or the email column first), holds as many delimiters
    as a record of `width` columns, or holds the delimiter and an address. A real multi-line
    cell keeps its text: a postal address (`75002 Paris, France` in a list of three columns
    or more) or a note; `Eve\nBcc: x@y.example` is text, not a row.
    """
    line = start
    for cell in cells:
        parts = _LINE_BREAK.split(cell)
        for later in parts[1:]:
            if _looks_like_a_row(later, delimiter, width):
                shown = later if len(later) <= 40 else later[:37] + "..."
                raise InputError(
                    _(
                        "a quoted field opened on this line runs over {count} lines and holds"
                        " what looks like another row ({shown}): the rows would be merged"
                    ).format(count=len(parts), shown=repr(shown)),
                    path=path,
                    line=line,
                    hint=_('close the quote (") where the field ends, or remove it'),
                )
        line += len(parts) - 1


def iter_records(path: Path, fmt: TextFormat) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of every record, the header (line 1) first, blank lines too.

    The one CSV reading path of recipient and companies files, so that its checks hold for
    every command: a malformed or over-long field, a quote left open to the end of the file,
    and a quoted field that swallows rows are InputErrors naming their line.
    """
    with open_text(path, fmt.encoding, fmt.delimiter) as (_fmt, text):
        reader = csv.reader(text, delimiter=fmt.delimiter)
        # Each record is held back until the next one is read: the last one is checked for a
        # quote left open, which would otherwise swallow the rows after it without a word.
        last: tuple[int, int, list[str]] | None = None
        line = 0
        width = 0  # the header's: unknown while the header itself is checked
        try:
            for cells in reader:
                if last is not None:
                    if last[1] == last[0]:  # a record on one line (nearly all): no check
                        yield last[0], last[2]
                    else:
                        yield _checked(path, fmt, width, last, final=False)
                    width = width or len(last[2])
                end = reader.line_num
                last = (line + 1, end, cells)
                line = end
        except csv.Error as exc:
            if "field limit" in str(exc):
                raise InputError(
                    _(
                        "a field of the record starting on this line is longer than"
                        " {limit} characters"
                    ).format(limit=csv.field_size_limit()),
                    path=path,
                    line=line + 1,
                    hint=_(
                        "a quote left open usually does this: check the quotes from this line"
                        " on, or shorten the field"
                    ),
                ) from None
            raise InputError(
                _("malformed CSV: {error}").format(error=exc),
                path=path,
                line=reader.line_num,
                hint=_("check the quotes on this line"),
            ) from None
    if last is not None:
        yield _checked(path, fmt, width, last, final=True)


def _checked(
    path: Path, fmt: TextFormat, width: int, record: tuple[int, int, list[str]], *, final: bool
) -> tuple[int, list[str]]:
    start, end, cells = record
    if (
        final
        and (end > start or _may_have_merged_cells(cells, fmt.delimiter))
        and ends_inside_quotes(path, fmt, end - start + 1)
    ):
        raise InputError(
            _(
                "a quoted field opened on this line is never closed, so every line after it"
                " would be read as part of that field"
            )
            if end > start
            else _(
                "a quoted field opened on this line is never closed, so the rest of the"
                " line would be read as one field"
            ),
            path=path,
            line=start,
            hint=_('close the quote (") or remove it'),
        )
    if end > start:
        _check_spanning_fields(path, fmt.delimiter, width, start, cells)
    return start, cells


def _may_have_merged_cells(cells: list[str], delimiter: str) -> bool:
    # A quote left open on the file's last line takes the rest of that line as one field:
    # `z@x.fr;"Zed;X;mines` reads as two cells, the first name "Zed;X;mines". Only a cell
    # holding the delimiter (or a line break before its end) can be that; the last line is
    # then parsed again, strictly (ends_inside_quotes). A quote that swallows no delimiter
    # (`a@x.fr,"open`) changes no cell but its own, and reads as it is.
    return any(delimiter in cell or "\n" in cell.rstrip("\r\n") for cell in cells)


def _stream_rows(
    table: RecipientTable, records: Iterator[tuple[int, list[str]]]
) -> Iterator[RecipientRow]:
    keys = table.keys
    headers = table.headers
    email_index = keys.index("email")
    width = len(keys)
    aliases = column_aliases(headers, keys)
    company = tuple((k, c) for k, c in CONTACT_COMPANY_FIELDS.items() if k in keys)
    # What each column but the address gives, worked out once: its key, and for a normalised
    # field the cache of its distinct cells. Stage, role and country cells repeat across a
    # list: each distinct one is normalised once, and its entry says which count it adds to.
    caches: dict[str, dict[str, tuple[object, int, ValueCounts]]] = {k: {} for k in NORMALIZED_KEYS}
    columns = [(index, key, caches.get(key)) for index, key in enumerate(keys) if key != "email"]
    # The column summary (table.filled_columns): once every column held a value, a row costs
    # one test (the summary is read once per list, not per row: recipients.needs).
    unfilled = set(range(width))
    for line, cells in records:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        stripped = list(map(str.strip, cells))
        if not any(stripped):  # every cell blank (or none): not a recipient
            table.blank_rows += 1
            continue
        if unfilled:
            found = [i for i in unfilled if stripped[i]]
            unfilled.difference_update(found)
            table.filled_columns.update(found)
        typed = cells[email_index]
        check = classify_address(typed)
        fields: dict[str, object] = {}
        for index, key, cache in columns:
            value = stripped[index]
            if not value:
                continue
            if cache is None:
                fields[key] = value
                continue
            cached = cache.get(value)
            if cached is None:
                if len(cache) > 4096:
                    cache.clear()
                cached = cache[value] = _normalized(table, key, value)
            code, kind, counts = cached
            counts.add_kind(value, kind)
            fields[key] = code
        fields["email"] = check.normalized if check.valid else typed.strip()
        for index, slug in aliases:
            value = stripped[index]
            if value:
                fields[slug] = value
        for key, company_key in company:
            if key in fields:
                fields[company_key] = fields[key]
        # RecipientRow(line, fields, typed, check, tuple(cells), headers) without its __init__
        # frame (one per row): its __dict__ filled at once, which gives an equal object
        # (test_reader.test_fast_built_row_is_the_constructed_one).
        row = _new_object(RecipientRow)
        row.__dict__.update(
            row=line, fields=fields, email=typed, check=check, cells=tuple(cells), headers=headers
        )
        yield row


_new_object = object.__new__


def _normalized(table: RecipientTable, key: str, value: str) -> tuple[object, int, ValueCounts]:
    """A normalised field's cell: its code, which count it adds to (as ValueCounts.add
    decides), and that field's counts in `table.values` (made at its first cell)."""
    code, recognised = normalize_cell(key, value)
    counts = table.values.get(key)
    if counts is None:
        counts = table.values[key] = ValueCounts()
    return code, ValueCounts.kind(value, code, recognised), counts


__all__ = [
    "RecipientRow",
    "RecipientTable",
    "ValueCounts",
    "detect_format",
    "iter_records",
    "read_header",
    "read_recipients",
    "slugify",
]
