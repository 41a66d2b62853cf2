"""The ledger: who has had which edition, and the delivery loop that keeps it true.

Exactly-once lives in our own tables (``editions``, ``deliveries``), never in
the scheduler:

- ``claim`` records the edition with its article ids and content in one
  transaction, so a resumed send mails the very same edition;
- a recipient is marked ``sent`` only after the server accepted the message
  (250), in one autocommitted statement; ``sent`` and ``failed`` recipients
  are never mailed that edition again;
- a temporary failure (4xx, connection lost) is retried ``smtp.retries`` times
  after ``smtp.retry_delay`` seconds, doubling, then left ``pending`` for the
  next run; a permanent one (5xx) is recorded ``failed`` and the others still
  go out; every failed attempt is counted in ``deliveries.attempts``;
- ``ConnectionFailed`` (cannot connect, TLS or login refused) ends the run:
  nobody's message was judged, so everyone not yet served stays pending and
  the outcome says so;
- a stop request (SIGTERM/SIGINT through ``stop_on_signals``) is honoured
  between recipients, never inside one;
- the audience is ``Mailing.recipients`` (``briefing.subscribers.recipients``),
  and each address is checked again just before its message: whoever
  unsubscribed while a long, rate-limited send was under way is skipped.

On PostgreSQL several senders may mail one edition at once: each recipient is
claimed (``Store.claim_recipient``: ``FOR UPDATE SKIP LOCKED``) while it is
mailed and recorded, so each goes to exactly one sender. On SQLite one sender
runs at a time (the file lock in ``briefing.pipeline.send``).

The one window left: a crash after the server's 250 and before that row is
written resends that single message on the next run. Its ``Message-ID`` is the
same, so mail clients that collapse duplicates show it once.
"""

from __future__ import annotations

import logging
import signal
import smtplib
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import make_msgid
from types import FrameType

from briefing.clock import Clock
from briefing.deliver.encoded import EncodedEdition, Outgoing
from briefing.deliver.mailer import Mailer, OutboxMailer, SmtpMailer
from briefing.deliver.message import build_message, message_id, personalise, sender_domain
from briefing.errors import ConnectionFailed, DeliveryError
from briefing.models import FINAL_DELIVERY, Briefing, Delivery, DeliveryStatus, RenderedEmail
from briefing.serialise import edition_content
from briefing.settings import Settings
from briefing.store import Store
from briefing.subscribers import suppressed
from briefing.tokens import Tokens, with_token

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Mailing:
    """One edition's email, ready to be addressed to each recipient."""

    edition: str
    email: RenderedEmail
    settings: Settings
    unsubscribe_url: str  # as rendered in ``email``; each recipient's copy gets their own token
    recipients: tuple[str, ...] = ()  # the audience (briefing.subscribers.recipients)
    tokens: Tokens | None = None  # None: no BRIEFING_SECRET_KEY, links without a token

    def message_id(self, recipient: str) -> str:
        return message_id(self.edition, recipient, self.settings.email.sender)

    def unsubscribe_for(self, recipient: str) -> str:
        """The recipient's one-click unsubscribe URL (signed: only they can use it)."""
        if self.tokens is None:
            return self.unsubscribe_url
        return with_token(self.unsubscribe_url, self.tokens.unsubscribe(recipient))

    def address(self, recipient: str, date: datetime) -> Outgoing | EmailMessage:
        """``recipient``'s message: spliced from the edition encoded once, else built whole."""
        url = self.unsubscribe_for(recipient)
        encoded = self.encoded(date)
        spliced = encoded.address(recipient, url, date) if encoded is not None else None
        return spliced or self.build(recipient, url, date)

    def build(self, recipient: str, url: str, date: datetime) -> EmailMessage:
        """The whole ``EmailMessage`` for ``recipient`` (what ``address`` splices, byte for byte)."""
        s = self.settings
        return build_message(
            personalise(self.email, self.unsubscribe_url, url), edition=self.edition, title=s.briefing.title,
            site_url=s.output.site_url, sender=s.email.sender, recipient=recipient, unsubscribe_url=url,
            unsubscribe_mailto=s.email.unsubscribe_mailto, date=date,
        )

    def encoded(self, date: datetime) -> EncodedEdition | None:
        """The edition encoded once (checked against ``build`` for the first recipient), or None."""
        if "_encoded" not in self.__dict__:
            s = self.settings
            probe = self.recipients[0] if self.recipients else "probe@example.org"
            self.__dict__["_encoded"] = EncodedEdition.prepare(
                self.email, self.unsubscribe_url, edition=self.edition, title=s.briefing.title,
                site_url=s.output.site_url, sender=s.email.sender, unsubscribe_mailto=s.email.unsubscribe_mailto,
                probe=(probe, self.unsubscribe_for(probe)), date=date)
        encoded: EncodedEdition | None = self.__dict__["_encoded"]
        return encoded


