"""Tampered, expired, replayed and crossed tokens: a clear page each, and nothing changes.

"Nothing changes" is checked on the whole stored row, before and after.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from briefing.clock import FixedClock
from briefing.tokens import Tokens, with_token
from tests.conftest import FIXED_NOW
from tests.web.conftest import SECRET, Site

ADDRESS = "someone@example.org"


def signed_up(site: Site, address: str = ADDRESS) -> str:
    """Sign ``address`` up through the form; the confirmation link it was mailed."""
    with site.client() as client:
        assert client.post("/subscribe", data={"email": address}).status_code == 200
    return site.confirmation_link(address)


def tampered(token: str) -> list[str]:
    """Ways a token gets damaged or forged: last character, payload swapped, cut short, empty, junk."""
    rest = token.partition(".")[2]
    other = Tokens(SECRET, FixedClock(FIXED_NOW), 7).confirm("attacker@example.org", "nonce").partition(".")[0]
    # A signature character in the middle: the last base64 character of a signature carries
    # padding bits, so changing it (say "B" to "A") can decode to the very same bytes.
    at = len(token) - 5
    flipped = token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1:]
    return [flipped, f"{other}.{rest}", token[: len(token) // 2], "", "not-a-token", token + "x"]


def swap_token(link: str, token: str) -> str:
    return with_token(link.partition("?")[0], token) if token else link.partition("?")[0]


def test_a_tampered_confirmation_link_gets_a_clear_page_and_changes_nothing(site: Site) -> None:
    link = signed_up(site)
    before = site.subscriber(ADDRESS)
    with site.client() as client:
        for token in tampered(link.partition("token=")[2]):
            answer = client.get(swap_token(link, token))
            assert answer.status_code == 400, token
            assert "This link does not work" in answer.text and "nothing was changed" in answer.text
    assert site.subscriber(ADDRESS) == before and before is not None and before.status == "pending"


def test_a_link_signed_with_another_secret_is_refused(site: Site) -> None:
    signed_up(site)
    forged = Tokens("another-secret-0123456789abcdef", site.clock, 7)
    with site.client() as client:
        assert client.get("/confirm", params={"token": forged.confirm(ADDRESS, "x")}).status_code == 400
        assert client.post("/unsubscribe", params={"token": forged.unsubscribe(ADDRESS)},
                           data={"List-Unsubscribe": "One-Click"}).status_code == 400
    assert site.subscriber(ADDRESS).status == "pending"  # type: ignore[union-attr]


def test_a_confirmation_token_is_no_unsubscribe_token_and_back(site: Site) -> None:
    link = signed_up(site)
    confirm_token = link.partition("token=")[2]
    unsubscribe_token = Tokens(SECRET, site.clock, 7).unsubscribe(ADDRESS)
    with site.client() as client:
        assert client.post("/unsubscribe", params={"token": confirm_token},
                           data={"List-Unsubscribe": "One-Click"}).status_code == 400
        assert client.get("/confirm", params={"token": unsubscribe_token}).status_code == 400
    assert site.subscriber(ADDRESS).status == "pending"  # type: ignore[union-attr]


def test_an_expired_confirmation_link_gets_a_clear_page_and_changes_nothing(site: Site) -> None:
    link = signed_up(site)
    before = site.subscriber(ADDRESS)
    site.clock.moment = FIXED_NOW + timedelta(days=7, seconds=1)
    with site.client() as client:
        answer = client.get(link)
    assert answer.status_code == 410 and "This link has expired" in answer.text
    assert 'href="subscribe"' in answer.text  # the way back: sign up again
    assert site.subscriber(ADDRESS) == before


def test_a_six_day_old_confirmation_link_still_works(site: Site) -> None:
    link = signed_up(site)
    site.clock.moment = FIXED_NOW + timedelta(days=6, hours=23)
    with site.client() as client:
        assert client.get(link).status_code == 200
    assert site.subscriber(ADDRESS).status == "active"  # type: ignore[union-attr]


def test_a_replayed_confirmation_link_changes_nothing(site: Site) -> None:
    link = signed_up(site)
    with site.client() as client:
        first = client.get(link)
        confirmed = site.subscriber(ADDRESS)
        site.clock.moment = FIXED_NOW + timedelta(hours=1)
        again = client.get(link)  # still subscribed: the same page, the row as it was
        assert (first.status_code, again.status_code) == (200, 200) and "You are subscribed" in again.text
        assert site.subscriber(ADDRESS) == confirmed

        unsubscribe = Tokens(SECRET, site.clock, 7).unsubscribe(ADDRESS)
        client.post("/unsubscribe", params={"token": unsubscribe}, data={"List-Unsubscribe": "One-Click"})
        left = site.subscriber(ADDRESS)
        replay = client.get(link)  # after leaving, an old confirmation link must not bring it back
    assert replay.status_code == 410 and "no longer works" in replay.text
    assert site.subscriber(ADDRESS) == left and left is not None and left.status == "unsubscribed"


def test_a_replaced_confirmation_link_no_longer_works(site: Site) -> None:
    first = signed_up(site)
    site.clock.moment = FIXED_NOW + timedelta(minutes=11)  # past the resend pause
    with site.client() as client:
        client.post("/subscribe", data={"email": ADDRESS})
        second = site.confirmation_link(ADDRESS, 2)
        assert client.get(first).status_code == 410
        assert site.subscriber(ADDRESS).status == "pending"  # type: ignore[union-attr]
        assert client.get(second).status_code == 200
    assert site.subscriber(ADDRESS).status == "active"  # type: ignore[union-attr]


@pytest.fixture
def member(site: Site) -> str:
    """An active subscriber's unsubscribe token."""
    with site.client() as client:
        client.get(signed_up(site))
    return Tokens(SECRET, site.clock, 7).unsubscribe(ADDRESS)


