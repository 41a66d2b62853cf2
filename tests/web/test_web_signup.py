"""Sign-up answers: the same for every well-formed address, 400 for malformed ones, 429 for a flood.

Nothing in an answer (status, headers, body) tells whether an address is
subscribed: only the address itself, echoed back, differs.
"""

from __future__ import annotations

from datetime import timedelta

import httpx

from briefing import subscribers
from briefing.store import Store
from briefing.tokens import Tokens
from tests.conftest import FIXED_NOW
from tests.web.conftest import SECRET, Site, SiteMaker

SAME_HEADERS = ("content-type", "content-security-policy", "cache-control", "referrer-policy", "x-content-type-options")


def shape(answer: httpx.Response, address: str, token: str = "") -> tuple[int, tuple[str | None, ...], str]:
    """What an observer sees of an answer, with the echoed address (and token) blanked."""
    text = answer.text.replace(address, "ADDRESS")
    return (answer.status_code, tuple(answer.headers.get(h) for h in SAME_HEADERS),
            text.replace(token, "TOKEN") if token else text)


def test_the_answer_is_the_same_whether_or_not_the_address_is_known(make_site: SiteMaker) -> None:
    site = make_site(web={"rate_limit": 100})
    store = Store.open(site.settings.store.path)
    try:
        subscribers.sign_up(store, "pending@example.org", FIXED_NOW)
        subscribers.add(store, "active@example.org", FIXED_NOW)
        subscribers.unsubscribe(store, "left@example.org", FIXED_NOW)
        subscribers.unsubscribe(store, "dead@example.org", FIXED_NOW, status="bounced")
    finally:
        store.close()
    site.clock.moment = FIXED_NOW + timedelta(hours=1)
    addresses = ["unknown@example.org", "pending@example.org", "active@example.org", "left@example.org",
                 "dead@example.org", "reader@example.org"]  # the last one is in email.recipients
    with site.client() as client:
        shapes = {shape(client.post("/subscribe", data={"email": a}), a) for a in addresses}
    assert len(shapes) == 1
    status, _headers, body = shapes.pop()
    assert status == 200 and "Check your inbox" in body
    # The unsubscribe page does not tell either: a stranger's token gets the same page as a member's.
    tokens = Tokens(SECRET, site.clock, 7)
    with site.client() as client:
        pages = {shape(client.get("/unsubscribe", params={"token": t}), a, t)
                 for a, t in ((a, tokens.unsubscribe(a)) for a in addresses)}
    assert len(pages) == 1 and pages.pop()[0] == 200


def test_a_confirmation_goes_only_where_one_is_due(site: Site) -> None:
    store = Store.open(site.settings.store.path)
    try:
        subscribers.add(store, "active@example.org", FIXED_NOW)
    finally:
        store.close()
    with site.client() as client:
        for address in ("fresh@example.org", "active@example.org"):
            client.post("/subscribe", data={"email": address})
    assert len(site.confirmations("fresh@example.org")) == 1
    assert site.confirmations("active@example.org", timeout=0.5) == []  # already subscribed: no mail


MALFORMED = ["", "plainaddress", "no-at.example.org", "a@", "@example.org", "two@@example.org",
             "a b@example.org", "a@example..org", "x" * 250 + "@example.org", "a@-example.org",
             '<script>alert("x")</script>@example.org', "reader@example.org\r\nBcc: victim@example.org"]


def test_malformed_addresses_get_the_form_again_and_store_nothing(make_site: SiteMaker) -> None:
    site = make_site(web={"rate_limit": 100})
    with site.client() as client:
        for address in MALFORMED:
            answer = client.post("/subscribe", data={"email": address})
            assert answer.status_code == 400, address
            assert 'class="problem"' in answer.text and "<form" in answer.text
            assert "<script>" not in answer.text  # echoed back escaped, never as markup
        assert client.post("/subscribe", data={}).status_code == 400
        assert client.post("/subscribe", content=b"\xff\xfe", headers={"Content-Type": "text/plain"}).status_code == 400
    store = Store.open(site.settings.store.path)
    try:
        assert store.subscribers() == []
    finally:
        store.close()
    assert site.smtp.received == []


def test_the_echoed_address_is_escaped(site: Site) -> None:
    with site.client() as client:
        answer = client.post("/subscribe", data={"email": '"><script>alert(1)</script>'})
    assert answer.status_code == 400
    assert "<script>" not in answer.text and "&#34;&gt;&lt;script&gt;" in answer.text


def test_a_flood_from_one_client_is_cut_off_and_others_still_get_in(site: Site) -> None:
    """web.rate_limit is 5 an hour here; malformed attempts count too."""
    with site.client() as client:
        answers = [client.post("/subscribe", data={"email": f"flood{n}@example.org"}) for n in range(4)]
        answers.append(client.post("/subscribe", data={"email": "not an address"}))
        answers += [client.post("/subscribe", data={"email": f"late{n}@example.org"}) for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 400, 429, 429, 429]
    refused = answers[-1]
    assert 0 < int(refused.headers["Retry-After"]) <= 3600 and "Too many sign-ups" in refused.text
    assert site.subscriber("late0@example.org") is None  # refused before anything was stored or mailed
    # Another client (behind the local reverse proxy, as X-Forwarded-For says) is not affected.
    with site.client(**{"X-Forwarded-For": "203.0.113.7"}) as other:
        assert other.post("/subscribe", data={"email": "neighbour@example.org"}).status_code == 200
    # The window slides: an hour on, the first client may sign up again (test_web_ratelimit.py).


def test_many_sign_ups_for_one_address_mail_it_once(site: Site) -> None:
    """Nobody can use the form to bomb a mailbox: one confirmation per address per 10 minutes."""
    for n in range(4):
        with site.client(**{"X-Forwarded-For": f"198.51.100.{n + 1}"}) as client:
            assert client.post("/subscribe", data={"email": "victim@example.org"}).status_code == 200
    assert len(site.confirmations("victim@example.org")) == 1
    site.clock.moment = FIXED_NOW + timedelta(minutes=11)
    with site.client() as client:
        client.post("/subscribe", data={"email": "victim@example.org"})
    assert len(site.confirmations("victim@example.org", 2)) == 2


def test_an_oversized_body_is_refused(site: Site) -> None:
    with site.client() as client:
        answer = client.post("/subscribe", data={"email": "big@example.org", "pad": "x" * 100_000})
    assert answer.status_code == 413
    assert site.subscriber("big@example.org") is None


def test_the_form_page(site: Site) -> None:
    with site.client() as client:
        page = client.get("/subscribe")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<form method="post" action="subscribe">' in page.text and 'name="email"' in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