@dataclass(frozen=True)
class SendOutcome:
    """What one delivery run did, and why it ended early if it did."""

    deliveries: tuple[Delivery, ...]
    notes: tuple[str, ...] = ()


def claim(store: Store, briefing: Briefing, now: datetime) -> bool:
    """Record the edition, its articles and its content in one transaction; False if another did first."""
    content = edition_content(briefing)
    ids = [ref.id for story in briefing.stories for ref in story.articles]
    return store.claim_edition(briefing.edition.key, ids, content, now)


def deliver(mailing: Mailing, store: Store, mailer: Mailer, clock: Clock, stop: threading.Event) -> SendOutcome:
    """Mail the edition to every recipient of ``mailing`` not yet sent or failed.

    With ``smtp.connections`` above 1 (a real SMTP mailer, more than one
    recipient waiting), that many connections take recipients from one queue,
    each with a store connection of its own (``_parallel``). Waits (``mailer.interval``
    between two messages, the backoff between two attempts) go through ``clock``: a
    test's ``FixedClock`` records them.
    """
    done = store.delivery_status(mailing.edition)
    waiting = [r for r in mailing.recipients if done.get(r) not in FINAL_DELIVERY]
    queue = _Queue(waiting)
    connections = min(mailing.settings.smtp.connections, len(waiting))
    if connections > 1 and isinstance(mailer, SmtpMailer) and not store.database.rehearsal:
        return _parallel(mailing, store, mailer, queue, connections, clock, stop)
    run = _serve(mailing, store, mailer, queue, mailer.interval, clock, stop, _Halt())
    if run.reason:
        return _leave_pending(mailing, run.deliveries, [*run.left, *queue.rest()], run.reason)
    return SendOutcome(tuple(run.deliveries))


class _Queue:
    """The recipients still to take, shared by a send's connections."""

    def __init__(self, recipients: Sequence[str]) -> None:
        self.recipients, self.next, self.lock = list(recipients), 0, threading.Lock()

    def take(self) -> str | None:
        with self.lock:
            if self.next >= len(self.recipients):
                return None
            self.next += 1
            return self.recipients[self.next - 1]

    def rest(self) -> list[str]:
        """Whoever nobody took (and nobody will: the queue is emptied)."""
        with self.lock:
            rest, self.next = self.recipients[self.next:], len(self.recipients)
            return rest


class _Halt:
    """Set by the first connection of a send that could not connect: the others end too, for its reason."""

    def __init__(self) -> None:
        self.reason = ""

    def set(self, reason: str) -> None:
        self.reason = self.reason or reason


@dataclass
class _Run:
    """What one connection did: its deliveries, and why it ended early (with whom it left untried)."""

    deliveries: list[Delivery]
    reason: str = ""
    left: tuple[str, ...] = ()


