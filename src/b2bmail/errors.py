"""The errors the library raises when a job cannot run.

Findings (lint problems, risky recipients) are data, never exceptions. An exception here means
"the job could not run": the CLI turns it into one line on stderr and exit code 2.
"""

from __future__ import annotations

from pathlib import Path

from b2bmail.i18n import _


class B2bmailError(Exception):
    """A job could not run. Carries where (file, line, column, CSV row) and what to do."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        row: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column
        self.row = row
        self.hint = hint

    def location(self) -> str:
        """`path:line:col` or `path: row N` — as much as is known, or ''."""
        parts = []
        if self.path:
            parts.append(self.path)
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        where = ":".join(parts)
        if self.row is not None:
            where = (
                _("{where}: row {row}").format(where=where, row=self.row)
                if where
                else _("row {row}").format(row=self.row)
            )
        return where

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text = f"{text} — {self.hint}"
        return text


class ConfigError(B2bmailError):
    """A campaign, segment, lint or companies configuration file is wrong."""


class TemplateError(B2bmailError):
    """A Jinja or MJML template failed to compile or render."""


class InputError(B2bmailError):
    """An input file (CSV, HTML, .eml) cannot be read."""


class OutputError(B2bmailError):
    """An output file or folder cannot be written (missing parent, not writable, a folder)."""


class DnsSetupError(B2bmailError):
    """The DNS resolver cannot be set up (bad --nameserver, unreadable cache)."""


class PreviewError(B2bmailError):
    """Screenshots or the preview server cannot run (e.g. Chromium is missing)."""
