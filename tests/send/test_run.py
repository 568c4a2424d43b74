"""send_campaign against real aiosmtpd servers on loopback: accept, 421/451 then accept,
550 5.1.1, and a connection dropped after the end of DATA."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.send.sinks import Running, Sink

from b2bmail.errors import InputError
from b2bmail.recipients.buckets import load_suppressions
from b2bmail.send.run import SendOptions, send_campaign
from b2bmail.send.smtp import SmtpTarget, parse_target

EXAMPLE_MESSAGES = 43  # the example's 45 rows less 2 not sendable (see build --recipients)


def options(tmp_path: Path, server: Running, **kw: object) -> SendOptions:
    host, port = parse_target(server.address)
    return SendOptions(
        target=SmtpTarget(host, port, timeout=10),
        journal=tmp_path / "journal.sqlite",
        bounces=tmp_path / "bounces.txt",
        **kw,  # type: ignore[arg-type]
    )


def states(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT state, count(*) FROM messages GROUP BY state"))


def test_every_message_arrives_once_from_the_envelope_sender(
    tmp_path: Path,
    campaign: Path,
    recipients: Path,
    env: dict[str, str],
    serve: Callable[[Sink], Running],
) -> None:
    sink = Sink()
    report = send_campaign(campaign, recipients, options(tmp_path, serve(sink)))
    counts = sink.counts()
    assert len(counts) == EXAMPLE_MESSAGES and set(counts.values()) == {1}
    assert report.sent == EXAMPLE_MESSAGES
    assert {r.mail_from for r in sink.received} == {"bounce@bounces.terrano-engins.example"}
    assert states(tmp_path / "journal.sqlite") == {"sent": EXAMPLE_MESSAGES}
    with sqlite3.connect(tmp_path / "journal.sqlite") as db:
        replies = {r[0] for r in db.execute("SELECT reply FROM messages")}
    assert replies == {f"Q{i}" for i in range(1, EXAMPLE_MESSAGES + 1)}  # the queue ids
    # The same command again sends nothing.
    again = send_campaign(campaign, recipients, options(tmp_path, serve(sink)))
    assert again.sent == 0 and len(sink.received) == EXAMPLE_MESSAGES


def test_421_and_451_are_retried_then_accepted(
    tmp_path: Path,
    campaign: Path,
    recipients: Path,
    env: dict[str, str],
    serve: Callable[[Sink], Running],
) -> None:
    sink = Sink(replies=["421 4.7.0 Try again later, closing connection", "451 4.3.0 Greylisted"])
    report = send_campaign(campaign, recipients, options(tmp_path, serve(sink)))
    assert report.sent == EXAMPLE_MESSAGES and report.deferred == 0
    assert set(sink.counts().values()) == {1}
    with sqlite3.connect(tmp_path / "journal.sqlite") as db:
        deferrals = db.execute("SELECT reply FROM events WHERE state='deferred'").fetchall()
    assert sorted(r[0][:3] for r in deferrals) == ["421", "451"]


def test_550_is_a_bounce_with_its_status_in_the_suppression_file(
    tmp_path: Path,
    campaign: Path,
    recipients: Path,
    env: dict[str, str],
    serve: Callable[[Sink], Running],
) -> None:
    sink = Sink(replies=["550 5.1.1 <x>: Recipient address rejected: User unknown"])
    opts = options(tmp_path, serve(sink))
    report = send_campaign(campaign, recipients, opts)
    assert report.failed == 1 and report.sent == EXAMPLE_MESSAGES - 1
    with sqlite3.connect(opts.journal) as db:
        ((recipient, status),) = db.execute(
            "SELECT recipient, status FROM messages WHERE state='failed'"
        ).fetchall()
    assert status == "5.1.1"  # RFC 3463: bad destination mailbox address
    suppressions = load_suppressions([opts.bounces])  # what `segment --suppress` reads
    assert list(suppressions.addresses) == [recipient.lower()]


def test_connection_lost_after_data_is_uncertain_and_not_resent(
    tmp_path: Path,
    campaign: Path,
    recipients: Path,
    env: dict[str, str],
    serve: Callable[[Sink], Running],
) -> None:
    sink = Sink(drop_after_data=1)
    server = serve(sink)
    report = send_campaign(campaign, recipients, options(tmp_path, server))
    assert report.uncertain == 1 and report.sent == EXAMPLE_MESSAGES - 1
    assert len(sink.received) == EXAMPLE_MESSAGES - 1
    again = send_campaign(campaign, recipients, options(tmp_path, server))
    assert again.sent == 0 and states(tmp_path / "journal.sqlite")["uncertain"] == 1
    forced = send_campaign(campaign, recipients, options(tmp_path, server, resend_uncertain=True))
    assert forced.sent == 1 and len(sink.received) == EXAMPLE_MESSAGES
    assert states(tmp_path / "journal.sqlite") == {"sent": EXAMPLE_MESSAGES}


def test_proofs_go_to_the_proof_address_only_with_subject_prefixed(
    tmp_path: Path,
    campaign: Path,
    recipients: Path,
    env: dict[str, str],
    serve: Callable[[Sink], Running],
) -> None:
    sink = Sink()
    report = send_campaign(
        campaign, recipients, options(tmp_path, serve(sink), proof=("me@terrano-engins.example",))
    )
    assert report.sent == 4  # one per segment of the example
    assert {r.rcpt for r in sink.received} == {("me@terrano-engins.example",)}
    assert all(b"\nSubject: [PROOF] " in r.data for r in sink.received)
    assert all(r.message_id.startswith("<proof.") for r in sink.received)
    assert not (tmp_path / "journal.sqlite").exists()


def test_dry_run_sends_nothing_and_writes_no_journal(
    tmp_path: Path,
    campaign: Path,
    recipients: Path,
    env: dict[str, str],
    serve: Callable[[Sink], Running],
) -> None:
    sink = Sink()
    report = send_campaign(campaign, recipients, options(tmp_path, serve(sink), dry_run=True))
    assert report.plan.to_send == EXAMPLE_MESSAGES
    assert sum(report.plan.by_segment.values()) == EXAMPLE_MESSAGES
    assert sink.received == [] and not (tmp_path / "journal.sqlite").exists()


def test_a_journal_of_another_campaign_is_refused(
    tmp_path: Path,
    campaign: Path,
    recipients: Path,
    env: dict[str, str],
    serve: Callable[[Sink], Running],
) -> None:
    from b2bmail.send.journal import Journal

    Journal(tmp_path / "journal.sqlite", "another campaign").close()
    with pytest.raises(InputError, match="belongs to the campaign 'another campaign'"):
        send_campaign(campaign, recipients, options(tmp_path, serve(Sink())))
