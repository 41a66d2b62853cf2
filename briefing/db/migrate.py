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

A new, empty SQLite file is not taken through every revision: it runs
``migrations/head-sqlite.sql``, the statements the revisions leave in
``sqlite_master`` (and the head revision in ``alembic_version``), without
importing Alembic (a quarter of a second that every first run, and every test
with a store of its own, paid). ``tests/db/test_migrate.py`` checks that file
against a store the revisions made; after a new revision,
``python -m briefing.db.migrate --write-head-sql`` writes it again.
PostgreSQL stores always go through Alembic.
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
HEAD_SQLITE = MIGRATIONS_DIR / "head-sqlite.sql"
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


def upgrade(connection: Connection, where: str, *, use_head_sql: bool = True) -> tuple[str | None, str]:
    """Bring the store to the newest revision; (revision before, after). ``connection`` autocommits.

    ``use_head_sql``: an empty SQLite file gets ``HEAD_SQLITE`` instead of every revision
    (False: the revisions, as the check of that file needs).
    """
    known = revisions()
    sqlite = connection.dialect.name == "sqlite"
    connection.exec_driver_sql("BEGIN IMMEDIATE" if sqlite else "BEGIN")
    try:
        if not sqlite:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK})
        before = current(connection)
        check(before, known, where)
        if before is None and sqlite and use_head_sql and _empty(connection):
            _create_head(connection, known[-1])
        elif before != known[-1]:
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


def _empty(connection: Connection) -> bool:
    return int(connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar_one()) == 0


def _head_statements() -> tuple[str, list[str]]:
    """(revision, statements) of ``HEAD_SQLITE``: ``-- revision NNNN`` first, statements apart by blank lines."""
    text = HEAD_SQLITE.read_text(encoding="utf-8")
    revision = text.split("\n", 1)[0].removeprefix("-- revision ").strip()
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    return revision, [statement.strip() for statement in body.split("\n\n") if statement.strip()]


def _create_head(connection: Connection, head_revision: str) -> None:
    revision, statements = _head_statements()
    if revision != head_revision:  # a revision was added without writing the file again: take the long way
        _run(connection, None)
        return
    for statement in statements:
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES (?)", (revision,))


def head_sql(connection: Connection) -> str:
    """``HEAD_SQLITE``'s text for the SQLite store of ``connection``, made by the revisions."""
    rows = connection.exec_driver_sql(  # tables, then indexes, by name: Alembic's batch mode orders indexes at will
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type <> 'table', name").fetchall()
    statements = "\n\n".join(str(row[0]).replace("\n\n", "\n") for row in rows)
    return (f"-- revision {current(connection)}\n-- What the revisions leave in a new SQLite store"
            " (briefing.db.migrate). Written by\n-- python -m briefing.db.migrate --write-head-sql;"
            " do not edit.\n" + statements + "\n")


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


def _write_head_sql() -> None:
    """``python -m briefing.db.migrate --write-head-sql``: migrate a new file by the revisions, write ``HEAD_SQLITE``."""
    import tempfile

    from sqlalchemy.engine import make_url

    from briefing.db.engine import make_engine

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(make_url(f"sqlite:///{Path(folder) / 'head.db'}"))
        try:
            with engine.connect() as connection:
                upgrade(connection, "head", use_head_sql=False)
                HEAD_SQLITE.write_text(head_sql(connection), encoding="utf-8")
        finally:
            engine.dispose()
    print(f"wrote {HEAD_SQLITE}")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--write-head-sql"]:
        sys.exit("usage: python -m briefing.db.migrate --write-head-sql")
    _write_head_sql()
