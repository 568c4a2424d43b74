"""Options shared by several commands, spelled the same way everywhere."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def format_option(*choices: str, default: str | None = None) -> Callable[[F], F]:
    """`--format` with the given choices (default: `text`, for people)."""

    def decorator(func: F) -> F:
        return click.option(
            "--format",
            "output_format",
            type=click.Choice(choices),
            default=default or "text",
            show_default=True,
            help="Output format.",
        )(func)

    return decorator


def out_option(
    help_text: str = "Write the report to this file (atomically) instead of stdout.",
) -> Callable[[F], F]:
    def decorator(func: F) -> F:
        return click.option(
            "--out",
            "out_path",
            type=click.Path(dir_okay=False, writable=True),
            default=None,
            help=help_text,
        )(func)

    return decorator


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()
