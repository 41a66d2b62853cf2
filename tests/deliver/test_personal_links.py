"""Each recipient's own unsubscribe link: in List-Unsubscribe, the HTML and the text, and still reproducible.

The email is rendered once per edition with the plain unsubscribe URL; the
delivery path swaps in each recipient's signed URL. Unsubscribe tokens are
deterministic, so the dry run's ``.eml`` and what the server receives still
differ only in ``Date``.
"""

from __future__ import annotations

import re
from datetime import timedelta

from briefing import pipeline
from briefing.clock import FixedClock
from briefing.deliver.message import personalise
from briefing.models import RenderedEmail
from briefing.tokens import Tokens
from tests.deliver.conftest import READERS, SettingsMaker, SmtpServer
from tests.deliver.test_smtp_message import parse, without_date

SECRET = {"BRIEFING_SECRET_KEY": "deliver-tests-secret-0123456789"}
BASE = "https://briefing.example.org/unsubscribe"


def test_every_message_carries_its_recipients_token_everywhere(smtp_server: SmtpServer, smtp_settings: SettingsMaker,
                                                              clock: FixedClock) -> None:
    settings = smtp_settings(smtp_server.port, env=SECRET)
    pipeline.send(settings, dry_run=False, clock=clock)
    tokens = Tokens(SECRET["BRIEFING_SECRET_KEY"], clock, 7)
    seen = set()
    for received in smtp_server.handler.received:
        (recipient,) = received.recipients
        message = parse(received.data)
        url = f"{BASE}?token={tokens.unsubscribe(recipient)}"
        assert tokens.read_unsubscribe(url.partition("token=")[2]) == recipient
        assert message["List-Unsubscribe"] == f"<{url}>, <mailto:leave@example.org?subject=unsubscribe>"
        assert re.search(rb"(?m)^List-Unsubscribe: <[^\r\n]+>\r\n", received.data)  # one line, no encoded-words
        html, text = (message.get_body((kind,)).get_content() for kind in ("html", "plain"))  # type: ignore[union-attr]
        assert f'href="{url}"' in html and re.search(re.escape(url) + r"\s", text)
        assert f'href="{BASE}"' not in html and not re.search(re.escape(BASE) + r"\s", text)  # no generic link left
        seen.add(url)
    assert len(seen) == len(READERS)


def test_the_dry_run_still_equals_the_real_send_but_for_the_date(smtp_server: SmtpServer,
                                                                 smtp_settings: SettingsMaker, clock: FixedClock) -> None:
    settings = smtp_settings(smtp_server.port, env=SECRET)
    dry = pipeline.send(settings, dry_run=True, clock=clock)
    pipeline.send(settings, dry_run=False, clock=FixedClock(clock.now() + timedelta(minutes=7)))
    assert len(smtp_server.handler.received) == len(READERS)
    for received in smtp_server.handler.received:
        (recipient,) = received.recipients
        preview = (dry.outbox / f"{recipient}.eml").read_bytes()  # type: ignore[operator]
        assert b"?token=" in preview and without_date(preview) == without_date(received.data)


def test_only_whole_links_are_personalised() -> None:
    email = RenderedEmail(
        subject="s",
        html=f'<a href="{BASE}">Unsubscribe</a> <a href="{BASE}/help">help</a> <a href="{BASE}x">x</a>',
        text=f"Unsubscribe: {BASE}\nHelp: {BASE}/help\n{BASE}",
    )
    mine = personalise(email, BASE, f"{BASE}?a=1&token=T")
    assert mine.html == (f'<a href="{BASE}?a=1&amp;token=T">Unsubscribe</a> <a href="{BASE}/help">help</a>'
                         f' <a href="{BASE}x">x</a>')
    assert mine.text == f"Unsubscribe: {BASE}?a=1&token=T\nHelp: {BASE}/help\n{BASE}?a=1&token=T"
    assert personalise(email, BASE, BASE) is email
