"""The `b2bmail` Click group and the one boundary where library errors become exit code 2.

Also the language of a run: `--lang` on the group and on every command, help texts translated
when they are shown (the English source stays in the code), and Click's own words ("Usage:",
"Error: …") looked up in b2bmail's catalogues.
"""

from __future__ import annotations

import copy
import errno
import gettext
import importlib
import inspect
import os
import sys
import traceback
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, NoReturn

import click

from b2bmail import __version__
from b2bmail.cli.verbosity import QUIET_OPTION, VERBOSE, VERBOSE_OPTION, say, timed
from b2bmail.errors import B2bmailError
from b2bmail.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    LOCALE_VARIABLES,
    UnknownLanguage,
    _,
    choose_language,
    current_language,
    ngettext,
    set_language,
    using,
)
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


def fail(ctx: click.Context, message: str) -> NoReturn:
    """Bad input found while Click reads the command line: one line on stderr and exit 2."""
    click.echo(f"b2bmail: {one_line(message)}", err=True)
    ctx.exit(EXIT_CANNOT_RUN)


# `ctx.meta` is shared by the group's context and its command's: what `--lang` decided.
LANG_FROM_OPTION = "b2bmail.lang_from_option"
LANG_ERROR = "b2bmail.lang_error"


def _choose_lang(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """`--lang`: eager, so the language is set before the command is looked up (and its module
    imported) and before `--help` is shown. Without it the environment decided already
    (`B2bmailGroup.parse_args`)."""
    if value is None:
        return
    try:
        set_language(choose_language(value))
    except UnknownLanguage as exc:
        fail(ctx, str(exc))
    ctx.meta[LANG_FROM_OPTION] = True
    ctx.meta.pop(LANG_ERROR, None)  # --lang wins over a B2BMAIL_LANG b2bmail does not speak


#: Added to the group and to every command (`TranslatedCommand.get_params`), so that both
#: `b2bmail --lang fr build …` and `b2bmail build --lang fr …` work; `RUN_OPTIONS` too.
LANG_OPTION = click.Option(
    ["--lang"],
    metavar="[" + "|".join(LANGUAGES) + "]",
    is_eager=True,
    expose_value=False,
    callback=_choose_lang,
    help="Language of the messages and the help (default: B2BMAIL_LANG, else LC_ALL,"
    " LC_MESSAGES or LANG, else English).",
)


#: What every command takes, before or after the command name: the language and how much
#: the run says (b2bmail.cli.verbosity).
RUN_OPTIONS = (LANG_OPTION, QUIET_OPTION, VERBOSE_OPTION)


def rewrite_help(text: str, translate: Callable[[str], str] = _) -> str:
    """`text` (a Click help text) with each message passed through `translate`.

    A message is a paragraph, its white space collapsed (Click wraps it again), or, in a `\\b`
    block that Click shows as written (the examples), each line that is not indented (a heading
    such as "Example:"); the indented command lines stay as they are. The catalogue is
    extracted with the same function (`help_texts`), so the two cannot disagree."""
    paragraphs = []
    for paragraph in _as_shown(text).split("\n\n"):
        lines = paragraph.splitlines()
        if lines and lines[0] == "\b":
            paragraphs.append(
                "\n".join(
                    line if line == "\b" or not line or line[0].isspace() else translate(line)
                    for line in lines
                )
            )
        else:
            paragraphs.append(translate(" ".join(paragraph.split())))
    return "\n\n".join(paragraphs)


def _as_shown(text: str) -> str:
    """A help text as Click shows it: indentation removed, cut at the first form feed."""
    return inspect.cleandoc(text).partition("\f")[0]


def _in_language(param: click.Parameter) -> click.Parameter:
    """A copy of `param` whose help is in the current language (the original stays English)."""
    text = getattr(param, "help", None)
    if not text:
        return param
    shown = copy.copy(param)
    shown.help = _(text)
    return shown


class TranslatedCommand(click.Command):
    """A command whose help is translated when it is shown, and which takes `--lang`.

    The English help stays in the code (docstrings, `help=`) and is what the documentation is
    generated from; `help_texts` collects it for the catalogue."""

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        params = super().get_params(ctx)
        # A command with a `--lang` of its own keeps it (unsubscribe-server: the pages'
        # language); `b2bmail --lang …` still sets the messages' language there.
        taken = {opt for param in params for opt in param.opts}
        added = [option for option in RUN_OPTIONS if not taken & set(option.opts)]
        # Before --help, which Click puts last.
        at = len(params) - 1 if params and params[-1] is self.get_help_option(ctx) else len(params)
        return [*params[:at], *added, *params[at:]]

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        # Click creates it once, with its help text translated at that moment; made in English,
        # it is translated like every other option each time it is shown.
        with using(DEFAULT_LANGUAGE):
            return super().get_help_option(ctx)

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        shown = copy.copy(self)
        shown.help = rewrite_help(self.help) if self.help else self.help
        super(TranslatedCommand, shown).format_help_text(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        # The summary (first sentence) is the message, as `COMMANDS` holds it; shortened to
        # the width after translation.
        summary = super().get_short_help_str(limit=sys.maxsize)
        shown = copy.copy(self)
        shown.help, shown.short_help = _(summary), None
        return super(TranslatedCommand, shown).get_short_help_str(limit)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            param.get_help_record(ctx)
            for param in map(_in_language, self.get_params(ctx))
            if not isinstance(param, click.Argument)
        ]
        if shown := [row for row in rows if row is not None]:
            with formatter.section(_("Options")):
                formatter.write_dl(shown)

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        shown = copy.copy(self)
        shown.params = [_in_language(param) for param in self.params]
        super(TranslatedCommand, shown).format_arguments(ctx, formatter)

    def invoke(self, ctx: click.Context) -> Any:
        # B2BMAIL_LANG names a language b2bmail does not speak. The group leaves it to its
        # command, so that `b2bmail build --lang fr` still overrides the variable.
        if isinstance(self, click.Group):
            return super().invoke(ctx)
        if LANG_ERROR in ctx.meta:
            fail(ctx, ctx.meta[LANG_ERROR])
        say(
            _("b2bmail {version} {command}, messages in {language}").format(
                version=__version__, command=self.name, language=current_language()
            ),
            VERBOSE,
        )
        with timed(f"b2bmail {self.name}"):
            return super().invoke(ctx)


#: Click's modules that write Click's own words through `gettext` (see `speak_clicks_words`).
CLICK_MODULES = (
    "core", "decorators", "exceptions", "formatting", "parser", "shell_completion", "termui",
    "types", "utils", "_termui_impl",
)  # fmt: skip


def speak_clicks_words() -> None:
    """Click's own words ("Usage:", "Error: …", "No such option …", "Did you mean …") in the
    run's language.

    Click looks them up with the stdlib `gettext.gettext`/`ngettext`, bound as `_`/`ngettext`
    in each of its modules: those read the process-wide default domain and the POSIX locale,
    not `--lang` nor b2bmail's catalogues. Pointing the names at `b2bmail.i18n` makes Click
    follow the run's language; its messages are in the `cli` catalogue, extracted from Click's
    own source by tools/catalogues.py."""
    for name in CLICK_MODULES:
        names = vars(importlib.import_module(f"click.{name}"))
        if names.get("_") is gettext.gettext:
            names["_"] = _
        if names.get("ngettext") is gettext.ngettext:
            names["ngettext"] = ngettext


speak_clicks_words()


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
    message = _(
        "internal error (a bug — please report it): {error}"
        " — run again with --debug to see the traceback"
    ).format(error=one_line(f"{name}: {exc}"))
    click.echo(f"b2bmail: {message}", err=True)
    ctx.exit(EXIT_CANNOT_RUN)


class B2bmailGroup(TranslatedCommand, click.Group):
    """Turns a `B2bmailError` raised anywhere below into one line on stderr and exit 2, and any
    other exception into one line saying it is a bug (the traceback with `--debug`).

    Commands are loaded lazily from `COMMANDS` (Click's lazy-group pattern): each module
    registers its commands on `main` with `@main.command()` when it is imported, as a
    `TranslatedCommand` (help in the run's language, `--lang`).
    """

    command_class = TranslatedCommand

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # One run, one language: the caller's is back afterwards (a test, or a program that
        # runs several commands in one process, is not left in the last run's language).
        with using(current_language()):
            return super().main(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # The language from the environment, before Click reads anything: `--help` is eager
        # and may be shown before `--lang` is processed (which then overrides this choice).
        # When no variable names one, the language stays as it is: English in a new process,
        # the caller's inside `i18n.using()`.
        if any(os.environ.get(name) for name in ("B2BMAIL_LANG", *LOCALE_VARIABLES)):
            try:
                set_language(choose_language())
            except UnknownLanguage as exc:
                # Reported when a command runs (`TranslatedCommand.invoke`), unless --lang
                # is given.
                set_language(DEFAULT_LANGUAGE)
                ctx.meta[LANG_ERROR] = str(exc)
        return super().parse_args(ctx, args)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)  # TranslatedCommand's, before click.Group's
        self.format_commands(ctx, formatter)

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
        `TranslatedCommand` holding its summary, translated, then shortened to the width exactly
        as Click shortens the real docstring (its first sentence)."""
        commands = [
            (name, self.commands.get(name) or TranslatedCommand(name, help=COMMANDS[name].summary))
            for name in self.list_commands(ctx)
        ]
        shown = [(name, command) for name, command in commands if not command.hidden]
        if shown:
            limit = formatter.width - 6 - max(len(name) for name, _ in shown)
            with formatter.section(_("Commands")):
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
@click.version_option(__version__, prog_name="b2bmail", help="Show the version and exit.")
@click.option(
    "--debug",
    is_flag=True,
    envvar="B2BMAIL_DEBUG",
    help="On an internal error, show the traceback (also B2BMAIL_DEBUG=1).",
)
def main(debug: bool) -> None:
    """Build, lint and audit B2B email campaigns.

    -q/--quiet prints only what was asked for (the report or --format output, on stdout or in
    --out, and the findings) and errors: no summaries, progress bars, "created …" or "next: …"
    lines, nor warnings that are not findings. -v/--verbose also prints, on stderr, what a run
    did: each file written, timings, the DNS resolver, what was skipped and why. Both go before
    or after the command name, not together; exit codes are the same.

    \b
    Example:
        b2bmail build examples/heavy-equipment/campaign.yaml --out out/demo
        b2bmail lint out/demo
        b2bmail audit examples/heavy-equipment/recipients.csv
    """


def help_messages(text: str) -> list[str]:
    """The messages `rewrite_help` translates in `text`, in order."""
    found: list[str] = []

    def keep(message: str) -> str:
        found.append(message)
        return message

    rewrite_help(text, keep)
    return found


def help_texts() -> Iterator[tuple[str, str]]:
    """Every message of the help, with where it comes from: the group's and each command's help
    text, summary and option help, and the `COMMANDS` summaries (tools/catalogues.py adds them
    to the `cli` catalogue: they are read from the Click objects, not `_()` calls)."""
    with using(DEFAULT_LANGUAGE):
        # Each command's context under the group's, as Click makes it on a real run: Click
        # caches a command's help option from the first context that asks for it, and a
        # context without the group's settings would cache `--help` without `-h`.
        group = main.make_context("b2bmail", [], resilient_parsing=True)
        for command in (main, *main.load_all().values()):
            callback = command.callback
            assert callback is not None, command.name
            where = callback.__module__.removeprefix("b2bmail.").replace(".", "/") + ".py"
            found = help_messages(command.help or "")
            found.append(command.get_short_help_str(limit=sys.maxsize))
            found.extend(
                text
                for param in command.get_params(
                    group
                    if command is main
                    else command.make_context(
                        command.name, [], parent=group, resilient_parsing=True
                    )
                )
                if (text := getattr(param, "help", None))
            )
            yield from ((message, where) for message in found if message)
        yield from ((entry.summary, "cli/app.py") for entry in COMMANDS.values())
