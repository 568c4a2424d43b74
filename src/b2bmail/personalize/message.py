"""What a per-recipient build produces and reports: a message, a row issue, the report.

Plain data with no behaviour beyond counting, imported by the builder (build.py), the writer
(write.py) and the report formatter (report.py), so none of them imports another for a type.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, init=False)
class PersonalizedMessage:
    """One recipient's message. `data` is the .eml (CRLF line ends, RFC 5322 §2.1), or with
    `mboxrd` the form it takes inside an mbox: LF line ends, ">*From " lines quoted.

    `content` is those bytes whole, or in the pieces they were assembled from (the
    skeleton's ready bytes and the recipient's): the writers hand the pieces to the system
    in one call (os.writev) instead of first copying them into one 40 KB string. `size`:
    their total length in bytes when the builder knows it (MessageSkeleton.assembler),
    else None."""

    row: int
    email: str
    segment_id: str
    message_id: str
    content: bytes | tuple[bytes, ...]
    mboxrd: bool = False
    size: int | None = field(default=None, compare=False, repr=False)  # derived from content

    def __init__(
        self,
        row: int,
        email: str,
        segment_id: str,
        message_id: str,
        content: bytes | tuple[bytes, ...],
        mboxrd: bool = False,
        size: int | None = None,
    ) -> None:
        # The __init__ dataclass writes for a frozen class sets each field through
        # object.__setattr__, a call per field, for every recipient; the fields are put in
        # the instance's dictionary directly instead (frozen still: __setattr__ refuses).
        fields = self.__dict__
        fields["row"] = row
        fields["email"] = email
        fields["segment_id"] = segment_id
        fields["message_id"] = message_id
        fields["content"] = content
        fields["mboxrd"] = mboxrd
        fields["size"] = size

    @functools.cached_property
    def data(self) -> bytes:
        """The message's bytes, joined once when first asked."""
        content = self.content
        return content if isinstance(content, bytes) else b"".join(content)


#: Kinds of RowIssue for rows routed to a segment whose message could not be built.
BUILD_FAILURES = frozenset({"missing", "smtputf8", "too-long", "unsafe-url"})
#: The bucket of rows routed to a segment but not written (build failure, segment not selected).
SKIPPED = "skipped"


@dataclass(frozen=True)
class RowIssue:
    """A row reported during personalisation. Every row not written has exactly one, in its
    bucket: a routing bucket (`invalid`, `duplicate`, `suppressed`, `unassigned`; kind = the
    bucket) or `skipped` (kind `missing`, `smtputf8`, `too-long`, `unsafe-url` or `not-selected`). A row
    written with a cleaned value has kind `cleaned` and its segment as bucket."""

    row: int
    email: str
    kind: str
    detail: str
    bucket: str = SKIPPED

    @property
    def sent(self) -> bool:
        return self.kind == "cleaned"


@dataclass(frozen=True)
class PersonalizeReport:
    """Counts per bucket, messages per segment and the rows that need a look."""

    rows_read: int
    buckets: Mapping[str, int]
    built: Mapping[str, int]
    issues: tuple[RowIssue, ...]
    token_source: str
    stages: Mapping[str, int] = field(default_factory=dict)  # messages per journey stage
    stage_defaulted: int = 0  # of those, recipients without a known stage (segment's default)
    blank_rows: int = 0  # all-blank lines (`;;;`), not recipients: skipped, counted here
    # Variants compiled per segment whose template's logic reads recipient fields.
    variants: Mapping[str, int] = field(default_factory=dict)

    @property
    def messages(self) -> int:
        return sum(self.built.values())

    @property
    def not_sent(self) -> tuple[RowIssue, ...]:
        """One entry per row not written, in row order."""
        return tuple(i for i in self.issues if not i.sent)

    @property
    def skipped(self) -> tuple[RowIssue, ...]:
        """Rows routed to a built segment whose message could not be built."""
        return tuple(i for i in self.issues if i.kind in BUILD_FAILURES)
