"""The edition's message encoded once; each recipient's copy is spliced from the parts.

Recipients' messages differ only in ``To``, ``Date``, ``Message-ID``,
``List-Unsubscribe``, the MIME boundary (derived from the Message-ID) and the
lines of the text and HTML that carry the unsubscribe link. Building and
serialising a whole ``EmailMessage`` per recipient (header parsing, two
quoted-printable bodies, the generator) was half of a send's time, so
``EncodedEdition`` does that work once:

- every header that is the same for everyone is folded once, from a reference
  message made by ``build_message`` itself;
- each body line is quoted-printable encoded once (QP encodes line by line, so
  a line's encoding does not depend on its neighbours); only the lines holding
  the unsubscribe link are personalised and encoded again per recipient;
- a copy is then the bytes SMTP carries (CRLF), joined, never re-serialised.

The result is byte for byte what ``build_message`` plus ``eml_bytes`` give
(``tests/deliver/test_encoded.py`` compares them over many kinds of address,
and ``EncodedEdition.prepare`` checks one copy against the slow path before
it is used). Where the email package would do something else, the copy is not
spliced (``address`` returns None and the caller builds it the slow way): a
non-ASCII sender or recipient (SMTPUTF8), or a header too long to set unfolded.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from email import quoprimime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses

from briefing.deliver.message import _POLICY, build_message, message_id
from briefing.models import RenderedEmail

log = logging.getLogger(__name__)

_WIRE = _POLICY.clone(linesep="\r\n")  # what smtplib puts on the wire (see mailer.eml_bytes)


@dataclass(frozen=True)
class Outgoing:
    """One recipient's message as the bytes SMTP carries (CRLF line ends, not dot-stuffed).

    ``message["Message-ID"]`` and ``message["Subject"]`` read as on an ``EmailMessage``.
    """

    sender: str  # the envelope sender: the address in ``From``
    recipient: str
    headers: tuple[tuple[str, str], ...]  # Subject, Message-ID: what the ledger reads
    data: bytes

    def __getitem__(self, name: str) -> str:
        return dict(self.headers)[name]


@dataclass(frozen=True)
class _Body:
    """One part's body: the encoded lines that never change, joined between the (raw) lines
    that hold the link: ``static[0] + linked[0] + static[1] + ... + static[-1]``."""

    static: tuple[str, ...]
    linked: tuple[str, ...]


@dataclass(frozen=True)
class _Fields:
    edition: str
    title: str
    site_url: str
    sender: str
    unsubscribe_mailto: str


class EncodedEdition:
    """``build_message`` for many recipients, with the shared work done once."""

    def __init__(self, email: RenderedEmail, placeholder: str, fields: _Fields, reference: EmailMessage) -> None:
        self.email, self.placeholder, self.fields = email, placeholder, fields
        self.envelope_sender = getaddresses([fields.sender])[0][1]
        top = {name: _WIRE.fold(name, value) for name, value in reference.raw_items()}
        self.head = "".join(top[name] for name in ("Subject", "From"))
        self.middle = top["List-Id"]
        self.tail = "".join(top[name] for name in ("List-Unsubscribe-Post", "MIME-Version"))
        self.content_type = _WIRE.fold("Content-Type", reference["Content-Type"]).replace(
            reference.get_boundary() or "", "{boundary}")
        text_part, html_part = reference.iter_parts()
        self.part_heads = tuple("".join(_WIRE.fold(n, v) for n, v in part.raw_items())
                                for part in (text_part, html_part))
        self.subject = str(reference["Subject"])
        self.bodies = (_encode_body(email.text, placeholder), _encode_body(email.html, _href(placeholder)))
        self._date = ("", "")

    @classmethod
    def prepare(cls, email: RenderedEmail, placeholder: str, *, edition: str, title: str, site_url: str,
                sender: str, unsubscribe_mailto: str, probe: tuple[str, str], date: datetime) -> EncodedEdition | None:
        """The encoded edition, or None if a copy for ``probe`` (recipient, URL) differs from the slow path."""
        fields = _Fields(edition, title, site_url, sender, unsubscribe_mailto)
        if not sender.isascii():
            return None
        try:
            encoded = cls(email, placeholder, fields, slow_message(email, placeholder, fields, "probe@example.org",
                                                                   placeholder, date))
        except (ValueError, KeyError, TypeError) as exc:  # a shape the splicing does not know
            log.info("edition %s: messages built one by one (%s)", edition, exc)
            return None
        recipient, url = probe
        fast = encoded.address(recipient, url, date)
        slow = slow_message(email, placeholder, fields, recipient, url, date)
        if fast is not None and fast.data != slow.as_bytes(policy=_WIRE):
            log.warning("edition %s: a spliced message differs from the email package's; building each "
                        "message in full instead", edition)
            return None
        return encoded

    def address(self, recipient: str, unsubscribe_url: str, date: datetime) -> Outgoing | None:
        """``recipient``'s copy, or None when only the email package can build it (see the module)."""
        if not recipient.isascii():
            return None
        f = self.fields
        targets = [f"<{unsubscribe_url}>"]
        if f.unsubscribe_mailto:
            targets.append(f"<mailto:{f.unsubscribe_mailto}?subject=unsubscribe>")
        unsubscribe = ", ".join(targets)
        if not unsubscribe.isascii() or len("List-Unsubscribe") + 2 + len(unsubscribe) > 998:
            return None
        mid = message_id(f.edition, recipient, f.sender)
        boundary = "==briefing-" + hashlib.sha256(mid.encode()).hexdigest()[:32]
        head = "".join((
            self.head, _to(recipient), self._fold_date(date), _plain_or_folded("Message-ID", mid, _MESSAGE_ID),
            self.middle, f"List-Unsubscribe: {unsubscribe}\r\n", self.tail,
            self.content_type.replace("{boundary}", boundary), "\r\n",
        ))
        text, markup = self._bodies(unsubscribe_url)
        delimiter = f"--{boundary}\r\n"
        data = "".join((
            head, delimiter, self.part_heads[0], "\r\n", text, "\r\n", delimiter, self.part_heads[1], "\r\n",
            markup, f"\r\n--{boundary}--\r\n",
        ))
        return Outgoing(self.envelope_sender, recipient, (("Subject", self.subject), ("Message-ID", mid)),
                        data.encode("ascii"))

    def _fold_date(self, date: datetime) -> str:
        value = format_datetime(date)
        if self._date[0] != value:  # one parse a second, not one a recipient
            self._date = (value, _fold("Date", value))
        return self._date[1]

    def _bodies(self, url: str) -> tuple[str, str]:
        pattern = re.compile(re.escape(self.placeholder) + r"(?=\s|$)")
        old, new = _href(self.placeholder), _href(url)
        same = url == self.placeholder  # personalise changes nothing
        text = _join(self.bodies[0], [line if same else pattern.sub(lambda m: url, line)
                                      for line in self.bodies[0].linked])
        markup = _join(self.bodies[1], [line if same else line.replace(old, new) for line in self.bodies[1].linked])
        return text, markup