def test_the_unsubscribe_page_itself_changes_nothing(site: Site, member: str) -> None:
    with site.client() as client:
        page = client.get("/unsubscribe", params={"token": member})
    assert page.status_code == 200 and page.text.count("<button") == 1 and ADDRESS in page.text
    assert site.subscriber(ADDRESS).status == "active"  # type: ignore[union-attr]


def test_a_tampered_unsubscribe_link_gets_a_clear_page_and_changes_nothing(site: Site, member: str) -> None:
    before = site.subscriber(ADDRESS)
    with site.client() as client:
        for token in tampered(member):
            for answer in (client.get("/unsubscribe", params={"token": token}),
                           client.post("/unsubscribe", params={"token": token}, data={"List-Unsubscribe": "One-Click"})):
                assert answer.status_code == 400, token
                assert "This link does not work" in answer.text
        assert client.post("/unsubscribe", data={"List-Unsubscribe": "One-Click"}).status_code == 400  # no token
    assert site.subscriber(ADDRESS) == before


def test_a_post_without_the_one_click_field_changes_nothing(site: Site, member: str) -> None:
    with site.client() as client:
        for body in ({}, {"List-Unsubscribe": "yes"}, {"Unsubscribe": "One-Click"}):
            answer = client.post("/unsubscribe", params={"token": member}, data=body)
            assert answer.status_code == 400 and "Nothing was changed" in answer.text
    assert site.subscriber(ADDRESS).status == "active"  # type: ignore[union-attr]


def test_a_replayed_one_click_post_answers_200_and_changes_nothing(site: Site, member: str) -> None:
    with site.client() as client:
        first = client.post("/unsubscribe", params={"token": member}, data={"List-Unsubscribe": "One-Click"})
        left = site.subscriber(ADDRESS)
        site.clock.moment = FIXED_NOW + timedelta(days=3)
        again = client.post("/unsubscribe", params={"token": member}, data={"List-Unsubscribe": "One-Click"})
    assert first.status_code == again.status_code == 200 and first.text == again.text
    assert site.subscriber(ADDRESS) == left and left is not None and left.unsubscribed_at == FIXED_NOW.isoformat()
