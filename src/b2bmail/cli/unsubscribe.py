"""`b2bmail` commands: the unsubscribe endpoint on loopback, and its suppression export."""

from __future__ import annotations

from pathlib import Path

import click

from b2bmail.cli.app import main
from b2bmail.cli.options import port_option
from b2bmail.cli.verbosity import say, sayer
from b2bmail.i18n import _, ngettext


@main.command("unsubscribe-server")
@click.option(
    "--store",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The suppression store (SQLite; created if missing).",
)
@click.option(
    "--campaign",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Show the pages in this campaign's language (its locale).",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "fr", "de", "nl"]),
    help="Language of the pages when no --campaign is given.  [default: en]",
)
@port_option(8058)
def unsubscribe_server(store: Path, campaign: Path | None, lang: str | None, port: int) -> None:
    """Serve the unsubscribe endpoint on 127.0.0.1, for a loopback test.

    Checks each link's token with $B2BMAIL_UNSUBSCRIBE_SECRET and records the address in
    the store. In production, run `b2bmail.unsubscribe.create_app` under a WSGI server
    instead (the manual, Deploy the unsubscribe endpoint). Ctrl-C stops it.

    \b
    Example:
        B2BMAIL_UNSUBSCRIBE_SECRET=… b2bmail unsubscribe-server --store optout.sqlite
        b2bmail unsubscribe-server --store optout.sqlite --campaign campaign.yaml --port 0
    """
    import signal
    import threading
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from b2bmail.signals import STOP_SIGNALS, Terminated, handlers_replaced
    from b2bmail.unsubscribe import campaign_language, create_app

    if campaign is not None and lang is not None:
        raise click.UsageError(_("give --campaign or --lang, not both"))
    language = campaign_language(campaign) if campaign is not None else lang or "en"
    app = create_app(store, lang=language)

    log = sayer(err=True)

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            # One line per request on stderr, without the query string (it holds the address).
            log(f"{self.command} {self.path.partition('?')[0]} {args[1]}")

    received: list[int] = []

    def stop(signum: int, frame: object) -> None:
        # wsgiref catches every exception raised while a request is served (KeyboardInterrupt
        # included) and keeps serving, so a signal asks the loop to stop from another thread
        # instead of raising in the middle of a request.
        received.append(signum)
        threading.Thread(target=server.shutdown, daemon=True).start()

    with make_server("127.0.0.1", port, app, handler_class=QuietHandler) as server:
        url = f"http://127.0.0.1:{server.server_port}/"
        click.echo(
            _("Unsubscribe endpoint at {url} — press Ctrl-C to stop").format(
                url=f"{url}u/<token>?e=<address>"
            )
        )
        with handlers_replaced((signal.SIGINT, *STOP_SIGNALS), stop):
            server.serve_forever()
    if received and received[0] != signal.SIGINT:
        raise Terminated(received[0])  # SIGTERM, SIGHUP: exit 128 + N as every command does
    say(_("Unsubscribe endpoint stopped."))


@main.command("unsubscribe-export")
@click.argument("store", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The suppression CSV to write (replaced atomically).",
)
def unsubscribe_export(store: Path, out_path: Path) -> None:
    """Export the unsubscribe store as a suppression CSV for `--suppress`.

    \b
    Example:
        b2bmail unsubscribe-export optout.sqlite --out optout.csv
        b2bmail segment list.csv --segments segments.yaml --suppress optout.csv
    """
    from b2bmail.unsubscribe import SuppressionStore, export_suppressions

    count = export_suppressions(SuppressionStore(store), out_path)
    say(
        ngettext("{n} address(es) -> {path}", "{n} address(es) -> {path}", count).format(
            n=count, path=out_path
        )
    )
