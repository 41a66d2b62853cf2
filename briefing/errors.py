"""The one error hierarchy of briefing.

The library raises these; only ``briefing.cli`` turns them into messages and
exit codes::

    BriefingError
    ├── ConfigError        settings file or key is wrong (exit code 2)
    ├── SourceError        an article file or feed cannot be read or parsed
    │   └── QuarantineError    ... and the item goes to quarantine with a reason
    ├── StoreError         the store (SQLite or PostgreSQL) cannot be opened, migrated or written, or is too new
    │   └── AlreadyRunning     another sender or scheduler holds this store's lock
    ├── RenderError        templates missing or failing
    ├── DeliveryError      the mail server refused or cannot be reached
    │   └── ConnectionFailed   no session at all (connect, TLS or login): nothing was handed over
    ├── SubscriberError    a subscriber address or list cannot be used as given
    │   └── TokenError         a confirm/unsubscribe link is altered, expired or already used
    └── ModelError         the model endpoint failed or answered unusably (never fatal: the
                           story is told by the extractive editor; ``briefing.llm``)
"""

from __future__ import annotations

from pathlib import Path


class BriefingError(Exception):
    """Base class of every error briefing raises on purpose."""


class ConfigError(BriefingError):
    """A settings file is missing, unreadable, or has a wrong key or value.

    The message names the file, the key, what was wrong and a valid example.
    """

    def __init__(self, file: Path | str, key: str, problem: str, example: str = "") -> None:
        self.file = str(file)
        self.key = key
        self.problem = problem
        self.example = example
        where = f"{self.file}: [{key}]" if key else self.file
        text = f"{where}: {problem}"
        if example:
            text += f"\n  for example: {example}"
        super().__init__(text)


class SourceError(BriefingError):
    """An article file or a feed could not be read."""

    def __init__(self, origin: str, reason: str) -> None:
        self.origin = origin
        self.reason = reason
        super().__init__(f"{origin}: {reason}")


class QuarantineError(SourceError):
    """The item is unusable as it stands; it is quarantined with ``reason``."""


class StoreError(BriefingError):
    """The store cannot be opened, migrated or written."""


class AlreadyRunning(StoreError):
    """Another process holds the lock of this role (a send, the scheduler) on this store."""


class RenderError(BriefingError):
    """A template is missing or failed to render."""


class DeliveryError(BriefingError):
    """Mail could not be handed to the server."""

    def __init__(self, message: str, *, temporary: bool = True) -> None:
        self.temporary = temporary
        super().__init__(message)


class ConnectionFailed(DeliveryError):
    """No session with the mail server: it cannot be reached, or TLS or login failed.

    Nobody's message was refused, so no recipient is marked failed: the run
    stops and everyone not yet served stays pending for the next run.
    """


class SubscriberError(BriefingError):
    """A subscriber address, CSV file or the link secret cannot be used as given."""


class TokenError(SubscriberError):
    """A signed link is unusable; ``reason`` is "invalid" (altered or damaged) or "expired"."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(detail)


class ModelError(BriefingError):
    """The model endpoint timed out, refused, failed, or answered what cannot be used.

    ``briefing.llm`` catches it per story and tells that story extractively;
    ``reason`` is the short text the build report counts. ``unreachable``: it
    timed out or could not connect, so the rest of the edition does not ask again.
    """

    def __init__(self, reason: str, *, unreachable: bool = False) -> None:
        self.reason = reason
        self.unreachable = unreachable
        super().__init__(reason)
