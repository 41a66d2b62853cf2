"""The one check every email address passes where it enters briefing.

Settings (``email.sender``, ``email.recipients``, the recipients file,
``email.unsubscribe_mailto``), ``briefing subscribers add`` and ``import``,
``briefing send --to`` and the web sign-up form all call ``check_address``,
so an address the send cannot use is refused at the door, with the reason,
instead of stopping a send half-way.

Accepted: what plain SMTP can carry. A local part (before the ``@``) must be
ASCII: a mailbox such as ``pаypal@example.org`` (a Cyrillic "а") needs the
SMTPUTF8 extension end to end, and is a favourite of look-alike phishing. An
internationalised domain is fine and is kept in its ASCII (IDNA) form, so
every accepted address can be written into a header and an envelope as is.
"""

from __future__ import annotations

import re

# Addresses email_validator takes exactly as they are written: an ASCII dot-atom local part,
# a lower-case domain of plain labels under an alphabetic top-level domain, within the
# lengths RFC 5321 allows. Validating one of those with the library (about 0.1 ms, most of
# it per-character IDNA checks) was a tenth of a 2,000-recipient send's start-up; any other
# address still goes through it (``tests/test_addresses.py`` checks the two agree).
_PLAIN = re.compile(r"([A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*)@((?:[a-z0-9]+(?:-[a-z0-9]+)*\.)+[a-z]{2,24})")
# email_validator.SPECIAL_USE_DOMAIN_NAMES, which it refuses (the test keeps the two equal)
SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")


def check_address(address: str, *, smtputf8: bool = False) -> str:
    """The normalised address, or ``ValueError`` saying what is wrong with it.

    ``smtputf8=True`` is only for naming an address already stored (to remove
    one that an older briefing let in), never for adding one.
    """
    if _plain(address):
        return address
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=smtputf8)
    except EmailNotValidError as exc:
        raise ValueError(f"{address!r} is not a valid email address ({exc})") from None
    return checked.ascii_email or checked.normalized


def _plain(address: str) -> bool:
    match = _PLAIN.fullmatch(address)
    if match is None or len(match[1]) > 64 or len(address) > 254:
        return False
    domain = match[2]
    return all(len(label) <= 63 for label in domain.split(".")) and not any(
        domain == name or domain.endswith("." + name) for name in SPECIAL_USE)
