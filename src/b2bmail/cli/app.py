"""The `b2bmail` Click group and the one boundary where library errors become exit code 2."""

from __future__ import annotations

import errno
import importlib
import traceback
import unicodedata
from typing import Any, NamedTuple, NoReturn

import click

from b2bmail import __version__
from b2bmail.errors import B2bmailError
from b2bmail.i18n import _
from b2bmail.signals import Terminated, stop_on_signals

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


class LazyCommand(NamedTuple):
    """Where a command lives, and its summary for `b2bmail --help`."""

    module: str
    summary: str


# Where each command lives. A command module is imported only when its command runs, so
# `b2bmail lint` never loads the build (premailer, cssutils) or the DNS code (dnspython), and a
# pre-commit hook starts fast. `b2bmail --help` lists the commands from these summaries (the first
# sentence of each command's docstring) without importing any module: importing them all took
# 0.8 s. `tests/test_cli_app.py` checks that importing every module registers exactly these
# commands, and that each summary is still the command's own short help.
COMMANDS = {
    "audit": LazyCommand(
        "b2bmail.cli.audit",
        "Score every recipient's deliverability risk from DNS (MX, gateways, SPF, DMARC).",
    ),
    "build": LazyCommand(
        "b2bmail.cli.build", "Build one email per segment: HTML, plain text and a sample .eml."
    ),
    "check-sender": LazyCommand(
        "b2bmail.cli.sender",
        "Check a sending domain's SPF, DKIM, DMARC, MTA-STS, TLS-RPT and reverse DNS.",
    ),
    "export": LazyCommand(
        "b2bmail.cli.export",
        "Export the campaign for the ESP you send through: its merge tags, unsubscribe and import CSV.",
    ),
    "init": LazyCommand("b2bmail.cli.build", "Create a new campaign folder that builds at once."),
    "lint": LazyCommand(
        "b2bmail.cli.lint",
        "Lint emails (.html, .eml, .mjml, folders, campaign .yaml) for what hurts B2B reception.",
    ),
    "preview": LazyCommand(
        "b2bmail.cli.preview",
        "Screenshot every segment with headless Chromium and write a gallery page.",
    ),
    "rules": LazyCommand(
        "b2bmail.cli.lint", "List the lint rules, or explain one with its example and its fix."
    ),
    "segment": LazyCommand(
        "b2bmail.cli.segment", "Put every row of a recipient list in exactly one bucket."
    ),
    "send": LazyCommand(
        "b2bmail.cli.send",
        "Send a campaign over SMTP, DKIM-signed and paced, each message exactly once.",
    ),
    "serve": LazyCommand(
        "b2bmail.cli.preview",
        "Serve a live preview of every segment on 127.0.0.1, rebuilt when a file changes.",
    ),
    "unsubscribe-export": LazyCommand(
        "b2bmail.cli.unsubscribe",
        "Export the unsubscribe store as a suppression CSV for `--suppress`.",
    ),
    "unsubscribe-server": LazyCommand(
        "b2bmail.cli.unsubscribe",
        "Serve the unsubscribe endpoint on 127.0.0.1, for a loopback test.",
    ),
}


def report_bug(ctx: click.Context, exc: Exception) -> NoReturn:
    """Any other exception is a bug: one line and exit 2 (never 1, which a CI gate reads as
    "found problems"); the traceback only with `--debug` or B2BMAIL_DEBUG=1."""
    if ctx.params.get("debug"):
        click.echo("".join(traceback.format_exception(exc)).rstrip("\n"), err=True)
    name = type(exc).__qualname__
    click.echo(
        f"b2bmail: internal error (a bug — please report it): {one_line(f'{name}: {exc}')}"
        " — run again with --debug to see the traceback",
        err=True,
    )
    ctx.exit(EXIT_CANNOT_RUN)


class B2bmailGroup(click.Group):
    """Turns a `B2bmailError` raised anywhere below into one line on stderr and exit 2, and any
    other exception into one line saying it is a bug (the traceback with `--debug`).

    Commands are loaded lazily from `COMMANDS` (Click's lazy-group pattern): each module
    registers its commands on `main` with `@main.command()` when it is imported.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(COMMANDS[cmd_name].module)
        return self.commands.get(cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Click's, with "Did you mean" over every command: Click suggests from the commands
        already loaded, which in a lazy group is none of them."""
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as exc:
            raise click.exceptions.NoSuchCommand(
                exc.command_name, possibilities=self.list_commands(ctx), ctx=ctx
            ) from None

    def load_all(self) -> dict[str, click.Command]:
        """Every command, each module imported (for documentation and its tests)."""
        for name in COMMANDS:
            self.get_command(click.Context(self), name)
        return dict(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The "Commands:" list of `b2bmail --help`, laid out as `click.Group` does, without
        importing the command modules: a command not loaded yet stands in as a bare
        `click.Command` holding its summary, which Click shortens to the width exactly as it
        shortens the real docstring (its first sentence)."""
        commands = [
            (name, self.commands.get(name) or click.Command(name, help=COMMANDS[name].summary))
            for name in self.list_commands(ctx)
        ]
        shown = [(name, command) for name, command in commands if not command.hidden]
        if shown:
            limit = formatter.width - 6 - max(len(name) for name, _ in shown)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in shown])

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with stop_on_signals():
                return super().invoke(ctx)
        except Terminated as exc:  # SIGTERM, SIGHUP: cleaned up like Ctrl-C
            click.echo(f"b2bmail: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except B2bmailError as exc:
            click.echo(f"b2bmail: {one_line(str(exc))}", err=True)
            ctx.exit(EXIT_CANNOT_RUN)
        except KeyboardInterrupt:
            click.echo("b2bmail: " + _("interrupted"), err=True)
            ctx.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.Abort, EOFError):
            raise  # Click's own ways out: usage errors (exit 2), ctx.exit(code), abort
        except Exception as exc:
            if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
                raise  # `b2bmail ... | head`: Click closes quietly
            report_bug(ctx, exc)


@click.group(cls=B2bmailGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="b2bmail")
@click.option(
    "--debug",
    is_flag=True,
    envvar="B2BMAIL_DEBUG",
    help="On an internal error, show the traceback (also B2BMAIL_DEBUG=1).",
)
def main(debug: bool) -> None:
    """Build, lint and audit B2B email campaigns.

    \b
    Example:
        b2bmail build examples/heavy-equipment/campaign.yaml --out out/demo
        b2bmail lint out/demo
        b2bmail audit examples/heavy-equipment/recipients.csv
    """
