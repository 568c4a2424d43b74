"""The errors the library raises when a job cannot run.

Findings (lint problems, risky recipients) are data, never exceptions. An exception here means
"the job could not run": the CLI turns it into one line on stderr and exit code 2.
"""

from __future__ import annotations

import errno
from pathlib import Path

from b2bmail.i18n import N_, _

# The operating system's reason for a failed open/read/write, in the reader's language: Python
# gives C's strerror(), which is English whatever LANG says (Python never calls setlocale for
# LC_MESSAGES). The reasons a person can meet opening, reading or writing a file or a port,
# worded as glibc words them, so English output is what the system says; any other reason
# keeps the system's own words.
_OS_REASONS = {
    errno.ENOENT: N_("No such file or directory"),
    errno.EACCES: N_("Permission denied"),
    errno.EPERM: N_("Operation not permitted"),
    errno.EISDIR: N_("Is a directory"),
    errno.ENOTDIR: N_("Not a directory"),
    errno.ENOSPC: N_("No space left on device"),
    errno.EROFS: N_("Read-only file system"),
    errno.ENAMETOOLONG: N_("File name too long"),
    errno.EADDRINUSE: N_("Address already in use"),
}


def os_reason(exc: OSError) -> str:
    """Why the system refused (`exc.strerror`), in the current language when it is one of the
    common reasons ("fichier ou dossier introuvable"), else as the system says it."""
    if exc.errno in _OS_REASONS:
        return _(_OS_REASONS[exc.errno])
    return exc.strerror or str(exc)


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
