"""Signed links: confirm a sign-up, unsubscribe with one click.

Both tokens are HMAC-signed (itsdangerous) with env ``BRIEFING_SECRET_KEY``,
each kind under its own salt, so one kind can never pass for the other.

- A **confirmation** token carries the address and a nonce and is timed: it
  expires after ``subscribers.confirm_days``. The nonce must still be the one
  stored for the address, so a used, replaced or cancelled link does nothing.
- An **unsubscribe** token carries only the address and never expires: Gmail
  and Yahoo require the one-click link of any message to keep working, and a
  person may act on an old email. It is deterministic, so a dry run's
  ``.eml`` and the real send are the same bytes (but for ``Date``).

Time comes from the ``Clock`` seam, so tests can expire a link.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from itsdangerous import (
    BadSignature,
    SignatureExpired,
    TimestampSigner,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)

from briefing.clock import Clock
from briefing.errors import SubscriberError, TokenError
from briefing.settings import SECRET_ENV

MIN_SECRET = 16  # characters; a shorter secret could be guessed
_CONFIRM = "briefing.confirm"
_UNSUBSCRIBE = "briefing.unsubscribe"


class Tokens:
    """Signs and checks the links of one secret, at the time ``clock`` says."""

    def __init__(self, secret: str, clock: Clock, confirm_days: int) -> None:
        check_secret(secret)
        self.max_age = timedelta(days=confirm_days)

        class ClockSigner(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock.now().timestamp())

        self._confirm = URLSafeTimedSerializer(secret, salt=_CONFIRM, signer=ClockSigner)
        self._unsubscribe = URLSafeSerializer(secret, salt=_UNSUBSCRIBE)

    def confirm(self, address: str, nonce: str) -> str:
        return str(self._confirm.dumps([address, nonce]))

    def read_confirm(self, token: str) -> tuple[str, str]:
        """(address, nonce) of a confirmation token, or ``TokenError``."""
        try:
            value: Any = self._confirm.loads(token, max_age=int(self.max_age.total_seconds()))
        except SignatureExpired:
            raise TokenError("expired", "the confirmation link has expired") from None
        except BadSignature:
            raise TokenError("invalid", "the confirmation link is damaged or was altered") from None
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
            raise TokenError("invalid", "the confirmation link does not hold an address")
        return value[0], value[1]

    def unsubscribe(self, address: str) -> str:
        return str(self._unsubscribe.dumps(address))

    def read_unsubscribe(self, token: str) -> str:
        """The address of an unsubscribe token, or ``TokenError``."""
        try:
            value: Any = self._unsubscribe.loads(token)
        except BadSignature:
            raise TokenError("invalid", "the unsubscribe link is damaged or was altered") from None
        if not isinstance(value, str):
            raise TokenError("invalid", "the unsubscribe link does not hold an address")
        return value


def check_secret(secret: str) -> None:
    """Raise ``SubscriberError`` saying how to set a usable secret."""
    if len(secret) < MIN_SECRET:
        problem = "is not set" if not secret else f"is shorter than {MIN_SECRET} characters"
        raise SubscriberError(
            f"env {SECRET_ENV} {problem}: it signs the confirm and unsubscribe links. Set it to a long random "
            f"value, the same for `briefing serve` and `briefing send`, e.g. "
            f"export {SECRET_ENV}=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )


def with_token(url: str, token: str) -> str:
    """``url`` with ``token=<token>`` added to its query (any other parameters kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "token"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("token", token)])))
