"""Read a recipient list (CSV/TSV) as a stream of rows with canonical fields."""

from __future__ import annotations

import collections
import csv
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from pathlib import Path
from typing import Any, cast

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
        cell's code (reader._Tally) and count with add_kind."""
        if not recognised:
            return _UNRECOGNISED
        return _UNCHANGED if value == typed else _NORMALIZED

    def add(self, typed: str, value: object, recognised: bool) -> None:
        self.add_kind(typed, self.kind(typed, value, recognised))

    def add_kind(self, typed: str, kind: int, cells: int = 1) -> None:
        """Count `cells` cells reading `typed`, of `kind` (ValueCounts.kind)."""
        if kind == _UNCHANGED:
            self.unchanged += cells
        elif kind == _NORMALIZED:
            self.normalized += cells
        else:
            self.unrecognized += cells
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
    # The column summary: the columns holding a value in at least one row read so far.
    filled_columns: set[int] = field(default_factory=set)
    # `values` as counted so far, and the cells read since (counted when `values` is read).
    _values: dict[str, ValueCounts] = field(default_factory=dict, repr=False)
    _tally: _Tally | None = field(default=None, repr=False, compare=False)

    @property
    def values(self) -> dict[str, ValueCounts]:
        """Per normalised field (country, language, civility, roles, stage), how its cells
        fared in the rows read so far (all rows once `rows` is exhausted), fields in the
        order their first cell was read."""
        if self._tally is not None:
            self._tally.flush()
        return self._values

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
    fmt, records = open_records(source, encoding, delimiter)
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
    return open_records(path, fmt.encoding, fmt.delimiter)[1]


def open_records(
    path: Path, encoding: str | None, delimiter: str | None
) -> tuple[TextFormat, Iterator[tuple[int, list[str]]]]:
    """detect_format and iter_records in one: the file is opened and its text checked (every
    byte decoded, decoding.open_text) once, not once for its format and again for its records."""
    records = _open_records(path, encoding, delimiter)
    fmt = next(records)
    assert isinstance(fmt, TextFormat)
    return fmt, cast(Iterator[tuple[int, list[str]]], records)


def _open_records(path: Path, encoding: str | None, delimiter: str | None) -> Iterator[object]:
    # The file's format, then its records (iter_records).
    with open_text(path, encoding, delimiter) as (fmt, text):
        yield fmt
        reader = csv.reader(text, delimiter=fmt.delimiter)
        # Each record is held back until the next one is read: the last one is checked for a
        # quote left open, which would otherwise swallow the rows after it without a word.
        # The one held: its cells (None before the first), its first and last line.
        held: list[str] | None = None
        start = line = 0
        width = 0  # the header's: unknown while the header itself is checked
        try:
            for cells in reader:
                if held is not None:
                    if line == start:  # a record on one line (nearly all): no check
                        yield start, held
                    else:
                        yield _checked(path, fmt, width, (start, line, held), final=False)
                    width = width or len(held)
                held = cells
                start = line + 1
                line = reader.line_num
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
    if held is not None:
        yield _checked(path, fmt, width, (start, line, held), final=True)


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
    normalised = [index for index, key in enumerate(keys) if key in NORMALIZED_KEYS]
    layout = _RowFields(keys, headers, normalised)
    fill, fed = layout.fill, layout.fed
    tally = table._tally = _Tally(
        tuple(keys[i] for i in normalised), normalised, layout.prototype, table._values
    )
    combos = tally.combos
    cells_of = tally.cells
    # The column summary (table.filled_columns): once every column held a value, a row costs
    # one test (the summary is read once per list, not per row: recipients.needs).
    unfilled = set(range(width))
    for line, cells in records:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        stripped = list(map(str.strip, cells))
        blank = "" in stripped  # a cell left empty (then maybe all: tested only then)
        if blank and not any(stripped):  # every cell blank (or none): not a recipient
            table.blank_rows += 1
            continue
        if unfilled:
            found = [i for i in unfilled if stripped[i]]
            unfilled.difference_update(found)
            table.filled_columns.update(found)
        typed = cells[email_index]
        check = classify_address(typed)
        # The normalised cells' codes, looked up once per combination of them; the row is
        # counted with its combination (_Tally: ValueCounts are made when `values` is read).
        combo = cells_of(stripped)
        entry = combos.get(combo)
        if entry is None:
            entry = tally.entry(combo)
        entry[1] += 1
        fields = fill(
            check.normalized if check.valid else stripped[email_index], entry[0], stripped
        )
        if blank:  # an empty cell sets none of its fields
            for index in compress(range(width), map(operator.not_, stripped)):
                for name in fed[index]:
                    del fields[name]
        # RecipientRow(line, fields, typed, check, tuple(cells), headers) without its __init__
        # frame (one per row): its __dict__ filled at once, which gives an equal object
        # (test_reader.test_fast_built_row_is_the_constructed_one).
        row = _new_object(RecipientRow)
        row.__dict__.update(
            row=line, fields=fields, email=typed, check=check, cells=tuple(cells), headers=headers
        )
        yield row


