"""Atomic output: a file or a whole folder appears complete or not at all.

Every file and folder b2bmail writes goes through this module, and through one guard
(`_plan`): an output never is, holds or lies inside one of the command's inputs; a folder is
replaced whole only when it is absent, empty or was written by b2bmail (it holds MARKER); a
symbolic link, device or FIFO named as an output file is written through, never replaced by a
regular file. CSV files are written through `csv_writer`, which neutralises spreadsheet
formulas. Every JSON document is made by `json_document`, which names its schema and version.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import shutil
import signal
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from b2bmail.errors import OutputError, os_reason
from b2bmail.i18n import N_, _, posix_locale
from b2bmail.signals import handlers_replaced

PathLike = str | Path

OUTPUT_HINT = N_("choose a path in a folder you can write to")

# Written into every folder b2bmail replaces whole: the proof that the next run may replace it
# again. A folder without it (a campaign folder, a home folder, `.`) is never deleted.
MARKER = ".b2bmail-output"
MARKER_TEXT = b"Written by b2bmail. The next b2bmail run writing here replaces this whole folder.\n"

# Signals that end a run. While an output is swapped in or a staging folder removed they are
# held and delivered afterwards: one arriving between the two renames of a folder swap would
# otherwise leave neither the previous output nor the new one in place.
HELD_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)

# OWASP "CSV Injection": a cell starting with one of these is read as a formula by Excel,
# LibreOffice and Google Sheets.
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# What the disk or the system refuses while a folder is written (full disk, quota, file-size
# limit, read-only or failing disk, no permission): reported on one line, not as a bug.
WRITE_FAILURES = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO, errno.EACCES, errno.EPERM}
)

# What to do about a full disk or a file-size limit (other write errors: OUTPUT_HINT).
FULL_HINTS = {
    errno.ENOSPC: N_("free some disk space, or write elsewhere"),
    errno.EDQUOT: N_("free some of your disk quota, or write elsewhere"),
    errno.EFBIG: N_("raise the file-size limit (ulimit -f), or write elsewhere"),
}

# "cannot write the <what>", one whole sentence per kind of output (so each translates).
_CANNOT_WRITE = {
    "file": N_("cannot write the file: {reason}"),
    "folder": N_("cannot write the folder: {reason}"),
    "mbox": N_("cannot write the mbox: {reason}"),
}


def _cannot_write(what: str, path: Path, exc: OSError) -> OutputError:
    reason = os_reason(exc)
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        reason = _("a folder on its path is a file")
    hint = _(FULL_HINTS.get(exc.errno or 0, OUTPUT_HINT))
    message = (
        _(_CANNOT_WRITE[what]).format(reason=reason)
        if what in _CANNOT_WRITE
        else _("cannot write the {what}: {reason}").format(what=what, reason=reason)
    )
    return OutputError(message, path=path, hint=hint)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Run the block with HELD_SIGNALS recorded instead of handled, then deliver the first."""
    caught: list[int] = []
    with handlers_replaced(HELD_SIGNALS, lambda signum, _frame: caught.append(signum)):
        yield
    if caught:
        signal.raise_signal(caught[0])


def _real(path: PathLike) -> Path:
    return Path(os.path.realpath(path))


