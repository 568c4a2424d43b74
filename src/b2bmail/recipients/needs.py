"""The fields segment rules and templates read, checked against what a recipient list gives.

A rule or a merge field naming a field that no column provides (`compagny.size`), or one that
is empty in every row, would give every recipient the same answer — no segment, the
fallback, the `else` branch — without a word (issue 14, "every column is reachable"). Both
are checked once per list: the names against its header (`RecipientTable.field_names`), the
values against its column summary (`RecipientTable.filled_names`, known once the rows are
read), never per row. `recipients.buckets.route_rows` runs both for the segment rules of
every command that reads a list; the per-recipient build and the export run them for the
fields their templates merge.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from b2bmail.errors import B2bmailError, ConfigError, InputError, TemplateError
from b2bmail.i18n import _
from b2bmail.recipients.fields import field_hint


@dataclass(frozen=True)
class FieldUse:
    """A recipient field a segment rule (`rule`) or a template reads, and where it is named."""

    name: str
    path: Path | None = None
    line: int | None = None
    rule: bool = False

    @property
    def spelled(self) -> str:
        """The field as its file writes it: `company.size` in a rule, `recipient.company.size`
        in a template."""
        return self.name if self.rule else f"recipient.{self.name}"


def check_given(uses: Iterable[FieldUse], known: Collection[str], source: Path) -> None:
    """Stop at the first use whose field no column of `source` (nor the companies file, nor
    b2bmail) provides: a ConfigError at the rule's line, a TemplateError at the template's,
    with the closest known name as 'did you mean'."""
    for use in uses:
        if use.name in known:
            continue
        error: type[B2bmailError] = ConfigError if use.rule else TemplateError
        message = (
            _("the segment rule reads {field}, and no column of {list} gives it")
            if use.rule
            else _("the template names {field}, and no column of {list} gives it")
        )
        raise error(
            message.format(field=use.spelled, list=source.name),
            path=use.path,
            line=use.line,
            hint=field_hint(use.name, known, "" if use.rule else "recipient."),
        )


def check_filled(uses: Iterable[FieldUse], filled: Collection[str], source: Path) -> None:
    """Stop at the first use whose field is blank in every row of `source` (an InputError at
    the rule's or template's line): a rule on it matches no one, a merge field gives everyone
    its fallback."""
    for use in uses:
        if use.name not in filled:
            raise InputError(
                _("{field} is empty in every row of {list}").format(
                    field=use.spelled, list=source.name
                ),
                path=use.path,
                line=use.line,
                hint=_("fill the column, or take the field out of the rule")
                if use.rule
                else _("fill the column, or take the field out of the template"),
            )


def _pattern(name: str) -> re.Pattern[str]:
    # `recipient.company.size`, `recipient . size`, `recipient["size"]` (Jinja's attribute
    # and subscript spellings of the same field).
    parts = [re.escape(p) for p in name.split(".")]
    dotted = r"\s*\.\s*".join(parts)
    return re.compile(rf"\brecipient\s*(?:\.\s*{dotted}\b|\[\s*['\"]{re.escape(name)}['\"]\s*\])")


def template_uses(names: Iterable[str], sources: Sequence[Path]) -> list[FieldUse]:
    """A FieldUse per field name, at the first line of `sources` (the template, then the
    campaign file) that writes it; without a place when none does (a filter on the whole
    recipient, `{{ recipient | salutation }}`)."""
    texts: list[tuple[Path, list[str]]] = []
    for source in sources:
        try:
            texts.append((source, source.read_text(encoding="utf-8").splitlines()))
        except (OSError, UnicodeDecodeError):
            continue  # not ours to report here: the build reads (and reports) it
    uses = []
    for name in sorted(set(names)):
        pattern = _pattern(name)
        where = next(
            (
                (path, number)
                for path, lines in texts
                for number, text in enumerate(lines, start=1)
                if pattern.search(text)
            ),
            (None, None),
        )
        uses.append(FieldUse(name, where[0], where[1]))
    return uses


@dataclass(frozen=True)
class ListFields:
    """What a recipient list gives (`known`: its fields, the companies file's, b2bmail's),
    to check the fields a campaign's templates read; `templates`: the files they are written
    in, searched for the line of a field that fails."""

    source: Path
    known: frozenset[str]
    templates: tuple[Path, ...] = ()

    def check_given(self, names: Iterable[str]) -> None:
        """A TemplateError, at the template's line, for a field no column gives."""
        missing = set(names) - self.known
        if missing:
            check_given(template_uses(missing, self.templates), self.known, self.source)

    def check_filled(self, names: Iterable[str], filled: Collection[str]) -> None:
        """An InputError, at the template's line, for a field blank in every row (`filled`:
        the list's column summary once read, plus the fields b2bmail and companies give)."""
        empty = set(names) - set(filled)
        if empty:
            check_filled(template_uses(empty, self.templates), filled, self.source)
