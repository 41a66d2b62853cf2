"""Which database the store is, and an engine configured the same way every time.

``store.url`` names it (``sqlite:///var/briefing.db`` or
``postgresql://briefing@db.example.org/briefing``); empty means the SQLite
file ``store.path``. The password is never written in the settings file: it
comes from env ``BRIEFING_STORE_PASSWORD``, or from the URL's own
environment-variable form, ``postgresql://briefing:${DB_PASSWORD}@host/db``,
expanded when the engine is made. ``postgresql://`` uses psycopg 3 (a binary
wheel from PyPI: no compiler needed).

Connections are autocommit at the driver: the store runs its own
``BEGIN`` / ``BEGIN IMMEDIATE`` ... ``COMMIT`` (``briefing.store.Store.transaction``),
so a statement outside a transaction commits at once, on both engines.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool, StaticPool

from briefing.errors import StoreError

if TYPE_CHECKING:
    from briefing.settings import StoreSettings

STORE_PASSWORD_ENV = "BRIEFING_STORE_PASSWORD"
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def store_url(url: str, path: Path, env: Mapping[str, str] | None = None) -> URL:
    """The store's URL: ``url`` with ``${NAME}`` expanded and the password from env, or ``path``."""
    env = os.environ if env is None else env
    if not url:
        return URL.create("sqlite", database=str(path))
    missing = [name for name in _ENV_REFERENCE.findall(url) if name not in env]
    if missing:
        raise StoreError(f"store.url names env {', '.join(missing)}, which is not set")
    try:
        parsed = make_url(_ENV_REFERENCE.sub(lambda m: quote(env[m.group(1)], safe=""), url))
    except ArgumentError as exc:
        raise StoreError(f"store.url is not a database URL: {exc}") from None
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.password is None and env.get(STORE_PASSWORD_ENV):
            parsed = parsed.set(password=env[STORE_PASSWORD_ENV])
    elif parsed.get_backend_name() != "sqlite":
        raise StoreError(f"store.url: {parsed.get_backend_name()} is not supported; use sqlite:/// or postgresql://")
    return parsed


def is_postgresql(url: URL) -> bool:
    return url.get_backend_name() == "postgresql"


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database))


def make_engine(url: URL) -> Engine:
    """An engine whose connections autocommit; one connection per ``Store`` (no pool to share)."""
    options: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"}
    if url.get_backend_name() == "sqlite":
        memory = sqlite_file(url) is None
        options |= {"poolclass": StaticPool if memory else NullPool,
                    "connect_args": {"timeout": 30, "check_same_thread": False}}
    else:
        options |= {"poolclass": NullPool, "connect_args": {"connect_timeout": 10}}
    engine = create_engine(url, **options)
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_setup)
    event.listen(engine, "handle_error", _damaged_or_full)
    return engine


# What the database says when its file is damaged or its disk is full (SQLite's
# messages; PostgreSQL's SQLSTATEs), and what the person running briefing can do.
_DAMAGED = ("database disk image is malformed", "file is not a database", "disk i/o error")
_FULL = ("database or disk is full",)
_PG_DAMAGED, _PG_FULL = ("XX001", "XX002"), ("53100",)


def _damaged_or_full(context: ExceptionContext) -> None:
    """Turn a damaged database or a full disk into one ``StoreError`` that says what to do.

    Every statement and connection of every engine passes through here
    (SQLAlchemy's ``handle_error``), so no command can end in a traceback for
    these; other database errors go on as they were (deadlock retries need them).
    """
    original = context.original_exception
    text = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    state = getattr(original, "sqlstate", "") or ""
    where = _where(context)
    if state in _PG_DAMAGED or any(sign in text.lower() for sign in _DAMAGED):
        rescue = f", or rescue what is left with `sqlite3 {where} .recover`" if sqlite_file(_url(context)) else ""
        raise StoreError(f"{where}: the store is damaged ({text}); nothing more was written. "
                         f"Restore it from a backup{rescue}, then run the command again") from None
    if state in _PG_FULL or any(sign in text.lower() for sign in _FULL):
        raise StoreError(f"{where}: the disk is full ({text}); what this step was writing was not stored and "
                         "the store is intact. Free some space, then run the command again") from None


def _url(context: ExceptionContext) -> URL:
    return context.engine.url if context.engine is not None else URL.create("postgresql")


def _where(context: ExceptionContext) -> str:
    if context.engine is None:
        return "the store"
    file = sqlite_file(context.engine.url)
    return str(file) if file is not None else display(context.engine.url)


def connect(url: URL, doing: str) -> tuple[Engine, Connection]:
    """A new engine and its one connection; a ``StoreError`` naming the database and ``doing`` if refused."""
    engine = make_engine(url)
    try:
        return engine, engine.connect()
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"{display(url)}: {doing}: {reason(exc)}") from None


def reason(exc: SQLAlchemyError) -> str:
    """The driver's own first line (SQLAlchemy's wrapper adds the statement and a link)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return str(exc.orig).strip().splitlines()[0]
    return str(exc).splitlines()[0]


def _sqlite_setup(dbapi_connection: Any, record: Any) -> None:
    dbapi_connection.isolation_level = None  # we say BEGIN IMMEDIATE ourselves
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL: a commit is in the WAL file before it returns, so it survives the
    # process being killed at any point (what the exactly-once tests do); only an OS
    # crash or power cut can lose the last commits (never corrupt the file). FULL
    # would fsync every commit: one per recipient of a send, 0.2-1.4 ms each here.
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def display(url: URL) -> str:
    """The URL for messages, password hidden."""
    return url.render_as_string(hide_password=True)


def shares_senders(settings: StoreSettings) -> bool:
    """Whether several senders may share an edition: PostgreSQL (row claims), not SQLite (one at a time)."""
    return is_postgresql(store_url(settings.url, settings.path))