def _is_within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def _same(a: Path, b: Path) -> bool:
    """Same file under two spellings: symbolic links, `..`, hard links."""
    if _real(a) == _real(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _refuse_inputs(out: Path, inputs: Sequence[Path]) -> None:
    """An output that is, holds or lies inside an input would destroy it when written."""
    real_out = _real(out)
    for source in inputs:
        real_in = _real(source)
        if _same(out, source):
            message = _("this output would overwrite the input file {input}")
        elif _is_within(real_in, real_out):
            message = _("this output folder holds the input {input}")
        elif real_in.is_dir() and _is_within(real_out, real_in):
            message = _("this output lies inside the input folder {input}")
        else:
            continue
        raise OutputError(
            message.format(input=repr(str(source))),
            path=out,
            hint=_("choose another output path"),
        )


def _refuse_foreign_folder(target: Path, shown: Path) -> None:
    """A folder is replaced whole only when it is absent, empty or one b2bmail wrote."""
    if _is_within(_real(Path.cwd()), target):
        raise OutputError(
            _("cannot replace the current folder (or one that holds it)"),
            path=shown,
            hint=_("give a new folder name, e.g. --out out"),
        )
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputError(
            _("cannot write the folder: a file has that name"),
            path=shown,
            hint=_("give a folder path, or move the file away"),
        )
    try:
        empty = not any(target.iterdir())
    except OSError as exc:
        raise _cannot_write("folder", shown, exc) from None
    if not empty and not (target / MARKER).is_file():
        raise OutputError(
            _(
                "this folder was not written by b2bmail (no {marker} file) and would be replaced"
                " whole"
            ).format(marker=MARKER),
            path=shown,
            hint=_("choose a new or empty folder; nothing was deleted"),
        )


@dataclass(frozen=True)
class _Target:
    """Where an output really goes, and how."""

    path: Path
    in_place: bool  # a device, FIFO or descriptor: written into, never replaced


# Names of the process's own descriptors (`--out /dev/stdout`): whatever they point to, even a
# regular file the shell opened (`> out.csv`, `>> log`), is written into, never replaced.
DESCRIPTOR_PATHS = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/")


def _plan(path: PathLike, *, folder: bool, inputs: Iterable[PathLike | None] = ()) -> _Target:
    """The one guard every writer goes through (see the module docstring)."""
    shown = Path(path)
    _refuse_inputs(shown, [Path(i) for i in inputs if i is not None])
    if folder:
        # Symbolic links are followed: the folder they point to is replaced, the link stays.
        target = _real(shown)
        _refuse_foreign_folder(target, shown)
        return _Target(target, in_place=False)
    if shown.is_dir():
        raise OutputError(
            _("cannot write the file: it is a folder"), path=shown, hint=_("give a file name")
        )
    try:
        mode: int | None = shown.stat().st_mode  # through symbolic links
    except OSError:
        mode = None
    if (mode is not None and not stat.S_ISREG(mode)) or os.path.abspath(shown).startswith(
        DESCRIPTOR_PATHS
    ):
        return _Target(shown, in_place=True)
    # A symbolic link to a file (or to none yet) is written through: the link stays.
    return _Target(_real(shown) if shown.is_symlink() else shown, in_place=False)


def check_outputs(
    outputs: Iterable[PathLike | None],
    inputs: Iterable[PathLike | None],
    *,
    folders: Iterable[PathLike | None] = (),
) -> None:
    """Raise OutputError when an output cannot be written safely: it is, holds or lies inside
    one of `inputs` (e.g. `--report list.csv` on the list being audited), two outputs are one
    path, or a folder to replace whole is not absent, empty or b2bmail's. Call it before the
    work starts; the writers check again when they write."""
    sources = [Path(i) for i in inputs if i is not None]
    seen: list[Path] = []
    named = [(Path(o), False) for o in outputs if o is not None]
    named += [(Path(f), True) for f in folders if f is not None]
    for out, folder in named:
        _plan(out, folder=folder, inputs=sources)
        for other in seen:
            if _same(out, other):
                raise OutputError(
                    _("two outputs are given this one path"),
                    path=out,
                    hint=_("give each output its own path"),
                )
        seen.append(out)


refuse_overwriting_inputs = check_outputs  # its earlier name


@contextlib.contextmanager
def atomic_file(
    path: PathLike, *, what: str = "file", inputs: Iterable[PathLike | None] = ()
) -> Iterator[IO[bytes]]:
    """A binary handle on a temporary file next to `path` (its folder created), renamed to
    `path` when the block ends without error and removed otherwise, so neither a partial file
    nor a temporary one is left. A device or FIFO is written in place; a symbolic link is
    written through. OS errors become OutputError naming the path (`cannot write the <what>`).
    """
    shown = Path(path)
    plan = _plan(shown, folder=False, inputs=inputs)
    if plan.in_place:
        try:
            # Append: a no-op for devices and FIFOs, and it keeps what a `>>` redirection of
            # the shell behind /dev/stdout asked for (`>` has already emptied the file).
            with open(plan.path, "ab") as fh:
                yield fh
        except OSError as exc:
            raise _cannot_write(what, shown, exc) from None
        return
    target = plan.path
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _cannot_write(what, shown, exc) from None
    try:
        # mkstemp makes the file private (0600); give it the mode an ordinary open() would.
        os.chmod(tmp, 0o666 & ~_current_umask())
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        with _signals_held():
            os.replace(tmp, target)
    except BaseException as exc:
        with _signals_held(), contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _cannot_write(what, shown, exc) from None
        raise


def write_atomic(
    path: PathLike,
    data: bytes | str,
    *,
    encoding: str = "utf-8",
    inputs: Iterable[PathLike | None] = (),
) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    Raises OutputError (not a bare OSError) when the file cannot be written, so the CLI reports
    one line naming the path instead of a traceback.
    """
    payload = data.encode(encoding) if isinstance(data, str) else data
    with atomic_file(path, inputs=inputs) as fh:
        fh.write(payload)


@contextlib.contextmanager
def atomic_directory(path: PathLike, *, inputs: Iterable[PathLike | None] = ()) -> Iterator[Path]:
    """Yield a fresh staging folder; on success it replaces `path` whole, on error it vanishes.

    The previous content of `path` stays intact until the new one is complete, so a failed
    build never leaves half-written output behind. `path` must be absent, empty or a folder
    b2bmail wrote (it holds MARKER); a WRITE_FAILURES error in the block (a full disk) becomes
    OutputError.
    """
    shown = Path(path)
    target = _plan(shown, folder=True, inputs=inputs).path
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        )
    except OSError as exc:
        raise _cannot_write("folder", shown, exc) from None
    try:
        # mkdtemp makes the folder private (0700); the output is an ordinary folder for its
        # owner's umask.
        staging.chmod(0o777 & ~_current_umask())
        (staging / MARKER).write_bytes(MARKER_TEXT)
        yield staging
    except BaseException as exc:
        with _signals_held():
            shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError) and exc.errno in WRITE_FAILURES:
            raise _cannot_write("folder", shown, exc) from None
        raise
    old: Path | None = None
    with _signals_held():
        try:
            if target.exists():
                old = target.with_name(f".{target.name}.old-{os.getpid()}")
                shutil.rmtree(old, ignore_errors=True)
                os.replace(target, old)
            os.replace(staging, target)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if old is not None and not target.exists():
                os.replace(old, target)  # put the previous output back: nothing is lost
            raise _cannot_write("folder", shown, exc) from None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def csv_safe(value: object) -> object:
    """`value`, or a text value that a spreadsheet would run as a formula made inert by a
    leading apostrophe (OWASP "CSV Injection"; Excel shows the text, not the apostrophe)."""
    if isinstance(value, str) and value.startswith(CSV_FORMULA_STARTS):
        return "'" + value
    return value


def csv_unsafe(text: str) -> str:
    """The value `csv_safe` neutralised, read back: a CSV b2bmail wrote (a suppression export)
    must read as what was written, `-bob@example.com`, not `'-bob@example.com`."""
    if text.startswith("'") and text[1:].startswith(CSV_FORMULA_STARTS):
        return text[1:]
    return text


class SafeCsvWriter:
    """csv.writer whose every cell goes through `csv_safe`: the one way b2bmail writes CSV."""

    def __init__(self, stream: IO[str], **fmtparams: Any) -> None:
        self._writer = csv.writer(stream, **fmtparams)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([csv_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: IO[str], **fmtparams: Any) -> SafeCsvWriter:
    """A CSV writer on `stream` (csv.writer's format parameters) that neutralises formulas."""
    return SafeCsvWriter(stream, **fmtparams)


@dataclass(frozen=True)
class CsvLayout:
    """How a CSV report is written: its delimiter, whether it starts with a byte-order mark,
    its encoding."""

    delimiter: str = ","
    bom: bool = False
    encoding: str = "utf-8"


#: What Excel opens correctly where numbers are written 1 234,56: Windows derives its "list
#: separator" from the decimal one (`;` where the decimal separator is a comma), and Excel
#: reads a CSV as UTF-8 only when it starts with a byte-order mark (else as the ANSI code page).
EXCEL_DECIMAL_COMMA = CsvLayout(delimiter=";", bom=True, encoding="utf-8")


def numeric_locale(environ: Mapping[str, str]) -> str | None:
    """The locale numbers are written in for the user (`fr_FR.UTF-8` -> `fr_FR`), from the
    first of LC_ALL, LC_NUMERIC and LANG that is set; None when none is."""
    return posix_locale(environ, "LC_NUMERIC")


def _decimal_comma(locale: str) -> bool:
    # Babel loads only when a CSV report is written: every command imports this module.
    from babel import Locale, UnknownLocaleError
    from babel.numbers import get_decimal_symbol

    try:
        return get_decimal_symbol(Locale.parse(locale.replace("-", "_"))) == ","
    except (UnknownLocaleError, ValueError, TypeError):
        return False  # C, POSIX, a name CLDR does not know: numbers as in English


def spreadsheet_layout(locale: str | None, source: CsvLayout | None = None) -> CsvLayout:
    """The layout of every CSV report b2bmail writes for a spreadsheet: EXCEL_DECIMAL_COMMA
    when `locale` (numeric_locale) writes decimals with a comma (fr, nl, de: CLDR's number
    symbols), else as the input list was (`source`: its delimiter, BOM and encoding), else
    plain UTF-8 with commas (RFC 4180)."""
    if locale and _decimal_comma(locale):
        return EXCEL_DECIMAL_COMMA
    return source or CsvLayout()


#: The JSON documents b2bmail writes, by kind, and the version of each one's layout. A
#: program reading one checks `"schema": "b2bmail.<kind>/<version>"` first. The version goes
#: up when a key is removed, renamed or changes meaning; added keys keep it.
JSON_SCHEMAS: Mapping[str, int] = {
    "lint": 1,  # b2bmail lint --format json: {"problems": [...]}
    "rules": 1,  # b2bmail rules --format json: {"rules": [...]}
    "manifest": 1,  # OUT/manifest.json, b2bmail build --format json
    "personalize": 1,  # OUT/personalize.json, b2bmail build --per-recipient --format json
    "segment": 1,  # b2bmail segment --format json
    "audit": 1,  # b2bmail audit --format json
    "check-sender": 1,  # b2bmail check-sender --format json
}


def json_schema(kind: str) -> str:
    """The schema name of a JSON document of `kind`: `b2bmail.lint/1`."""
    return f"b2bmail.{kind}/{JSON_SCHEMAS[kind]}"


def json_document(kind: str, data: Mapping[str, Any]) -> str:
    """`data` as the JSON text of a `kind` document (one of JSON_SCHEMAS), its first key
    `"schema": "b2bmail.<kind>/<version>"`: the one way b2bmail writes JSON for people's
    programs to read (indented, UTF-8 kept as is, a final newline)."""
    document = {"schema": json_schema(kind), **{k: v for k, v in data.items() if k != "schema"}}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