def slow_message(email: RenderedEmail, placeholder: str, fields: _Fields, recipient: str, url: str,
                 date: datetime) -> EmailMessage:
    """The message as ``briefing.deliver.message`` builds it, whole (the reference and the fallback)."""
    from briefing.deliver.message import personalise

    return build_message(personalise(email, placeholder, url), edition=fields.edition, title=fields.title,
                         site_url=fields.site_url, sender=fields.sender, recipient=recipient, unsubscribe_url=url,
                         unsubscribe_mailto=fields.unsubscribe_mailto, date=date)


def _href(url: str) -> str:
    return f'href="{html.escape(url, quote=False)}"'


def _fold(name: str, value: object) -> str:
    return str(_WIRE.fold(*_WIRE.header_store_parse(name, value)))


# Values the email package writes as they are when the line fits: parsing each with the
# header registry just to learn that was a third of a copy's cost.
_ATOMS = r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
_ADDRESS = re.compile(rf"{_ATOMS}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
_MESSAGE_ID = re.compile(rf"<{_ATOMS}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*>")


def _plain_or_folded(name: str, value: str, plain: re.Pattern[str]) -> str:
    if plain.fullmatch(value) and len(name) + 2 + len(value) <= (_WIRE.max_line_length or 78):
        return f"{name}: {value}\r\n"
    return _fold(name, value)


def _to(recipient: str) -> str:
    if _ADDRESS.fullmatch(recipient) and 4 + len(recipient) <= (_WIRE.max_line_length or 78):
        return f"To: {recipient}\r\n"
    return _fold("To", Address(addr_spec=recipient))


def _encode_body(body: str, marker: str) -> _Body:
    """Lines as ``email.contentmanager`` splits them (bytes, so only CR/LF end a line), QP encoded."""
    lines = [line.decode("utf-8") for line in body.encode("utf-8").splitlines()] or [""]  # "" is one empty line
    static: list[str] = []
    linked: list[str] = []
    run: list[str] = []
    for line in lines:
        if marker in line:
            static.append("".join(run))
            linked.append(line)
            run = []
        else:
            run.append(_qp(line) + "\r\n")
    static.append("".join(run))
    return _Body(tuple(static), tuple(linked))


def _qp(line: str) -> str:
    """One line quoted-printable as ``set_content`` does it (the policy's line length), soft breaks CRLF."""
    encoded = quoprimime.body_encode(line.encode("utf-8").decode("latin-1"), _POLICY.max_line_length or 76)
    return str(encoded).replace("\n", "\r\n")


def _join(body: _Body, linked: list[str]) -> str:
    """The body with the link lines (personalised, raw) encoded in their places."""
    pieces = [body.static[0]]
    for line, after in zip(linked, body.static[1:]):
        pieces += (_qp(line), "\r\n", after)
    return "".join(pieces)
