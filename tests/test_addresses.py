"""``check_address``: the plain-address shortcut says what email_validator says."""

from __future__ import annotations

import email_validator
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing import addresses
from briefing.addresses import check_address


def library(address: str) -> str | None:
    """What email_validator alone makes of ``address`` (None: refused)."""
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return checked.ascii_email or checked.normalized


def ours(address: str) -> str | None:
    try:
        return check_address(address)
    except ValueError:
        return None


def test_the_special_use_domains_are_the_libraries() -> None:
    assert sorted(addresses.SPECIAL_USE) == sorted(email_validator.SPECIAL_USE_DOMAIN_NAMES)


ATOM = st.text("abcxyzABZ019_+-", min_size=1, max_size=12)
LABEL = st.text("abz019-", min_size=1, max_size=12) | st.sampled_from(["a" * 63, "a" * 64, "xn--bcher-kva"])
TLD = st.text("abcz", min_size=2, max_size=6) | st.sampled_from([*addresses.SPECIAL_USE, "COM", "x"])
LOCAL = st.lists(ATOM, min_size=1, max_size=6).map(".".join)
DOMAIN = st.builds(lambda labels, tld: ".".join([*labels, tld]), st.lists(LABEL, min_size=1, max_size=5), TLD)
PLAIN_LIKE = st.builds(lambda local, domain: f"{local}@{domain}", LOCAL, DOMAIN)


@settings(max_examples=400, deadline=None)
@given(PLAIN_LIKE)
def test_every_address_the_shortcut_takes_the_library_takes_unchanged(address: str) -> None:
    if addresses._plain(address):
        assert library(address) == address
    assert ours(address) == library(address)


@settings(max_examples=300, deadline=None)
@given(st.emails() | st.text(max_size=40) | st.from_regex(r"[A-Za-z0-9.+_-]{1,70}@[A-Za-z0-9.-]{1,70}", fullmatch=True))
def test_any_address_gets_the_libraries_answer(address: str) -> None:
    assert ours(address) == library(address)


@pytest.mark.parametrize(("address", "expected"), [
    ("ada@example.org", "ada@example.org"),  # the shortcut
    ("Ada.Lovelace+news@mail.example.co.uk", "Ada.Lovelace+news@mail.example.co.uk"),
    ("ada@Example.ORG", "ada@example.org"),  # the library: the domain lower-cased
    ("ada@bücher.example", "ada@xn--bcher-kva.example"),  # kept in its ASCII form
])
def test_addresses_are_normalised(address: str, expected: str) -> None:
    assert check_address(address) == expected


@pytest.mark.parametrize("address", [
    "ada@printer.local", "ada@host.test", "ada@example", "ada@example.123",
    "ada@" + "a" * 64 + ".org", "ada@-example.org", "pаypal@example.org", "ada..l@example.org",
])
def test_what_the_library_refuses_is_refused_with_the_reason(address: str) -> None:
    with pytest.raises(ValueError, match="is not a valid email address"):
        check_address(address)
