"""The confirmation email of a sign-up: plain text, one link, through the SMTP settings.

It is sent after the response has gone out (a background task), so the
answer to ``POST /subscribe`` takes the same time whether or not a mail was
due, and a slow or failing mail server never shows in it: a failure is
logged, and the person may simply sign up again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from jinja2 import Environment

from briefing.clock import Clock
from briefing.deliver.ledger import hand_over
from briefing.deliver.mailer import Mailer
from briefing.deliver.message import sender_domain
from briefing.render.environment import render
from briefing.settings import Settings

log = logging.getLogger(__name__)

MailerFactory = Callable[[], Mailer]


def confirmation_message(settings: Settings, env: Environment, address: str, link: str, now: datetime) -> EmailMessage:
    title = settings.briefing.title
    message = EmailMessage()
    message["Subject"] = f"Confirm your subscription to {title}"
    message["From"] = settings.email.sender
    message["To"] = Address(addr_spec=address)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid("confirm", domain=sender_domain(settings.email.sender))
    message["Auto-Submitted"] = "auto-replied"  # no vacation replies to a robot
    text = render(env, "confirm_email.txt", title=title, address=address, link=link,
                  days=settings.subscribers.confirm_days)
    message.set_content(text, charset="utf-8", cte="quoted-printable")
    return message


def send_confirmation(settings: Settings, mailer: MailerFactory, message: EmailMessage, address: str,
                      clock: Clock) -> None:
    """Hand the message over, retrying temporary failures as a send does; log the outcome."""
    with mailer() as active:
        error = hand_over(active, message, address, settings, threading.Event(), lambda status, text: None, clock)
    if error is None:
        log.info("confirmation mailed to %s", address)
    else:
        log.error("confirmation to %s not sent: %s", address, error)
