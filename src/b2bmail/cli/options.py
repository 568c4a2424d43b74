"""Options shared by several commands, spelled the same way everywhere."""

from __future__ import annotations

import functools
import math
import sys
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from b2bmail.cli.app import LANG_FROM_OPTION, one_line
from b2bmail.cli.verbosity import VERBOSE, say, shows
from b2bmail.i18n import DEFAULT_LANGUAGE, _, set_language

if TYPE_CHECKING:
    from b2bmail.deliverability.dns.resolver import ResolverSettings

F = TypeVar("F", bound=Callable[..., Any])

#: Output formats a program reads. Their human text (messages, reasons) stays English unless
#: `--lang` asks otherwise (issue 18): a CI job or a script on a French desktop must get the
#: same output as everywhere else; keys, codes and syntax are never translated anyway.
MACHINE_FORMATS = frozenset({"json", "sarif", "junit", "github", "csv"})


def _format_chosen(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """`--format`: a machine format switches the run to English unless the language came from
    `--lang` (B2BMAIL_LANG and LANG describe the person, not the program reading the output).
    Every command with a machine format takes it through `format_option`: one place."""
    if value in MACHINE_FORMATS and not ctx.meta.get(LANG_FROM_OPTION):
        set_language(DEFAULT_LANGUAGE)
    return value


def format_option(*choices: str, default: str | None = None) -> Callable[[F], F]:
    """`--format` with the given choices (default: `text`, for people)."""

    def decorator(func: F) -> F:
        return click.option(
            "--format",
            "output_format",
            type=click.Choice(choices),
            default=default or "text",
            show_default=True,
            callback=_format_chosen,
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


def port_option(default: int) -> Callable[[F], F]:
    """`--port N` for a server on 127.0.0.1 (0 picks a free port)."""

    def decorator(func: F) -> F:
        return click.option(
            "--port",
            type=click.IntRange(0, 65535),
            default=default,
            show_default=True,
            help="Port on 127.0.0.1 (0 picks a free one).",
        )(func)

    return decorator


MAX_TIMEOUT = 60.0
CONTROL_ZONE_ENV = "B2BMAIL_CONTROL_ZONE"


def _timeout(ctx: click.Context, param: click.Parameter, value: float) -> float:
    # FloatRange lets nan through (every comparison with nan is false); nan, like inf before
    # the upper bound, made a silent server hang the run for ever.
    if math.isnan(value):
        raise click.BadParameter(
            _("{value} is not a number of seconds between 0 and {limit} — e.g. --timeout 3").format(
                value=value, limit=f"{MAX_TIMEOUT:g}"
            )
        )
    return value


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def _show_warning(
    default: Callable[..., None],
    message: Warning | str,
    category: type[Warning],
    *args: Any,
    **kwargs: Any,
) -> None:
    from b2bmail.deliverability.dns.answers import DnsWarning

    if issubclass(category, DnsWarning):
        # A damaged cache rebuilt, a nameserver dropped: not findings, so not with -q.
        warning = _("warning: {message}").format(message=one_line(str(message)))
        say(f"b2bmail: {warning}", err=True)
    else:
        default(message, category, *args, **kwargs)


def describe_resolver(settings: ResolverSettings) -> str:
    """-v: the DNS servers asked (the system's, read as the resolver will), and the cache."""
    from b2bmail.deliverability.dns.cache import default_cache_path
    from b2bmail.deliverability.dns.resolver import system_nameservers
    from b2bmail.errors import B2bmailError

    servers = settings.nameservers
    if not servers:
        try:
            servers = tuple(f"{ns.host}:{ns.port}" for ns in system_nameservers())
        except B2bmailError:
            servers = ()  # said when a query needs one; a send without DNS does not
    cache = (settings.cache_path or default_cache_path()) if settings.use_cache else _("off")
    return _(
        "DNS resolver: {servers} (timeout {timeout} s, {concurrency} at once,"
        " control zone {zone}), cache: {cache}{refresh}"
    ).format(
        servers=", ".join(servers) or _("none"),
        timeout=f"{settings.timeout:g}",
        concurrency=settings.concurrency,
        zone=settings.control_zone,
        cache=cache,
        refresh=_(", refreshed") if settings.refresh else "",
    )


def resolver_options(func: F) -> F:
    """`--nameserver`, `--timeout`, `--concurrency`, `--no-cache`, `--refresh`, `--control-zone`
    for DNS commands.

    The command receives them as one `resolver_settings: ResolverSettings` parameter; call
    `resolver_settings.open()` for a `DnsResolver` (and `close()` it when done).
    """
    from b2bmail.deliverability.dns.answers import (
        DEFAULT_CONCURRENCY,
        DEFAULT_TIMEOUT,
        DnsWarning,
    )

    @functools.wraps(func)
    def wrapper(
        *args: Any,
        nameservers: tuple[str, ...],
        timeout: float,
        concurrency: int,
        no_cache: bool,
        refresh: bool,
        control_zone: str,
        **kwargs: Any,
    ) -> Any:
        # dnspython loads when a DNS command runs, not when Click builds it (--help).
        from b2bmail.deliverability.dns.resolver import ResolverSettings

        kwargs["resolver_settings"] = settings = ResolverSettings(
            nameservers=nameservers,
            timeout=timeout,
            concurrency=concurrency,
            use_cache=not no_cache,
            refresh=refresh,
            control_zone=control_zone,
        )
        if shows(VERBOSE):
            say(describe_resolver(settings), VERBOSE)
        # The library warns (a damaged DNS cache rebuilt, a nameserver dropped); the command
        # says so in one line each.
        with warnings.catch_warnings():
            warnings.simplefilter("always", DnsWarning)
            warnings.showwarning = functools.partial(_show_warning, warnings.showwarning)
            return func(*args, **kwargs)

    options = [
        click.option(
            "--nameserver",
            "nameservers",
            multiple=True,
            metavar="IP[:PORT]",
            help="DNS server to ask (repeatable; default: the system's resolvers).",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0, max=MAX_TIMEOUT, min_open=True),
            callback=_timeout,
            default=DEFAULT_TIMEOUT,
            show_default=True,
            help="Seconds to wait for each DNS answer before trying again.",
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(min=1),
            default=DEFAULT_CONCURRENCY,
            show_default=True,
            help="DNS queries in flight at once (32 for a public resolver that rate-limits"
            " each client).",
        ),
        click.option(
            "--no-cache", is_flag=True, help="Neither read nor write the DNS answer cache."
        ),
        click.option(
            "--refresh",
            is_flag=True,
            help="Ask DNS again even for cached answers (and update the cache).",
        ),
        click.option(
            "--control-zone",
            default=".",
            show_default=True,
            envvar=CONTROL_ZONE_ENV,
            show_envvar=True,
            metavar="ZONE",
            help="Before the first query, the resolver must find this zone's SOA and no"
            " random name under it, or the command stops (exit 2): a dead resolver, or one"
            " that rewrites answers. Name a zone it serves when it is not a recursive"
            " resolver.",
        ),
    ]
    decorated: Any = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated


def encoding_options(func: F) -> F:
    """`--encoding` and `--delimiter`, shared by the commands that read a recipient list."""
    func = click.option(
        "--delimiter",
        default=None,
        help="Force the column delimiter: ',', ';', 'tab' (default: detected from the header).",
    )(func)
    return click.option(
        "--encoding",
        default=None,
        help="Force the text encoding, e.g. utf-8 or cp1252 (default: UTF-8, else Windows-1252).",
    )(func)


def join_options(*, with_recipients: bool = False) -> Callable[[F], F]:
    """`--companies` and `--suppress`: what joins and filters a recipient list, the same for
    every command that reads one (segment, build, send, export). `with_recipients`: the
    command reads a list only when --recipients is given, and the help says so."""

    def explain(text: str) -> str:
        return f"With --recipients: {text}" if with_recipients else text[0].upper() + text[1:]

    def decorate(func: F) -> F:
        func = click.option(
            "--suppress",
            multiple=True,
            type=click.Path(dir_okay=False),
            help=explain("suppression list: one address, @domain or domain per line (repeatable)."),
        )(func)
        return click.option(
            "--companies",
            type=click.Path(dir_okay=False),
            default=None,
            help=explain(
                "companies CSV joined on company id or e-mail domain (fields: company.<key>)."
            ),
        )(func)

    return decorate


def recipient_options(func: F) -> F:
    """The `build` options for per-recipient output (--recipients, --per-recipient, --mbox,
    --companies, --suppress) and the list-reading ones."""
    func = join_options(with_recipients=True)(encoding_options(func))
    options = [
        click.option(
            "--mbox",
            type=click.Path(dir_okay=False),
            default=None,
            help="With --recipients: write all messages to this mbox file instead of .eml files.",
        ),
        click.option(
            "--per-recipient",
            is_flag=True,
            help="With --recipients: one .eml per recipient in OUT/<segment>/.",
        ),
        click.option(
            "--recipients",
            type=click.Path(dir_okay=False),
            default=None,
            help="Recipient list (CSV/TSV) to personalise the campaign for.",
        ),
    ]
    for option in options:
        func = option(func)
    return func
