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

from email_validator import EmailNotValidError, validate_email


def check_address(address: str, *, smtputf8: bool = False) -> str:
    """The normalised address, or ``ValueError`` saying what is wrong with it.

    ``smtputf8=True`` is only for naming an address already stored (to remove
    one that an older briefing let in), never for adding one.
    """
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=smtputf8)
    except EmailNotValidError as exc:
        raise ValueError(f"{address!r} is not a valid email address ({exc})") from None
    return checked.ascii_email or checked.normalized
