"""The mailer seam: where addressed messages go.

``SmtpMailer`` hands them to a real server over one reused connection;
``OutboxMailer`` writes each as an ``.eml`` file and opens no connection (the
dry run). Both raise ``DeliveryError``: ``temporary=True`` for what a later
run should retry (4xx replies, connection trouble), ``False`` for refusals.
``ConnectionFailed`` (a ``DeliveryError``) means no session could be had at
all (connect, TLS or login), so nobody's message was judged.

Each mailer says how long to leave between two messages (``interval``, from
``smtp.rate_per_minute``); the delivery loop does the waiting, so that a stop
request cuts the wait short and dry runs are not slowed down.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Protocol

from briefing.deliver.encoded import Outgoing
from briefing.errors import ConnectionFailed, DeliveryError
from briefing.render.site import safe_path, write_file
from briefing.settings import SmtpSettings


class Mailer(Protocol):
    interval: float  # seconds to leave between two messages (the send-rate limit)

    def __enter__(self) -> Mailer: ...

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None: ...

    def send(self, message: Outgoing | EmailMessage, recipient: str) -> None:
        """Hand ``message`` over for ``recipient`` or raise ``DeliveryError``."""
        ...


def eml_bytes(message: Outgoing | EmailMessage) -> bytes:
    """The bytes SMTP carries for ``message``: CRLF line ends, as smtplib sends them."""
    if isinstance(message, Outgoing):
        return message.data  # encoded once for the edition: never serialised again
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


class OutboxMailer:
    """Writes ``<folder>/<recipient>.eml``: exactly the bytes SMTP would carry."""

    interval = 0.0

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.written: list[Path] = []

    def __enter__(self) -> OutboxMailer:
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in self.folder.glob("*.eml"):
            stale.unlink()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        return None

    def send(self, message: Outgoing | EmailMessage, recipient: str) -> None:
        name = re.sub(r"[^A-Za-z0-9@._+-]", "_", recipient)[:200] + ".eml"
        self.written.append(write_file(safe_path(self.folder, name), eml_bytes(message)))


class SmtpMailer:
    """One SMTP connection for a whole run, opened on first use and reopened after a drop."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.connection: smtplib.SMTP | None = None
        self.interval = 60.0 / settings.rate_per_minute if settings.rate_per_minute else 0.0

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None

    def _drop(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        connection: smtplib.SMTP | None = None
        try:
            if s.security == "ssl":
                connection = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
            else:
                connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    connection.starttls(context=ssl.create_default_context())
            if s.username:
                connection.login(s.username, s.password)
        except smtplib.SMTPAuthenticationError as exc:
            _close(connection)
            raise ConnectionFailed(f"SMTP login to {s.host}:{s.port} refused: {exc.smtp_code} {exc.smtp_error!r}; "
                                   "check smtp.username and BRIEFING_SMTP_PASSWORD", temporary=False) from None
        except (OSError, smtplib.SMTPException) as exc:
            _close(connection)
            raise ConnectionFailed(f"cannot connect to SMTP server {s.host}:{s.port} ({s.security}): {exc}") from None
        return connection

    def send(self, message: Outgoing | EmailMessage, recipient: str) -> None:
        if self.connection is None:
            self.connection = self._connect()
        try:
            if isinstance(message, Outgoing):  # ASCII addresses only: what send_message would send, as is
                refused = self.connection.sendmail(message.sender, [recipient], message.data)
            else:
                refused = self.connection.send_message(message, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = exc.recipients.get(recipient, (550, b"refused"))
            raise _refusal(recipient, code, reply) from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing the session
                self._drop()
            raise _refusal(recipient, exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise DeliveryError(f"{recipient}: connection lost: {exc}") from None
        if refused:
            code, reply = refused[recipient]
            raise _refusal(recipient, code, reply)


def _refusal(recipient: str, code: int, reply: bytes | str) -> DeliveryError:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    return DeliveryError(f"{recipient}: {code} {text}", temporary=400 <= code < 500)


def _close(connection: smtplib.SMTP | None) -> None:
    if connection is not None:
        connection.close()