def _serve(mailing: Mailing, store: Store, mailer: Mailer, queue: _Queue, interval: float,
           clock: Clock, stop: threading.Event, halt: _Halt) -> _Run:
    """One connection's loop: take, mail and record recipients until the queue is empty.

    Each recipient is recorded before this connection's next message starts, so
    a crash leaves at most the one message in flight unrecorded. ``halt``: another
    connection of this send could not connect (its reason ends this one too).
    """
    run = _Run([])
    now = clock.now
    last: datetime | None = None
    while (recipient := queue.take()) is not None:
        with store.claim_recipient(mailing.edition, recipient) as mine:  # False: another sender has them
            if not mine:
                continue
            pause = 0.0 if last is None else min(interval, interval - (now() - last).total_seconds())
            if halt.reason or stop.is_set() or (pause > 0 and clock.wait(stop, pause)):
                run.reason, run.left = halt.reason or "stopped on request (SIGTERM/SIGINT)", (recipient,)
                return run
            last = now()
            if suppressed(store, recipient):  # a send at a rate limit takes hours: people leave meanwhile
                log.info("%s: %s unsubscribed during the send: not mailed", mailing.edition, recipient)
                continue
            delivery, error = _deliver_one(mailing, store, mailer, recipient, clock, stop)
        run.deliveries.append(delivery)
        if isinstance(error, ConnectionFailed):
            run.reason = str(error)
            halt.set(run.reason)
            return run
    return run


def _parallel(mailing: Mailing, store: Store, mailer: SmtpMailer, queue: _Queue, connections: int,
              clock: Clock, stop: threading.Event) -> SendOutcome:
    """``connections`` loops at once: this thread on ``store``/``mailer``, the others in threads
    of their own, each with its own store connection and SMTP session; the rate limit is shared
    out (each waits ``connections`` intervals). Deliveries come back in the audience's order."""
    mailing.encoded(clock.now())  # encoded once, before the threads share it
    halt = _Halt()
    runs: list[_Run] = [_Run([]) for _ in range(connections)]
    interval = mailer.interval * connections

    failures: list[BaseException] = []

    def helper(slot: int) -> None:
        try:
            with store.sibling() as own, SmtpMailer(mailer.settings) as session:
                runs[slot] = _serve(mailing, own, session, queue, interval, clock, stop, halt)
        except BaseException as exc:  # the store failed: the others stop, and the caller hears of it
            failures.append(exc)
            halt.set(f"SMTP connection {slot + 1} of {connections} ended: {exc}")

    threads = [threading.Thread(target=helper, args=(slot,), name=f"send-{slot + 1}", daemon=True)
               for slot in range(1, connections)]
    for thread in threads:
        thread.start()
    try:
        runs[0] = _serve(mailing, store, mailer, queue, interval, clock, stop, halt)
    finally:
        for thread in threads:
            thread.join()
    if failures:
        raise failures[0]
    order = {recipient: index for index, recipient in enumerate(queue.recipients)}
    deliveries = sorted((d for run in runs for d in run.deliveries), key=lambda d: order[d.recipient])
    left = sorted([r for run in runs for r in run.left] + queue.rest(), key=order.__getitem__)
    reason = halt.reason or next((run.reason for run in runs if run.reason), "")
    if reason:
        return _leave_pending(mailing, deliveries, left, reason)
    return SendOutcome(tuple(deliveries))


def _deliver_one(mailing: Mailing, store: Store, mailer: Mailer, recipient: str,
                 clock: Clock, stop: threading.Event) -> tuple[Delivery, DeliveryError | None]:
    mid = mailing.message_id(recipient)
    now = clock.now

    def record(status: DeliveryStatus, error: str) -> None:
        store.record_delivery(mailing.edition, recipient, mid, status, error, now())

    try:
        message = mailing.address(recipient, now())
    except UNBUILDABLE as exc:  # one address the email package cannot write must not stop the others
        refused = unbuildable(recipient, exc)
        log.error("%s: %s", mailing.edition, refused)
        record("failed", str(refused))
        return Delivery(recipient, mid, "failed", str(refused)), refused
    mid = message["Message-ID"]
    error = hand_over(mailer, message, recipient, mailing.settings, stop, record, clock)
    if error is None:
        record("sent", "")
        log.info("%s: handed over to %s (%s)", mailing.edition, recipient, mid)
        return Delivery(recipient, mid, "written" if isinstance(mailer, OutboxMailer) else "sent"), None
    return Delivery(recipient, mid, _status(error), str(error)), error


