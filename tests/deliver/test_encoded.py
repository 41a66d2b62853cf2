"""The edition encoded once: each spliced copy is byte for byte the message built whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from briefing import pipeline
from briefing.clock import FixedClock
from briefing.deliver.encoded import EncodedEdition, Outgoing, _Fields, slow_message
from briefing.deliver.ledger import Mailing
from briefing.deliver.mailer import eml_bytes
from briefing.models import RenderedEmail
from briefing.settings import load_settings
from briefing.tokens import Tokens, with_token
from tests.conftest import ConfigMaker

PLACEHOLDER = "https://briefing.example.org/unsubscribe"
DATE = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
LONG_LINE = "Rare earth prices: neodymium-praseodymium oxide rose 4.2% to ¥612,500/t; " * 6
EMAILS = {
    "plain": RenderedEmail(subject="Rare Earth Briefing, week 49",
                           html=f'<p>Hello</p>\n<a href="{PLACEHOLDER}">Unsubscribe</a>\n',
                           text=f"Hello\n\nUnsubscribe: {PLACEHOLDER}\n"),
    "unicode and long lines": RenderedEmail(
        subject="Seltene Erden — Überblick der Woche: Baotou, Bayan Obo und die Exportquoten im Dezember",
        html=(f"<p>{LONG_LINE}</p>\n<p>trailing space </p> \n<p>tab\t</p>\t\n"
              f'<p>Links: <a href="{PLACEHOLDER}">weg</a> and <a href="{PLACEHOLDER}x">not ours</a> '
              f'{LONG_LINE}<a href="{PLACEHOLDER}">again</a></p>\r\nlast line without end'),
        text=(f"{LONG_LINE}\n{PLACEHOLDER}\n{PLACEHOLDER}.\n({PLACEHOLDER})\n{PLACEHOLDER}/more\n"
              f"end of line {PLACEHOLDER}\r{PLACEHOLDER}\t= = =\n.\n.leading dot\n{PLACEHOLDER}"),
    ),
    "empty": RenderedEmail(subject="", html="", text=""),
}
RECIPIENTS = [
    "reader@example.org", "Reader.Upper+tag@Example.ORG", '"john doe"@example.org',
    "a" * 64 + "@" + "very-long-subdomain." * 6 + "example.org", "x@y.example",
]


def fields(mailto: str = "leave@example.org", sender: str = "Rare Earth Briefing <briefing@example.org>") -> _Fields:
    return _Fields(edition="2026-W49", title="Rare Earth Briefing", site_url="https://briefing.example.org/",
                   sender=sender, unsubscribe_mailto=mailto)


def encode(email: RenderedEmail, f: _Fields) -> EncodedEdition:
    encoded = EncodedEdition.prepare(email, PLACEHOLDER, edition=f.edition, title=f.title, site_url=f.site_url,
                                     sender=f.sender, unsubscribe_mailto=f.unsubscribe_mailto,
                                     probe=(RECIPIENTS[0], PLACEHOLDER), date=DATE)
    assert encoded is not None
    return encoded


@pytest.mark.parametrize("name", sorted(EMAILS))
@pytest.mark.parametrize("mailto", ["leave@example.org", ""])
def test_spliced_copies_equal_the_whole_message(name: str, mailto: str) -> None:
    email, f = EMAILS[name], fields(mailto)
    encoded = encode(email, f)
    tokens = Tokens("encoded-tests-secret-0123456789", FixedClock(DATE), 7)
    for number, recipient in enumerate(RECIPIENTS):
        date = (DATE + timedelta(seconds=number * 37)).astimezone(timezone(timedelta(hours=number - 2)))
        for url in (PLACEHOLDER, with_token(PLACEHOLDER, tokens.unsubscribe(recipient))):
            spliced = encoded.address(recipient, url, date)
            whole = slow_message(email, PLACEHOLDER, f, recipient, url, date)
            assert spliced is not None
            assert spliced.data == eml_bytes(whole), (name, recipient, url)
            assert spliced["Message-ID"] == whole["Message-ID"] and spliced["Subject"] == whole["Subject"]
            assert spliced.sender == "briefing@example.org" and spliced.recipient == recipient


def test_what_only_the_email_package_can_build_is_not_spliced() -> None:
    encoded = encode(EMAILS["plain"], fields())
    assert encoded.address("jürgen@example.de", PLACEHOLDER, DATE) is None  # SMTPUTF8: send_message's own path
    assert encoded.address("reader@example.org", PLACEHOLDER + "?t=" + "x" * 1000, DATE) is None  # folded header
    f = fields(sender="Bürobriefing <büro@example.de>")
    assert EncodedEdition.prepare(EMAILS["plain"], PLACEHOLDER, edition=f.edition, title=f.title, site_url=f.site_url,
                                  sender=f.sender, unsubscribe_mailto="", probe=(RECIPIENTS[0], PLACEHOLDER),
                                  date=DATE) is None


def test_a_send_of_the_seeds_edition_splices_every_copy(make_config: ConfigMaker) -> None:
    settings = load_settings(make_config(email={"recipients": [r for r in RECIPIENTS if "\"" not in r]}),
                             env={"BRIEFING_SECRET_KEY": "encoded-tests-secret-0123456789"})
    clock = FixedClock(DATE)
    with pipeline._open_store(settings, rehearse=True) as store:
        result = pipeline.build(settings, store, clock, fetch_feeds=False)
        mailing: Mailing = pipeline._mailing(settings, result, store, clock)
    for recipient in RECIPIENTS:
        message = mailing.address(recipient, DATE)
        assert isinstance(message, Outgoing)  # not silently built whole
        assert message.data == eml_bytes(mailing.build(recipient, mailing.unsubscribe_for(recipient), DATE))


def test_headers_written_as_they_are_equal_the_folded_ones() -> None:
    import random
    from email.headerregistry import Address

    from briefing.deliver.encoded import _ADDRESS, _MESSAGE_ID, _fold, _plain_or_folded, _to

    chooser = random.Random(17)
    alphabet = "abcXYZ019_+-"
    addresses = ["a@b", "a.b@c.d", "A_b+c-d@e-f.g", "x" * 60 + "@example.org", "x" * 80 + "@example.org"]
    for _ in range(300):
        atoms = ["".join(chooser.choice(alphabet) for _ in range(chooser.randint(1, 12)))
                 for _ in range(chooser.randint(1, 4))]
        addresses.append(f"{'.'.join(atoms)}@{chooser.choice(['example.org', 'a-b.example', 'x.y.z.example'])}")
    plain = 0
    for address in addresses:
        assert _to(address) == _fold("To", Address(addr_spec=address)), address
        plain += bool(_ADDRESS.fullmatch(address))
        mid = f"<2026-W49.{address.replace('@', '.')}@example.org>"
        assert _plain_or_folded("Message-ID", mid, _MESSAGE_ID) == _fold("Message-ID", mid), mid
    assert plain > 250  # the shortcut is what is tested, not the fallback
