"""One recipient's message: multipart/alternative (text, then HTML), UTF-8.

``Message-ID`` is derived from the edition and the recipient, so the same
edition to the same person always has the same id: a resend after a crash is
recognisable as a duplicate by any server or client that looks. ``Date`` is
the time of sending: it and nothing else differs between a dry run's ``.eml``
and what the server receives (the MIME boundary is derived too, not random).

The email is rendered once per edition with the plain unsubscribe URL;
``personalise`` turns that link into the recipient's own signed one (in the
HTML, the text and, through ``build_message``, the ``List-Unsubscribe``
header), so one click unsubscribes exactly that person.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import replace
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from urllib.parse import urlsplit

from briefing.models import RenderedEmail


@lru_cache(maxsize=64)  # parsed once a send, not twice a recipient
def sender_domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "briefing.invalid"


def message_id(edition: str, recipient: str, sender: str) -> str:
    digest = hashlib.sha256(f"{edition}\n{recipient.lower()}".encode()).hexdigest()[:20]
    return f"<{edition}.{digest}@{sender_domain(sender)}>"


def list_id(title: str, site_url: str) -> str:
    host = urlsplit(site_url).hostname or "briefing.invalid"
    label = "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-") or "briefing"
    return f"{title} <{label}.{host}>"


# Headers set with ``_set_unfolded`` are written exactly as given; every other
# header is folded as by ``policy.default`` (refold_source only concerns raw values).
_POLICY = policy.default.clone(refold_source="none")


def _set_unfolded(message: EmailMessage, name: str, value: str) -> None:
    """Set a header the email package must not fold.

    It would turn a URL longer than a line (a signed unsubscribe link is) into
    RFC 2047 encoded-words, which no mail client reads as a link. One line up
    to RFC 5322's 998 characters is what List-Unsubscribe needs.
    """
    if value.isascii() and len(name) + 2 + len(value) <= 998:
        message.set_raw(name, value)
    else:
        message[name] = value


def personalise(email: RenderedEmail, placeholder: str, url: str) -> RenderedEmail:
    """``email`` with its unsubscribe link, rendered as ``placeholder``, turned into ``url``.

    Only whole links change: ``href="<placeholder>"`` in the HTML and the URL
    standing alone in the text, never a longer URL that starts with it.
    """
    if url == placeholder:
        return email
    old, new = (f'href="{html.escape(u, quote=False)}"' for u in (placeholder, url))
    text = re.sub(re.escape(placeholder) + r"(?=\s|$)", lambda match: url, email.text)
    return replace(email, html=email.html.replace(old, new), text=text)


def build_message(
    email: RenderedEmail,
    *,
    edition: str,
    title: str,
    site_url: str,
    sender: str,
    recipient: str,
    unsubscribe_url: str,
    unsubscribe_mailto: str,
    date: datetime,
) -> EmailMessage:
    message = EmailMessage(policy=_POLICY)
    message["Subject"] = email.subject
    message["From"] = sender
    message["To"] = Address(addr_spec=recipient)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id(edition, recipient, sender)
    message["List-Id"] = list_id(title, site_url)
    targets = [f"<{unsubscribe_url}>"]
    if unsubscribe_mailto:
        targets.append(f"<mailto:{unsubscribe_mailto}?subject=unsubscribe>")
    _set_unfolded(message, "List-Unsubscribe", ", ".join(targets))
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.text, charset="utf-8", cte="quoted-printable")
    message.add_alternative(email.html, subtype="html", charset="utf-8", cte="quoted-printable")
    # A boundary derived from the message id (not random) keeps the bytes reproducible.
    message.set_boundary("==briefing-" + hashlib.sha256(message["Message-ID"].encode()).hexdigest()[:32])
    return message