_new_object = object.__new__


class _RowFields:
    """How a list's rows give their fields.

    A row's fields, in the order they are set: each column but the address by its key (a
    normalised one by its code), the address, each column by its header's slug
    (fields.column_aliases), each company field by its contact column. No two have the same
    name (keys and slugs are distinct and undotted, company fields dotted), so leaving out the
    fields of an empty cell afterwards (`fed`) gives the same dict as never setting them.
    The fields that come from normalised cells are the same for every row of a combination of
    them (_Tally): they are set once, in that combination's `prototype`, and a row's fields
    are a copy of it with the others set (`fill`). tests/recipients/test_reader_fast_paths.py
    pins it to setting them one by one (reference_reader.py).
    """

    def __init__(self, keys: tuple[str, ...], headers: tuple[str, ...], normalised: Sequence[int]):
        # field -> where its value is: the address (0), a code (1, j) or a stripped cell (2, i)
        sources: dict[str, tuple[int, int]] = {}
        fed: list[list[str]] = [[] for _ in keys]
        for index, key in enumerate(keys):
            if key != "email":
                sources[key] = (1, normalised.index(index)) if index in normalised else (2, index)
                fed[index].append(key)
        sources["email"] = (0, 0)
        for index, slug in column_aliases(headers, keys):
            sources[slug] = (2, index)
            fed[index].append(slug)
        for key, company_key in CONTACT_COMPANY_FIELDS.items():
            if key in keys:
                sources[company_key] = sources[key]
                fed[keys.index(key)].append(company_key)
        assert len(sources) == sum(map(len, fed)) + 1  # no name set twice (see above)
        self.sources = sources
        # Per column, the fields an empty cell of it leaves out.
        self.fed = tuple(map(tuple, fed))
        self.fill = self._filler()

    def prototype(self, codes: Sequence[object]) -> dict[str, object]:
        """Every field in its place, those of the normalised cells set to their `codes`."""
        fields: dict[str, object] = dict.fromkeys(self.sources)
        for name, (kind, j) in self.sources.items():
            if kind == 1:
                fields[name] = codes[j]
        return fields

    def _filler(self) -> Callable[[object, dict[str, object], Sequence[str]], dict[str, object]]:
        # fill(address, prototype, stripped cells): the row's fields as if no cell were empty.
        own = [(name, kind, j) for name, (kind, j) in self.sources.items() if kind != 1]
        if len(own) > _GENERATED_FIELDS:
            # Thousands of columns: no function that long compiled; the same dict by update().
            names = tuple(name for name, _kind, _j in own)
            take = _getter([0 if kind == 0 else 1 + j for _name, kind, j in own])

            def updated(
                email: object, prototype: dict[str, object], cells: Sequence[str]
            ) -> dict[str, object]:
                fields = prototype.copy()
                fields.update(zip(names, take([email, *cells]), strict=True))
                return fields

            return updated
        # A copy of the prototype (one block copied) and one store per field: about half the
        # instructions of building the dict (the interpreter's dict display, dict(zip())) and
        # a third of setting the fields one by one. As the assembler of render.mime, the code
        # is generated once per list: its source holds only names (K0, K1... bound to the
        # field names) and column numbers; a row's values are only ever its arguments.
        bound: dict[str, object] = {f"K{n}": name for n, (name, _kind, _j) in enumerate(own)}
        stores = "".join(
            f"    f[K{n}] = {'e' if kind == 0 else f's[{j}]'}\n"
            for n, (_name, kind, j) in enumerate(own)
        )
        code = f"def fill(e, p, s):\n    f = p.copy()\n{stores}    return f\n"
        exec(compile(code, "<row fields>", "exec"), bound)
        return bound["fill"]  # type: ignore[return-value]