def hand_over(mailer: Mailer, message: Outgoing | EmailMessage, recipient: str, settings: Settings,
              stop: threading.Event, record: Callable[[DeliveryStatus, str], None],
              clock: Clock) -> DeliveryError | None:
    """Send with retries and backoff (waited through ``clock``); return the last error, or None once accepted."""
    attempt = 0
    while True:
        try:
            mailer.send(message, recipient)
            return None
        except DeliveryError as exc:
            error = exc
        except smtplib.SMTPNotSupportedError as exc:  # an address needing SMTPUTF8, a server without it
            error = DeliveryError(f"{recipient}: the mail server cannot take this address ({exc}); "
                                  "fix or remove the address", temporary=False)
        except UNBUILDABLE as exc:
            error = unbuildable(recipient, exc)
        log.warning("%s: attempt %d failed: %s (%s)", recipient, attempt + 1, error, _status(error))
        record(_status(error), str(error))
        delay = settings.smtp.retry_delay * 2 ** attempt
        if not error.temporary or attempt >= settings.smtp.retries or clock.wait(stop, delay):
            return error
        attempt += 1


# What the email package raises for a message it cannot write (``NonASCIILocalPartDefect``
# and other header defects are ValueErrors; encoders raise UnicodeError).
UNBUILDABLE = (MessageError, ValueError, UnicodeError)


def unbuildable(recipient: str, exc: Exception) -> DeliveryError:
    """A permanent failure for ``recipient``: their message cannot be written at all."""
    return DeliveryError(f"{recipient}: no message can be written to this address "
                         f"({type(exc).__name__}: {exc}); fix or remove the address "
                         "(`briefing subscribers remove`)", temporary=False)


def _status(error: DeliveryError) -> DeliveryStatus:
    return "pending" if error.temporary or isinstance(error, ConnectionFailed) else "failed"


def _leave_pending(mailing: Mailing, deliveries: list[Delivery], rest: list[str], reason: str) -> SendOutcome:
    left = [Delivery(r, mailing.message_id(r), "pending", f"not attempted: {reason}") for r in rest]
    pending = sum(1 for d in deliveries if d.status == "pending") + len(left)
    note = f"{reason}; {pending} recipient(s) left pending for the next run"
    log.warning("%s: %s", mailing.edition, note)
    return SendOutcome((*deliveries, *left), (note,))


def finish(store: Store, recipients: Sequence[str], edition: str, now: datetime) -> bool:
    """Mark the edition sent once every recipient is sent or failed."""
    done = store.delivery_status(edition)
    if any(done.get(r) not in FINAL_DELIVERY for r in recipients):
        return False
    row = store.edition(edition)
    if row is not None and row.status != "sent":
        store.finish_edition(edition, "sent", now)
    return True


def send_test_copy(mailing: Mailing, mailer: Mailer, address: str, clock: Clock) -> Delivery:
    """Mail one copy to ``address``, marked as a test, recording nothing.

    The copy gets a fresh ``Message-ID``: if ``address`` is also a subscriber,
    the real message must not look like a duplicate of the test.
    """
    message = mailing.build(address, mailing.unsubscribe_for(address), clock.now())
    message.replace_header("Subject", f"[test] {message['Subject']}")
    message.replace_header("Message-ID", make_msgid("test", domain=sender_domain(mailing.settings.email.sender)))
    error = hand_over(mailer, message, address, mailing.settings, threading.Event(), lambda status, text: None, clock)
    if error is not None:
        raise error
    return Delivery(address, message["Message-ID"], "sent")


@contextmanager
def stop_on_signals(stop: threading.Event,
                    announce: Callable[[str], None] | None = None) -> Iterator[threading.Event]:
    """Turn SIGTERM and SIGINT into ``stop``: the loop ends between two recipients.

    ``announce`` is told the signal's name instead of the warning logged (the
    CLI's ``watch`` prints it). Only the main thread may install signal
    handlers; elsewhere ``stop`` is just returned and whoever owns the thread sets it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def request(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if announce is None:
            log.warning("%s received: stopping after the current recipient", name)
        else:
            announce(name)
        stop.set()

    previous = {sig: signal.signal(sig, request) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
