"""How much a run says: `-q/--quiet` and `-v/--verbose`, on the group and on every command
(`TranslatedCommand.get_params`, as `--lang`), and `say`, the one way a command prints what is
not its result.

A command prints its result (the report or `--format` output, its findings) with `click.echo`;
everything else (summaries, "created …", progress bars, warnings that are not findings, and the
details `-v` adds) goes through `say` or `shows`, so that one switch governs every command.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from b2bmail.i18n import _

#: Quiet: the result and errors only. Normal: as without either option. Verbose: what someone
#: debugging a run wants (each file written, timings, the resolver, what was skipped and why).
QUIET, NORMAL, VERBOSE = -1, 0, 1

# `ctx.meta` is shared by the group's context and its command's: `b2bmail -q build …` and
# `b2bmail build -q …` set the same level, and `b2bmail -q build -v` is caught as a conflict.
VERBOSITY = "b2bmail.verbosity"


def _level_option(names: list[str], level: int, help_text: str) -> click.Option:
    """A flag that sets the run's level; the other level's flag already given is a usage error
    (exit 2)."""

    def choose(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if not value:
            return
        if ctx.meta.get(VERBOSITY, level) != level:
            raise click.UsageError(
                _("-q/--quiet and -v/--verbose cannot be used together — give one of them"), ctx
            )
        ctx.meta[VERBOSITY] = level

    return click.Option(names, is_flag=True, expose_value=False, callback=choose, help=help_text)


#: Added, with `VERBOSE_OPTION`, to the group and to every command.
QUIET_OPTION = _level_option(
    ["-q", "--quiet"],
    QUIET,
    "Print only the result (the report, the findings) and errors: no summaries, progress"
    " bars, notes or warnings that are not findings. Exit codes are unchanged.",
)
VERBOSE_OPTION = _level_option(
    ["-v", "--verbose"],
    VERBOSE,
    "Also print, on stderr, what the run did: each file written, timings, the DNS resolver,"
    " what was skipped and why.",
)


def verbosity() -> int:
    """The level of the run (`NORMAL` outside a command, e.g. in a library caller's thread)."""
    ctx = click.get_current_context(silent=True)
    level: int = ctx.meta.get(VERBOSITY, NORMAL) if ctx is not None else NORMAL
    return level


def shows(level: int) -> bool:
    """Whether the run prints messages of `level` (a progress bar is shown when `NORMAL` is)."""
    return verbosity() >= level


def sayer(level: int = NORMAL, *, err: bool = False) -> Callable[[str], None]:
    """`say` at `level` with the run's verbosity read now, for a callback the library calls
    from another thread (the preview server's watcher), where Click's context is not set."""
    shown = shows(level)

    def tell(message: str) -> None:
        if shown:
            click.echo(message, err=err or level >= VERBOSE)

    return tell


def say(message: str, level: int = NORMAL, *, err: bool = False) -> None:
    """Print `message` (not the result) unless the run is quieter than `level`. Verbose details
    go to stderr, so that stdout stays the result (a JSON document stays one)."""
    sayer(level, err=err)(message)


@contextmanager
def timed(stage: str) -> Iterator[None]:
    """With `-v`: how long `stage` took, on stderr, once it is over (a command ends with
    `SystemExit` or `ctx.exit` too). Not on an error, whose line stays the last one. Two clock
    reads, no other work."""
    started = time.perf_counter()
    try:
        yield
    except (SystemExit, click.exceptions.Exit):
        _tell_time(stage, started)
        raise
    _tell_time(stage, started)


def _tell_time(stage: str, started: float) -> None:
    seconds = f"{time.perf_counter() - started:.2f}"
    say(_("{stage}: {seconds} s").format(stage=stage, seconds=seconds), VERBOSE)
