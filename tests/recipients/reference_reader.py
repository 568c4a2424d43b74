"""The recipient reader's fields and counts made the plain way: each field set one by one,
each normalised cell counted as it is read (the reader before its fast paths). The oracle of
test_reader_fast_paths.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from b2bmail.recipients.addresses import classify_address
from b2bmail.recipients.fields import (
    CONTACT_COMPANY_FIELDS,
    NORMALIZED_KEYS,
    column_aliases,
    normalize_cell,
)
from b2bmail.recipients.reader import ValueCounts, detect_format, header_keys, iter_records


def reference_rows(
    path: Path, values: dict[str, ValueCounts]
) -> Iterator[tuple[int, list[tuple[str, object]]]]:
    """(line, fields as (name, value) pairs in order) of every recipient row of `path`, its
    normalised cells counted into `values` as each row is read."""
    records = iter_records(path, detect_format(path, None, None))
    _line, headers = next(records)
    keys = header_keys(headers)
    width = len(keys)
    email_index = keys.index("email")
    for line, cells in records:
        cells = cells + [""] * (width - len(cells))
        stripped = [cell.strip() for cell in cells]
        if not any(stripped):
            continue
        typed = cells[email_index]
        check = classify_address(typed)
        fields: dict[str, object] = {}
        for index, key in enumerate(keys):
            value = stripped[index]
            if key == "email" or not value:
                continue
            if key in NORMALIZED_KEYS:
                code, recognised = normalize_cell(key, value)
                values.setdefault(key, ValueCounts()).add(value, code, recognised)
                fields[key] = code
            else:
                fields[key] = value
        fields["email"] = check.normalized if check.valid else typed.strip()
        for index, slug in column_aliases(headers, keys):
            if stripped[index]:
                fields[slug] = stripped[index]
        for key, company_key in CONTACT_COMPANY_FIELDS.items():
            if key in keys and key in fields:
                fields[company_key] = fields[key]
        yield line, list(fields.items())
