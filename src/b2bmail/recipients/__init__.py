"""Recipient lists: read (encoding, delimiter, header aliases), normalise, classify, bucket.

Holds: decoding (encoding and delimiter from the bytes), reader (rows with canonical fields),
fields (header aliases, cell values), addresses (syntax, normal form, role and free-mail
classes), companies (the optional companies file), buckets (one bucket per row), segmenting
(the `segment` job), report (its text and JSON) and needs (the fields rules and
templates read, checked against a list). This `__init__` re-exports what the
audit and its report page use.

May import: segments (routing rules), journey (stage words, the slug rule), errors, output.
Never imports render/, lint/, personalize/, cli/ or click.
"""

from b2bmail.recipients.addresses import AddressCheck, address_key, classify_address
from b2bmail.recipients.buckets import (
    RESERVED,
    RowOutcome,
    SegmentReport,
    Suppressions,
    bucket_recipients,
    load_suppressions,
    route_rows,
)
from b2bmail.recipients.companies import CompanyIndex, load_companies
from b2bmail.recipients.reader import RecipientRow, RecipientTable, read_recipients

__all__ = [
    "RESERVED",
    "AddressCheck",
    "CompanyIndex",
    "RecipientRow",
    "RecipientTable",
    "RowOutcome",
    "SegmentReport",
    "Suppressions",
    "address_key",
    "bucket_recipients",
    "classify_address",
    "load_companies",
    "load_suppressions",
    "read_recipients",
    "route_rows",
]
