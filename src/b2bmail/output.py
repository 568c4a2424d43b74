"""Atomic output: a file or a whole folder appears complete or not at all."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from b2bmail.errors import OutputError

OUTPUT_HINT = "choose a path in a folder you can write to"


def _cannot_write(what: str, path: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        reason = "a folder on its path is a file"
    return OutputError(f"cannot write the {what}: {reason}", path=path, hint=OUTPUT_HINT)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def refuse_overwriting_inputs(
    outputs: Iterable[str | Path | None], inputs: Iterable[str | Path | None]
) -> None:
    """Raise OutputError when an output path is one of the input files: writing it would
    destroy the input (e.g. `--report list.csv` on the list being audited). Call it before
    the work starts."""
    existing = [Path(i) for i in inputs if i is not None and Path(i).exists()]
    for out in outputs:
        if out is None or not Path(out).exists():
            continue
        for source in existing:
            with contextlib.suppress(OSError):
                if os.path.samefile(out, source):
                    raise OutputError(
                        f"this output would overwrite the input file {str(source)!r}",
                        path=out,
                        hint="choose another output path",
                    )


def write_atomic(path: str | Path, data: bytes | str, *, encoding: str = "utf-8") -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    Raises OutputError (not a bare OSError) when the file cannot be written, so the CLI reports
    one line naming the path instead of a traceback.
    """
    target = Path(path)
    payload = data.encode(encoding) if isinstance(data, str) else data
    if target.is_dir():
        raise OutputError(
            "cannot write the file: it is a folder", path=target, hint="give a file name"
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _cannot_write("file", target, exc) from None
    try:
        # mkstemp makes the file private (0600); give it the mode an ordinary open() would.
        os.chmod(tmp, 0o666 & ~_current_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _cannot_write("file", target, exc) from None
        raise


@contextlib.contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Yield a fresh staging folder; on success it replaces `path` whole, on error it vanishes.

    The previous content of `path` stays intact until the new one is complete, so a failed
    build never leaves half-written output behind.
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise OutputError(
            "cannot write the folder: a file has that name",
            path=target,
            hint="give a folder path, or move the file away",
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        )
        # mkdtemp makes the folder private (0700); the output is an ordinary folder for its
        # owner's umask.
        staging.chmod(0o777 & ~_current_umask())
    except OSError as exc:
        raise _cannot_write("folder", target, exc) from None
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old: Path | None = None
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
        raise _cannot_write("folder", target, exc) from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
