"""The whole life of a subscriber, against the real server and a real SMTP server.

Sign up -> the confirmation mail arrives -> its link activates -> the next
send delivers -> a one-click POST to the header's URL unsubscribes -> the
edition a week later does not go to that address, not even when it is
imported again or listed in the settings.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from html import unescape

from briefing import pipeline, subscribers
from briefing.clock import FixedClock
from briefing.store import Store
from tests.conftest import FIXED_NOW
from tests.web.conftest import CONFIGURED, Site, parse

WEEK = timedelta(days=7)
NEW = "new.reader@example.org"


def send_edition(site: Site, when: FixedClock) -> list[str]:
    """Run the real send at ``when``; the addresses that got that edition."""
    before = len(site.smtp.received)
    report = pipeline.send(site.settings, dry_run=False, clock=when)
    assert report.count("pending") == report.count("failed") == 0, report
    # Editions only: a confirmation mail the web app sends in the background may land meanwhile.
    editions = [r for r in site.smtp.received[before:] if re.match(r"<\d{4}-W\d\d\.", parse(r.data)["Message-ID"])]
    return sorted(a for r in editions for a in r.recipients)


def edition_to(site: Site, address: str, edition: str) -> EmailMessage:
    (message,) = [m for m in map(parse, (r.data for r in site.smtp.to(address))) if edition in m["Message-ID"]]
    return message


def editions_received(site: Site, address: str) -> list[str]:
    ids = [parse(r.data)["Message-ID"] for r in site.smtp.to(address)]
    return [key for key in re.findall(r"<(\d{4}-W\d\d)\.", " ".join(ids))]


def one_click_url(message: EmailMessage) -> str:
    """The http(s) target of List-Unsubscribe (the other one is mailto:)."""
    targets = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
    (url,) = [t for t in targets if t.startswith("http")]
    return str(url)


def test_sign_up_confirm_receive_unsubscribe_and_the_next_edition_skips_the_address(site: Site) -> None:
    with site.client() as client:
        answer = client.post("/subscribe", data={"email": NEW})
        assert answer.status_code == 200 and "Check your inbox" in answer.text
        assert site.subscriber(NEW).status == "pending"  # type: ignore[union-attr]

        (mail,) = site.mails_to(NEW)
        assert mail["Subject"] == "Confirm your subscription to Rare Earth Briefing"
        assert mail["Message-ID"] and parsedate_to_datetime(mail["Date"]) == FIXED_NOW
        assert client.get(site.confirmation_link(NEW)).status_code == 200
        assert site.subscriber(NEW).status == "active"  # type: ignore[union-attr]

    # The next send delivers to the new subscriber and to the configured recipients.
    assert send_edition(site, FixedClock(FIXED_NOW)) == sorted([NEW, *CONFIGURED])
    message = edition_to(site, NEW, "2026-W47")
    url = one_click_url(message)
    assert url.startswith(site.url + "unsubscribe?token=")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html, text = (message.get_body((kind,)).get_content() for kind in ("html", "plain"))  # type: ignore[union-attr]
    assert f'href="{url}"' in unescape(html)  # the visible links carry the same URL
    assert re.search(re.escape(f"Unsubscribe: {url}") + r"\s", text)
    assert one_click_url(edition_to(site, CONFIGURED[0], "2026-W47")) != url  # each reader their own

    # One click, the way a mail provider sends it: no cookies, no login, only this body.
    with site.client() as provider:
        answer = provider.post(url, content=b"List-Unsubscribe=One-Click",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200 and "You are unsubscribed" in answer.text
    assert "set-cookie" not in answer.headers
    assert site.subscriber(NEW).status == "unsubscribed"  # type: ignore[union-attr]

    # Suppression wins: imported again, added again, even listed in the settings.
    csv = site.settings.store.path.parent / "again.csv"
    csv.write_text(f"email\n{NEW}\n", "utf-8")
    store = Store.open(site.settings.store.path)
    try:
        assert subscribers.import_csv(store, csv, FIXED_NOW).suppressed == 1
        assert subscribers.add(store, NEW, FIXED_NOW) == "suppressed"
    finally:
        store.close()
    site.settings = replace(site.settings, email=replace(site.settings.email, recipients=(*CONFIGURED, NEW)))

    # The edition a week later goes out, but not to the address that left.
    assert send_edition(site, FixedClock(FIXED_NOW + WEEK)) == sorted(CONFIGURED)
    assert editions_received(site, NEW) == ["2026-W47"]


def test_a_configured_recipient_can_leave_with_one_click_too(site: Site) -> None:
    assert send_edition(site, FixedClock(FIXED_NOW)) == sorted(CONFIGURED)
    url = one_click_url(edition_to(site, "reader@example.org", "2026-W47"))
    with site.client() as client:
        assert client.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert site.subscriber("reader@example.org").status == "unsubscribed"  # type: ignore[union-attr]
    assert send_edition(site, FixedClock(FIXED_NOW + WEEK)) == ["stays@example.org"]


def test_multipart_one_click_post_works_too(site: Site) -> None:
    """RFC 8058 allows multipart/form-data as well; some providers send it."""
    send_edition(site, FixedClock(FIXED_NOW))
    url = one_click_url(edition_to(site, "stays@example.org", "2026-W47"))
    with site.client() as client:
        answer = client.post(url, files={"List-Unsubscribe": (None, "One-Click")})
    assert answer.status_code == 200
    assert site.subscriber("stays@example.org").status == "unsubscribed"  # type: ignore[union-attr]


def test_signing_up_again_after_leaving_needs_a_new_confirmation(site: Site) -> None:
    with site.client() as client:
        client.post("/subscribe", data={"email": NEW})
        client.get(site.confirmation_link(NEW))
        send_edition(site, FixedClock(FIXED_NOW))
        client.post(one_click_url(edition_to(site, NEW, "2026-W47")), data={"List-Unsubscribe": "One-Click"})

        site.clock.moment = FIXED_NOW + timedelta(days=2)
        assert client.post("/subscribe", data={"email": NEW}).status_code == 200
        assert site.subscriber(NEW).status == "unsubscribed"  # type: ignore[union-attr]  # still suppressed ...
        assert NEW not in send_edition(site, FixedClock(FIXED_NOW + WEEK))  # ... until the new link is followed
        assert client.get(site.confirmation_link(NEW, 2)).status_code == 200
    assert site.subscriber(NEW).status == "active"  # type: ignore[union-attr]
    assert NEW in send_edition(site, FixedClock(FIXED_NOW + 2 * WEEK))
