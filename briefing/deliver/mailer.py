"""The mailer seam: where addressed messages go.

``SmtpMailer`` hands them to a real server over one reused connection;
``OutboxMailer`` writes each as an ``.eml`` file and opens no connection (the
dry run). Both raise ``DeliveryError``: ``temporary=True`` for what a later
run should retry (4xx replies, connection trouble), ``False`` for refusals.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Protocol

from briefing.errors import DeliveryError
from briefing.render.site import safe_path, write_file
from briefing.settings import SmtpSettings


class Mailer(Protocol):
    def __enter__(self) -> Mailer: ...

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None: ...

    def send(self, message: EmailMessage, recipient: str) -> None:
        """Hand ``message`` over for ``recipient`` or raise ``DeliveryError``."""
        ...


class OutboxMailer:
    """Writes ``<folder>/<recipient>.eml``: exactly the bytes SMTP would carry."""

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

    def send(self, message: EmailMessage, recipient: str) -> None:
        name = re.sub(r"[^A-Za-z0-9@._+-]", "_", recipient)[:200] + ".eml"
        self.written.append(write_file(safe_path(self.folder, name), message.as_bytes(policy=message.policy.clone(linesep="\r\n"))))


class SmtpMailer:
    """One SMTP connection for a whole run, opened on first use."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.connection: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.security == "ssl":
                connection: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
            else:
                connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    connection.starttls(context=ssl.create_default_context())
            if s.username:
                connection.login(s.username, s.password)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP login to {s.host}:{s.port} refused: {exc.smtp_code} {exc.smtp_error!r}; check smtp.username and BRIEFING_SMTP_PASSWORD", temporary=False) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"cannot connect to SMTP server {s.host}:{s.port}: {exc}") from None
        return connection

    def send(self, message: EmailMessage, recipient: str) -> None:
        if self.connection is None:
            self.connection = self._connect()
        try:
            refused = self.connection.send_message(message, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = exc.recipients.get(recipient, (550, b"refused"))
            raise DeliveryError(f"{recipient}: {code} {reply.decode(errors='replace')}", temporary=400 <= code < 500) from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:
                self.connection = None
            raise DeliveryError(f"{recipient}: {exc.smtp_code} {exc.smtp_error.decode(errors='replace')}", temporary=400 <= exc.smtp_code < 500) from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.connection = None
            raise DeliveryError(f"{recipient}: connection lost: {exc}") from None
        if refused:
            code, reply = refused[recipient]
            raise DeliveryError(f"{recipient}: {code} {reply.decode(errors='replace')}", temporary=400 <= code < 500)
