"""Alembic migrations, applied on open and by ``briefing migrate``; newer stores refuse to run.

Alembic is configured in code (no ``alembic.ini``): the scripts live in
``briefing/db/migrations/versions``, one chain, revision ids ``0001``, ``0002``
... Before Alembic, SQLite stores counted their schema in ``PRAGMA
user_version``; revisions ``0001``..``0003`` are those same steps, so such a
store is stamped with the revision matching its ``user_version`` and upgraded
from there. SQLite stores keep ``user_version`` equal to the number of applied
revisions, so an older briefing still sees a newer store and refuses it.

The whole upgrade is one transaction: ``BEGIN IMMEDIATE`` on SQLite, ``BEGIN``
plus ``pg_advisory_xact_lock`` on PostgreSQL, so concurrent first starts
migrate once and the others wait, then find nothing to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from briefing.errors import StoreError

if TYPE_CHECKING:
    from briefing.settings import StoreSettings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATE_LOCK = 0x62726566_0001  # advisory lock key: "bref" + 1


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def revisions() -> list[str]:
    """Every revision id, oldest first."""
    script = ScriptDirectory.from_config(_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def head() -> str:
    return revisions()[-1]


def current(connection: Connection) -> str | None:
    """The store's revision; None for an empty database."""
    revision = MigrationContext.configure(connection).get_current_revision()
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


def _run(connection: Connection, before: str | None) -> None:
    config = _config(connection)
    if before is not None and MigrationContext.configure(connection).get_current_revision() is None:
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