# Fields per row up to which _RowFields generates its function (a list has a few dozen).
_GENERATED_FIELDS = 256


def _getter(indices: Sequence[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """operator.itemgetter(*indices), a tuple even for one index or none."""
    if len(indices) > 1:
        return operator.itemgetter(*indices)
    return lambda items: tuple(items[i] for i in indices)


class _Tally:
    """A list's normalised columns (roles, stage, country, language, civility), read together.

    Their cells repeat across a list, and so do their combinations: each distinct combination
    gets its codes once (each distinct cell normalised once, per field) and a count of the rows
    that hold it. The counts reach `table.values` when it is read (flush), with
    ValueCounts.add_kind per cell and count: the same counts, and fields and unrecognised
    examples in the same order, as counting each cell as it is read, because combinations
    are kept in the order they first appear (a field's first cell, or a value's first row, is
    in the first combination that holds it).
    """

    def __init__(
        self,
        keys: tuple[str, ...],
        columns: Sequence[int],
        prototype: Callable[[Sequence[object]], dict[str, object]],
        values: dict[str, ValueCounts],
    ) -> None:
        self.keys = keys
        self.cells = _getter(columns)  # a row's stripped cells -> its combination
        self.prototype = prototype  # the codes -> the fields they set (_RowFields.prototype)
        # combination -> [prototype, rows counted since the last flush, ValueCounts.kind per cell]
        self.combos: dict[tuple[str, ...], list[Any]] = {}
        self.known: dict[str, dict[str, tuple[object, int]]] = {key: {} for key in keys}
        self.values = values

    def entry(self, combo: tuple[str, ...]) -> list[Any]:
        """The entry of a combination not seen yet (or no longer kept)."""
        if len(self.combos) >= _COMBINATIONS:
            self.flush()
            self.combos.clear()
        codes: list[object] = []
        kinds: list[int] = []
        for key, value in zip(self.keys, combo, strict=True):
            known = self.known[key]
            cached = known.get(value)
            if cached is None:
                if len(known) > _COMBINATIONS:
                    known.clear()
                code, recognised = normalize_cell(key, value) if value else ("", True)
                cached = known[value] = (code, ValueCounts.kind(value, code, recognised))
            codes.append(cached[0])
            kinds.append(cached[1])
        entry = self.combos[combo] = [self.prototype(codes), 0, tuple(kinds)]
        return entry

    def flush(self) -> None:
        """Count the cells of the rows read since the last flush into `values`."""
        values = self.values
        for combo, entry in self.combos.items():
            rows = entry[1]
            if rows:
                entry[1] = 0
                for key, value, kind in zip(self.keys, combo, entry[2], strict=True):
                    if value:  # an empty cell is not counted
                        counts = values.get(key)
                        if counts is None:
                            counts = values[key] = ValueCounts()
                        counts.add_kind(value, kind, rows)


# Distinct combinations (and distinct cells per field) kept: a list repeats a few dozen.
_COMBINATIONS = 4096


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
