"""The SMTP client: one connection per worker thread (smtplib), and one transaction written
so that the journal knows when the outcome becomes uncertain.

Submission (RFC 6409) on 587 with STARTTLS (RFC 3207), or implicit TLS on 465 (RFC 8314).
Plain SMTP is allowed to a loopback host only (a local relay or a test sink): a password or a
message never crosses a network in clear.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from b2bmail.errors import InputError
from b2bmail.i18n import _

#: RFC 3463 enhanced status code at the start of the reply text (class.subject.detail).
_ENHANCED = re.compile(rb"^([245])\.(\d{1,3})\.(\d{1,3})\b")
_CRLF = re.compile(rb"\r\n|\r|\n")
_QUEUED = re.compile(rb"queued as ([^\s;]+)", re.IGNORECASE)


def dot_stuffed(data: bytes) -> bytes:
    """The message as DATA: CRLF line ends (RFC 5321 §2.3.8), and a line starting with "."
    gets one more (§4.5.2). The regular expressions run only when needed (0.7 ms a pass on
    a 40 kB message, more than signing's share)."""
    if data.count(b"\n") != data.count(b"\r\n") or data.count(b"\r") != data.count(b"\r\n"):
        data = _CRLF.sub(b"\r\n", data)
    if data.startswith(b".") or b"\n." in data:
        data = re.sub(rb"(?m)^\.", b"..", data)
    return data


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    user: str | None = None
    password: str | None = None
    timeout: float = 60.0
    tls_context: ssl.SSLContext | None = None  # None: the system's trust store


def parse_target(text: str) -> tuple[str, int]:
    """HOST[:PORT] (default port 587); [IPv6]:PORT too."""
    host, port = text, "587"
    m = re.fullmatch(r"\[([^\]]+)\](?::(\d+))?|([^:]+)(?::(\d+))?", text)
    if not m:
        raise InputError(
            _("--smtp {value} is not HOST[:PORT]").format(value=repr(text)),
            hint=_("e.g. {example}").format(example="--smtp smtp.example.com:587"),
        )
    host = m.group(1) or m.group(3)
    port = m.group(2) or m.group(4) or port
    if not 0 < int(port) < 65536:
        raise InputError(
            _("--smtp port {port} is out of range").format(port=port), hint=_("use 587 or 465")
        )
    return host, int(port)


def is_loopback(host: str) -> bool:
    """True for localhost and addresses in 127.0.0.0/8 or ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Reply:
    """The server's answer to a transaction: code, text, and what it means for the journal."""

    code: int
    text: str
    uncertain: bool = False  # lost after the final dot: the server may hold the message

    @property
    def line(self) -> str:
        """Code and text, as the server said it."""
        return f"{self.code} {self.text}" if self.code else self.text

    @property
    def status(self) -> str:
        """The RFC 3463 enhanced status code, or '' when the reply has none."""
        m = _ENHANCED.match(self.text.encode())
        return b".".join(m.groups()).decode() if m else ""

    @property
    def queue_id(self) -> str:
        """The server's queue id (`queued as X`), else the whole reply text."""
        m = _QUEUED.search(self.text.encode())
        return m.group(1).decode() if m else self.text


def _reply(code: int, msg: bytes | str) -> Reply:
    text = msg.decode("utf-8", "replace") if isinstance(msg, bytes) else msg
    return Reply(code, " ".join(text.split()))


class Connection:
    """One SMTP session, opened on first use and reopened after the server closed it."""

    def __init__(self, target: SmtpTarget) -> None:
        self.target = target
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        """Connect, say EHLO, secure the channel and log in."""
        t = self.target
        context = t.tls_context or ssl.create_default_context()
        try:
            if t.port == 465:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    t.host, t.port, timeout=t.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(t.host, t.port, timeout=t.timeout)
            # The final dot goes out alone, after the journal's commit: without TCP_NODELAY,
            # Nagle's algorithm holds it until the body is acknowledged (a delayed ACK, up to
            # 40 ms on Linux) — a wait per message.
            if smtp.sock is not None:
                smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            smtp.ehlo()
            if t.port != 465:
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
                elif not is_loopback(t.host):
                    smtp.close()
                    raise InputError(
                        _("{server} does not offer STARTTLS").format(server=f"{t.host}:{t.port}"),
                        hint=_("use the submission port 587 with STARTTLS, or 465 (implicit TLS)"),
                    )
            if t.user is not None:
                smtp.login(t.user, t.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise InputError(
                _("{server} refused the login for {user}: {reply}").format(
                    server=f"{t.host}:{t.port}",
                    user=repr(t.user),
                    reply=f"{exc.smtp_code} {_reply(exc.smtp_code, exc.smtp_error).text}",
                ),
                hint=_("check the user and $B2BMAIL_SMTP_PASSWORD"),
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise ConnectionError(
                _("cannot connect to {server}: {error}").format(
                    server=f"{t.host}:{t.port}", error=exc
                )
            ) from exc
        self.smtp = smtp
        return smtp

    def _context(self) -> ssl.SSLContext:
        # Made only when TLS is used: loading the system's CA store costs 0.4 s a connection.
        return self.target.tls_context or ssl.create_default_context()

    def close(self) -> None:
        """QUIT politely; drop the socket if the server is gone."""
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def send(
        self, sender: str, recipient: str, data: bytes, before_dot: Callable[[], None]
    ) -> Reply:
        """One transaction. `before_dot` runs (journal: `sending`) after the body and before
        the final dot; a connection lost after it gives an `uncertain` reply.

        ConnectionError when the connection fails before the dot (nothing was delivered)."""
        smtp = self.smtp or self.open()
        try:
            code, msg = smtp.mail(sender)
            if code != 250:
                return self._refused(code, msg)
            code, msg = smtp.rcpt(recipient)
            if code not in (250, 251):
                return self._refused(code, msg)
            code, msg = smtp.docmd("DATA")
            if code != 354:
                return self._refused(code, msg)
            body = dot_stuffed(data)
            if not body.endswith(b"\r\n"):
                body += b"\r\n"
            smtp.send(body)
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise ConnectionError(
                _("connection lost before the end of DATA: {error}").format(error=exc)
            ) from exc
        before_dot()
        try:
            smtp.send(b".\r\n")
            code, msg = smtp.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            return Reply(
                0,
                _("connection lost after the end of DATA: {error}").format(error=exc),
                uncertain=True,
            )
        if code == 421:
            self._drop()
        return _reply(code, msg)

    def _refused(self, code: int, msg: bytes) -> Reply:
        if code == 421:  # RFC 5321 §3.8: the server is closing the channel
            self._drop()
        elif self.smtp is not None:
            try:
                self.smtp.rset()
            except (OSError, smtplib.SMTPException):
                self._drop()
        return _reply(code, msg)

    def _drop(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError):
                self.smtp.close()
            self.smtp = None
