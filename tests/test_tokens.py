"""Signed links: what each kind carries, how long it lives, and the secret it needs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from briefing.clock import FixedClock
from briefing.errors import SubscriberError, TokenError
from briefing.tokens import Tokens, with_token
from tests.conftest import FIXED_NOW

SECRET = "tokens-test-secret-0123456789"


def test_a_confirmation_token_lives_confirm_days_on_the_clock() -> None:
    clock = FixedClock(FIXED_NOW)
    tokens = Tokens(SECRET, clock, 3)
    token = tokens.confirm("a@example.org", "n1")
    clock.moment = FIXED_NOW + timedelta(days=3)
    assert tokens.read_confirm(token) == ("a@example.org", "n1")
    clock.moment = FIXED_NOW + timedelta(days=3, seconds=1)
    with pytest.raises(TokenError) as caught:
        tokens.read_confirm(token)
    assert caught.value.reason == "expired"


def test_unsubscribe_tokens_are_deterministic_and_never_expire() -> None:
    clock = FixedClock(FIXED_NOW)
    tokens = Tokens(SECRET, clock, 7)
    token = tokens.unsubscribe("a@example.org")
    clock.moment = FIXED_NOW + timedelta(days=3650)
    assert Tokens(SECRET, clock, 7).unsubscribe("a@example.org") == token
    assert tokens.read_unsubscribe(token) == "a@example.org"
    assert tokens.unsubscribe("b@example.org") != token


@pytest.mark.parametrize("secret", ["", "short"])
def test_no_or_a_short_secret_is_refused_with_a_way_to_make_one(secret: str) -> None:
    with pytest.raises(SubscriberError, match="BRIEFING_SECRET_KEY .*secrets.token_urlsafe"):
        Tokens(secret, FixedClock(FIXED_NOW), 7)


def test_with_token_keeps_other_parameters_and_replaces_an_old_token() -> None:
    assert with_token("https://x.org/unsubscribe", "T.1") == "https://x.org/unsubscribe?token=T.1"
    assert with_token("https://x.org/u?list=a&token=old", "T") == "https://x.org/u?list=a&token=T"
