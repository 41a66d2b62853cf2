"""Subscribers: who gets the briefing, and the rules that make leaving final.

A subscriber is a row of the store's ``subscribers`` table with a status:

- ``pending``: signed up on the web, confirmation link not yet followed;
- ``active``: confirmed (double opt-in), or added or imported by the operator;
- ``unsubscribed``: left, by the one-click link or ``briefing subscribers remove``;
- ``bounced``: the operator marked the mailbox dead (``remove --bounced``).

The rules, all here so the web app, the CLI and the send agree:

- **Suppression wins.** An unsubscribed or bounced address never receives
  another edition, even when it is listed in ``email.recipients`` or the
  recipients file, added again or re-imported. Only the person can lift it:
  by signing up again and following the new confirmation link.
- **The audience** of a send is ``email.recipients`` (with the file) plus the
  active subscribers, minus every suppressed address, compared
  case-insensitively (``recipients``); the send asks ``suppressed`` again
  right before each message.
- **A sign-up tells nothing:** ``sign_up`` treats a known, an unknown and a
  suppressed address alike as far as its caller can see; it returns a nonce
  when a confirmation mail is due and "" when not (already active, or one was
  sent less than ``RESEND_AFTER`` ago: nobody can mail-bomb an address).
- Every confirmation link carries the address's current nonce, so a link used
  once, replaced by a newer one, or cancelled by unsubscribing does nothing.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal, NamedTuple, TextIO

from briefing.addresses import check_address
from briefing.errors import SubscriberError
from briefing.models import SubscriberStatus
from briefing.settings import Settings
from briefing.store import Store, Subscriber

log = logging.getLogger(__name__)

SUPPRESSION: tuple[SubscriberStatus, ...] = ("unsubscribed", "bounced")  # final until the person signs up again
SUPPRESSED = frozenset(SUPPRESSION)
RESEND_AFTER = timedelta(minutes=10)  # at most one confirmation mail per address this often
EXPORT_COLUMNS = ("address", "status", "source", "created_at", "confirmed_at", "unsubscribed_at")
_ADDRESS_HEADERS = {"address", "email", "e-mail", "email address", "email_address", "mail"}

Added = Literal["added", "activated", "unchanged", "suppressed"]
Confirmed = Literal["confirmed", "already-active", "used"]


def normalise(address: str, *, stored: bool = False) -> str:
    """The address as stored and mailed (email-validator's form), or ``SubscriberError``.

    ``stored=True`` also takes a non-ASCII mailbox, as an older briefing may
    have stored one: so that it can be removed.
    """
    try:
        return check_address(address.strip(), smtputf8=stored)
    except ValueError as exc:
        raise SubscriberError(str(exc)) from None


def recipients(settings: Settings, store: Store) -> tuple[str, ...]:
    """Who gets an edition: configured recipients and active subscribers, never a suppressed one."""
    rows = store.subscribers()
    suppressed = {row.address.lower() for row in rows if row.status in SUPPRESSED}
    active = [row.address for row in rows if row.status == "active"]
    merged: dict[str, str] = {}
    for address in (*settings.email.recipients, *active):
        if address.lower() not in suppressed:
            merged.setdefault(address.lower(), address)
    return tuple(merged.values())


def suppressed(store: Store, address: str) -> bool:
    """Whether ``address`` unsubscribed or bounced (checked again just before each message)."""
    row = store.subscriber(address)
    return row is not None and row.status in SUPPRESSED


def listing(settings: Settings, store: Store, status: str = "") -> list[Subscriber]:
    """Stored subscribers plus configured recipients not in the store (source "config")."""
    rows = store.subscribers()
    known = {row.address.lower() for row in rows}
    configured = [Subscriber(a, "active", "config", "", "") for a in settings.email.recipients if a.lower() not in known]
    return [row for row in (*rows, *configured) if not status or row.status == status]


def sign_up(store: Store, address: str, now: datetime, source: str = "web") -> str:
    """Record a sign-up; the nonce for a confirmation mail, or "" when none is due.

    A suppressed address stays suppressed until the new link is followed.
    """
    at = now.isoformat()
    with store.transaction():
        row = store.subscriber(address)
        if row is not None and (row.status == "active" or _recently_mailed(row, now)):
            return ""
        nonce = secrets.token_urlsafe(12)
        if row is None:
            row = Subscriber(address, "pending", source, at, at)
        store.put_subscriber(replace(row, nonce=nonce, confirm_sent_at=at, updated_at=at))
    return nonce


def _recently_mailed(row: Subscriber, now: datetime) -> bool:
    return bool(row.nonce and row.confirm_sent_at) and now - datetime.fromisoformat(row.confirm_sent_at) < RESEND_AFTER


def confirm(store: Store, address: str, nonce: str, now: datetime) -> Confirmed:
    """Activate ``address`` if ``nonce`` is its current confirmation; else change nothing."""
    at = now.isoformat()
    with store.transaction():
        row = store.subscriber(address)
        if row is None or not nonce or row.nonce != nonce:
            return "already-active" if row is not None and row.status == "active" else "used"
        store.put_subscriber(replace(row, status="active", nonce="", confirmed_at=at, updated_at=at))
    log.info("subscriber confirmed: %s", address)
    return "confirmed"


def unsubscribe(store: Store, address: str, now: datetime, *, status: str = "unsubscribed",
                source: str = "unsubscribe link") -> bool:
    """Suppress ``address``, known or not (a configured recipient gets a row); False if it already was."""
    with store.transaction():
        changed = _suppress(store, address, now, status, source)
    if changed:
        log.info("subscriber %s: %s", status, address)
    return changed


def _suppression(status: str) -> SubscriberStatus:
    for known in SUPPRESSION:
        if status == known:
            return known
    raise SubscriberError(f"{status!r} is not a suppression status; use one of {', '.join(sorted(SUPPRESSED))}")


def _suppress(store: Store, address: str, now: datetime, wanted: str, source: str) -> bool:
    status = _suppression(wanted)
    at = now.isoformat()
    row = store.subscriber(address)
    if row is not None and row.status in SUPPRESSED:
        return False
    row = row or Subscriber(address, status, source, at, at)
    store.put_subscriber(replace(row, status=status, nonce="", unsubscribed_at=at, updated_at=at))
    return True


def add(store: Store, address: str, now: datetime, source: str = "cli") -> Added:
    """Make ``address`` active without a confirmation (the operator vouches for it), unless suppressed."""
    with store.transaction():
        return _add(store, address, now, source)


def _add(store: Store, address: str, now: datetime, source: str) -> Added:
    at = now.isoformat()
    row = store.subscriber(address)
    if row is None:
        store.put_subscriber(Subscriber(address, "active", source, at, at, confirmed_at=at))
        return "added"
    if row.status in SUPPRESSED:
        return "suppressed"
    if row.status == "active":
        return "unchanged"
    store.put_subscriber(replace(row, status="active", nonce="", confirmed_at=at, updated_at=at))
    return "activated"


@dataclass(frozen=True)
class ImportReport:
    """What ``import_csv`` did; ``bad`` holds (line number, reason) of each row left out."""

    added: int = 0
    unchanged: int = 0
    suppressed: int = 0  # rows whose address is (now) unsubscribed or bounced: not made active
    bad: tuple[tuple[int, str], ...] = ()


def import_csv(store: Store, path: Path, now: datetime) -> ImportReport:
    """Add every good row of a CSV file in one transaction; report the bad ones by line.

    The address is the column headed address/email (else the first column);
    an optional status column may say active, unsubscribed or bounced (the
    shape ``export_csv`` writes), so a suppression list imports as one.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SubscriberError(f"cannot read {path}: {exc}") from None
    counts = {"added": 0, "unchanged": 0, "suppressed": 0}
    bad: list[tuple[int, str]] = []
    with store.transaction():
        for row in _csv_rows(io.StringIO(text, newline="")):
            try:
                outcome = _import_row(store, row, now, f"import {path.name}")
            except SubscriberError as exc:
                bad.append((row.line, str(exc)))
                continue
            counts[outcome] += 1
    return ImportReport(**counts, bad=tuple(bad))


class _Row(NamedTuple):
    line: int
    address: str
    status: str
    error: str = ""


def _csv_rows(lines: Iterable[str]) -> Iterator[_Row]:
    """Each non-empty data row with its line number; a header row picks the columns."""
    reader = csv.reader(lines)
    column, status_column = 0, -1
    while True:
        line = reader.line_num + 1
        try:
            cells = [cell.strip() for cell in next(reader)]
        except StopIteration:
            return
        except csv.Error as exc:
            yield _Row(line, "", "", f"not CSV: {exc}")
            continue
        lowered = [cell.lower() for cell in cells]
        if line == 1 and _ADDRESS_HEADERS.intersection(lowered):
            column = next(i for i, cell in enumerate(lowered) if cell in _ADDRESS_HEADERS)
            status_column = lowered.index("status") if "status" in lowered else -1
        elif any(cells) and not cells[0].startswith("#"):
            yield _Row(line, _cell(cells, column), _cell(cells, status_column))


def _cell(cells: list[str], index: int) -> str:
    return cells[index] if 0 <= index < len(cells) else ""


def _import_row(store: Store, row: _Row, now: datetime, source: str) -> str:
    if row.error or not row.address:
        raise SubscriberError(row.error or "no address in this row")
    address = normalise(row.address)
    status = row.status.lower() or "active"
    if status in SUPPRESSED:
        _suppress(store, address, now, status, source)
        return "suppressed"
    if status != "active":
        raise SubscriberError(f"status {row.status!r} cannot be imported; use active, unsubscribed or bounced "
                              "(a pending address must confirm by signing up itself)")
    outcome = _add(store, address, now, source)
    return "added" if outcome in ("added", "activated") else outcome


def export_csv(store: Store, out: TextIO) -> int:
    """Write every stored subscriber as CSV: suppressed ones too, so a re-import keeps them out.

    Configured recipients are not written: they live in the settings file.
    """
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    rows = store.subscribers()
    for row in rows:
        writer.writerow([getattr(row, name) for name in EXPORT_COLUMNS])
    return len(rows)
