"""Alembic migrations, applied on open when due and by ``briefing migrate``; newer stores refuse to run.

Alembic is configured in code (no ``alembic.ini``): the scripts live in
``briefing/db/migrations/versions``, one chain, revision ids ``0001``, ``0002``
... Before Alembic, SQLite stores counted their schema in ``PRAGMA
user_version``; revisions ``0001``..``0003`` are those same steps, so such a
store is stamped with the revision matching its ``user_version`` and upgraded
from there. SQLite stores keep ``user_version`` equal to the number of applied
revisions, so an older briefing still sees a newer store and refuses it.

The whole upgrade is one transaction: ``BEGIN IMMEDIATE`` on SQLite, ``BEGIN``
plus ``pg_advisory_xact_lock`` on PostgreSQL, so concurrent first starts
migrate once and the others wait, then find nothing to do. Opening a store
already at head takes no write transaction at all (``upgrade_if_due``).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from briefing.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

    from briefing.settings import StoreSettings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATE_LOCK = 0x62726566_0001  # advisory lock key: "bref" + 1


# Importing Alembic costs about 0.3 s; a store already at head (every command but the
# first after an upgrade) never needs it: the revisions are read from the scripts'
# ``revision = ...`` lines and the store's from its ``alembic_version`` table.
def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def revisions() -> list[str]:
    """Every revision id, oldest first."""
    return list(_revisions())


@functools.cache
def _revisions() -> tuple[str, ...]:
    """The chain of ``versions/*.py`` from its root, by their ``revision``/``down_revision``."""
    parent: dict[str | None, str] = {}
    for script in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        names = _assignments(script)
        if "revision" in names:
            parent[names.get("down_revision")] = str(names["revision"])
    chain, at = [], None
    while at in parent:
        at = parent[at]
        chain.append(at)
    return tuple(chain)


def _assignments(script: Path) -> dict[str, str | None]:
    """The module-level string (or None) constants of a migration script."""
    found: dict[str, str | None] = {}
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and (node.value.value is None or isinstance(node.value.value, str)):
                    found[target.id] = node.value.value
    return found


def _stored_revision(connection: Connection) -> str | None:
    """What Alembic's ``MigrationContext.get_current_revision`` reads, without importing Alembic."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row else None


def head() -> str:
    return revisions()[-1]


def current(connection: Connection) -> str | None:
    """The store's revision; None for an empty database."""
    revision = _stored_revision(connection)
    if connection.dialect.name == "sqlite":
        version = int(connection.exec_driver_sql("PRAGMA user_version").scalar_one())
        known = revisions()
        if version > len(known):
            return f"{version} (PRAGMA user_version)"
        if revision is None and version > 0:
            return known[version - 1]
    return revision


def upgrade(connection: Connection, where: str) -> tuple[str | None, str]:
    """Bring the store to the newest revision; (revision before, after). ``connection`` autocommits."""
    known = revisions()
    sqlite = connection.dialect.name == "sqlite"
    connection.exec_driver_sql("BEGIN IMMEDIATE" if sqlite else "BEGIN")
    try:
        if not sqlite:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK})
        before = current(connection)
        check(before, known, where)
        if before != known[-1]:
            _run(connection, before)
        if sqlite:
            connection.exec_driver_sql(f"PRAGMA user_version = {len(known)}")
    except BaseException:
        connection.exec_driver_sql("ROLLBACK")
        raise
    connection.exec_driver_sql("COMMIT")
    return before, known[-1]


def upgrade_if_due(connection: Connection, where: str) -> None:
    """Migrate only when the store is behind: a store at head is checked with plain reads.

    Reading the revision (``alembic_version``, ``PRAGMA user_version``) takes no
    write lock, so opening a store at head never waits on another process's
    write transaction; ``upgrade`` (``BEGIN IMMEDIATE``) runs only when due and
    reads the revision again inside its transaction.
    """
    known = revisions()
    revision = current(connection)
    check(revision, known, where)
    if revision != known[-1]:
        upgrade(connection, where)


def _run(connection: Connection, before: str | None) -> None:
    from alembic import command

    config = _config(connection)
    if before is not None and _stored_revision(connection) is None:
        command.stamp(config, before)  # an old user_version store: say where it stands
    command.upgrade(config, "head")


def check(revision: str | None, known: list[str], where: str) -> None:
    """Refuse a store whose schema this briefing does not know (written by a newer one)."""
    if revision is not None and revision not in known:
        raise StoreError(
            f"{where}: the store has schema revision {revision}, newer than this briefing understands "
            f"({known[-1]}); upgrade briefing"
        )



def upgrade_store(settings: StoreSettings) -> tuple[str | None, str]:
    """``briefing migrate``: upgrade the configured store; (revision before, after)."""
    with _connected(settings) as (connection, where):
        return upgrade(connection, where)


def status(settings: StoreSettings) -> tuple[str | None, str]:
    """``briefing migrate --check``: (the store's revision, this briefing's newest); refuses a newer store."""
    with _connected(settings) as (connection, where):
        before = current(connection)
        known = revisions()
        check(before, known, where)
        return before, known[-1]


@contextmanager
def _connected(settings: StoreSettings) -> Iterator[tuple[Connection, str]]:
    from briefing.db.engine import display, make_engine, sqlite_file, store_url

    url = store_url(settings.url, settings.path)
    if (file := sqlite_file(url)) is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            yield connection, display(url)
    except SQLAlchemyError as exc:
        raise StoreError(f"{display(url)}: cannot migrate the store: {str(exc).splitlines()[0]}") from None
    finally:
        engine.dispose()
