"""The `b2bmail` Click group and the one boundary where library errors become exit code 2."""

from __future__ import annotations

import unicodedata
from typing import Any

import click

from b2bmail import __version__
from b2bmail.errors import B2bmailError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_CANNOT_RUN = 2


def one_line(text: str) -> str:
    """Escape control characters and line separators (a file name or a value read from a file
    may hold them) so the error stays on one line."""
    return "".join(
        ascii(char)[1:-1] if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char
        for char in text
    )


class B2bmailGroup(click.Group):
    """Turns a `B2bmailError` raised anywhere below into one line on stderr and exit 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except B2bmailError as exc:
            click.echo(f"b2bmail: {one_line(str(exc))}", err=True)
            ctx.exit(EXIT_CANNOT_RUN)
        except KeyboardInterrupt:
            click.echo("b2bmail: interrupted", err=True)
            ctx.exit(130)


@click.group(cls=B2bmailGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="b2bmail")
def main() -> None:
    """Build, lint and audit B2B email campaigns.

    \b
    Example:
        b2bmail build examples/heavy-equipment/campaign.yaml --out out/demo
        b2bmail lint out/demo
        b2bmail audit examples/heavy-equipment/recipients.csv
    """
