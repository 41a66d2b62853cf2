"""One connection to the store's database, the same on SQLite and PostgreSQL.

``Store`` (``briefing.store``) writes its SQL once, in the subset both engines
speak (``INSERT ... ON CONFLICT``, ``CASE``, ``count(*)``), with ``?``
placeholders; this class runs it through SQLAlchemy Core's
``exec_driver_sql`` (``?`` becomes psycopg's ``%s``: our SQL holds no literal
``?`` or ``%``), builds the idempotent inserts with Core's dialect-aware
``insert().on_conflict_do_nothing()``, writes bulk rows (``insert_rows``) as
multi-row ``INSERT``s on SQLite and binary ``COPY`` on PostgreSQL, and owns the
transactions:

- ``transaction()`` is ``BEGIN IMMEDIATE`` (SQLite: writers queue up front, no
  deadlock on upgrade) or ``BEGIN`` (PostgreSQL) ... ``COMMIT``; nested, a
  ``SAVEPOINT``; outside one, every statement commits at once;
- a *rehearsal* (``rehearse``) is for dry runs and ``send --to``: on SQLite an
  in-memory copy of the file (``sqlite3`` backup: the file is never written);
  on PostgreSQL a second connection inside a transaction that is always rolled
  back. Copying a shared database into memory would cost as much as the
  database; a rolled-back transaction costs nothing, sees the real rows, and
  leaves no trace. What it holds meanwhile is row locks on rows it wrote
  (a dry run's new articles and edition), for the seconds a dry run lasts.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Connection, Engine, Integer, Table, Text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError

from briefing.db import migrate
from briefing.db.engine import connect, display, make_engine
from briefing.db.schema import insert_ignoring

log = logging.getLogger(__name__)
# Bound values per statement: SQLite allows 32,766, PostgreSQL's protocol 65,535.
MAX_PARAMETERS = 10_000


class Database:
    """An open connection (autocommit at the driver), its engine and its transaction depth."""

    def __init__(self, engine: Engine, connection: Connection, *, rehearsal: bool = False) -> None:
        self.engine = engine
        self.connection = connection
        self.depth = 1 if rehearsal else 0
        self.rehearsal = rehearsal
        self.postgresql = connection.dialect.name == "postgresql"
        self.staging: set[str] = set()  # PostgreSQL: the staging tables this session has (see _copy_rows)

    @classmethod
    def open(cls, url: URL, *, migrate_to_head: bool = True) -> Database:
        """Connect and (by default) migrate if due; ``StoreError`` names the database and what failed.

        A store at head is only read (its revision), never write-locked: read-only
        commands do not wait on a running ingest or send.
        """
        engine, connection = connect(url, "cannot open the store")
        database = cls(engine, connection)
        try:
            if migrate_to_head:
                migrate.upgrade_if_due(connection, display(url))
            else:
                migrate.check(migrate.current(connection), migrate.revisions(), display(url))
        except BaseException:
            database.close()
            raise
        return database

    @property
    def raw(self) -> Any:
        """The driver's own connection (``sqlite3.Connection`` or ``psycopg.Connection``)."""
        return self.connection.connection.dbapi_connection

    def run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The ``CursorResult`` (typed ``Any``: its rows are tuples of whatever columns the SQL names).

        On PostgreSQL a list (the ``= ANY(?::type[])`` of ``Store._where_in``) goes as an array
        literal (``_pg_array``).
        """
        if self.postgresql:
            params = [_pg_array(p) if type(p) is list else p for p in params]
        return self.connection.exec_driver_sql(self._driver(sql), tuple(params))

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.connection.exec_driver_sql(self._driver(sql), [tuple(row) for row in rows])

    def insert_ignoring(self, table: Table, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert the rows that conflict with none already there; how many were new."""
        if not rows:
            return 0
        key = next(iter(table.primary_key.columns))
        statement = insert_ignoring(self.connection, table).returning(key)  # rowcount: -1 on psycopg
        return len(self.connection.execute(statement, [dict(row) for row in rows]).all())

    def insert_rows(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                    update: Sequence[str] = (), ignore: bool = False) -> int:
        """Insert ``rows`` (values of ``columns``, in order); how many rows were written.

        ``update`` (the conflict columns): an upsert overwriting every other column with the
        new row's; ``ignore``: rows that conflict are skipped (counted by ``RETURNING``).
        SQLite: multi-row ``INSERT``s, one statement per ``MAX_PARAMETERS`` values (not one a
        row as ``executemany`` sends), as plain text (``?`` marks): compiling a Core
        ``insert().values([...])`` of thousands of values costs more than running it.
        PostgreSQL: ``COPY`` (``_copy_rows``).
        """
        if not rows:
            return 0
        tail = ""
        if update:
            sets = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in update)
            tail = f" ON CONFLICT ({', '.join(update)}) DO UPDATE SET {sets}"
        elif ignore:
            tail = f" ON CONFLICT DO NOTHING RETURNING {next(iter(table.primary_key.columns)).name}"
        if self.postgresql:
            return self._copy_rows(table, columns, rows, tail, counted=ignore and not update)
        size = max(1, MAX_PARAMETERS // len(columns))
        one = "(" + ",".join("?" * len(columns)) + ")"
        written = 0
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES {','.join([one] * len(chunk))}"
            result = self.connection.exec_driver_sql(sql + tail, tuple(v for row in chunk for v in row))
            written += len(result.all()) if ignore and not update else len(chunk)
        return written

    def _copy_rows(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]], tail: str, *,
                   counted: bool) -> int:
        """``insert_rows`` on PostgreSQL: ``COPY`` (binary), straight into ``table`` when no
        conflict can matter, else into a staging table and on with one ``INSERT ... SELECT``.

        ``COPY`` sends the rows as one stream in psycopg's C code; the ``unnest(%s::text[])``
        arrays it replaces cost more to build in Python (psycopg's array quoting) than the
        server took to store them. ``COPY`` has no ``ON CONFLICT``, so rows that need one go
        first to ``staging`` (a temporary table like ``table``, one per session, always empty
        between calls) and then ``DELETE ... RETURNING`` moves them in the order given: the
        same rows, conflicts and ``RETURNING`` count as the multi-row ``INSERT`` on SQLite.
        """
        names = ", ".join(columns)
        if not tail:
            self._copy(f"COPY {table.name} ({names}) FROM STDIN (FORMAT BINARY)", _pg_types(table, columns), rows)
            return len(rows)
        if counted and self._copy_unless_conflicting(table, columns, rows):
            return len(rows)
        staging = f"briefing_staged_{table.name}"
        with self.transaction() if self.depth == 0 else nullcontext():  # staged and moved together, or neither
            if staging not in self.staging:
                self.connection.exec_driver_sql(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} "
                                                f"(LIKE {table.name} INCLUDING DEFAULTS, briefing_row integer) "
                                                "ON COMMIT DELETE ROWS")
                self.staging.add(staging)
            self._copy(f"COPY {staging} ({names}, briefing_row) FROM STDIN (FORMAT BINARY)",
                       [*_pg_types(table, columns), "int4"], ((*row, n) for n, row in enumerate(rows)))
            result = self.connection.exec_driver_sql(
                f"WITH staged AS (DELETE FROM {staging} RETURNING {names}, briefing_row) "
                f"INSERT INTO {table.name} ({names}) SELECT {names} FROM staged ORDER BY briefing_row{tail}")
            return len(result.all()) if counted else len(rows)

    def _copy_unless_conflicting(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bool:
        """``ignore=True`` rows copied straight in (in a savepoint); False, nothing written, if one conflicts.

        New articles are what ``ignore`` inserts, and they conflict only when another process
        stored the same one meanwhile: staging them (their whole text) and moving them costs
        more than this, and a conflict still ends in the staged ``ON CONFLICT DO NOTHING``
        (the server logs the unique violation that sent it there).
        """
        try:
            with self.transaction() if self.depth else nullcontext():  # alone, a COPY is all or nothing
                self._copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)",
                           _pg_types(table, columns), rows)
        except IntegrityError as exc:
            if getattr(exc.orig, "sqlstate", "") != UNIQUE_VIOLATION:
                raise
            return False
        return True

    def _copy(self, sql: str, types: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """``COPY ... FROM STDIN`` through psycopg's own connection (SQLAlchemy cannot run one).

        It passes SQLAlchemy's statement events (the bench counts statements there: a
        ``COPY`` is one) and its error handling, so a failure is the same ``DBAPIError``
        (and the same ``StoreError`` for a full disk) as any other statement's.
        """
        connection = self.connection
        cursor = self.raw.cursor()
        connection.dispatch.before_cursor_execute(connection, cursor, sql, (), None, False)
        try:
            with cursor.copy(sql) as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
        except Exception as exc:
            connection._handle_dbapi_exception(exc, sql, (), cursor, None)
        finally:
            cursor.close()
        connection.dispatch.after_cursor_execute(connection, cursor, sql, (), None, False)

    def _driver(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgresql else sql

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN (IMMEDIATE on SQLite) ... COMMIT, or a savepoint inside one; rolled back on any exception."""
        self.depth += 1
        savepoint = f"sp{self.depth}"
        begin = "BEGIN" if self.postgresql else "BEGIN IMMEDIATE"
        self.connection.exec_driver_sql(begin if self.depth == 1 else f"SAVEPOINT {savepoint}")
        try:
            yield
        except BaseException:
            self.connection.exec_driver_sql("ROLLBACK" if self.depth == 1 else f"ROLLBACK TO SAVEPOINT {savepoint}")
            self.staging.clear()  # a staging table made since is gone (CREATE ... IF NOT EXISTS again)
            raise
        finally:
            self.depth -= 1
        self.connection.exec_driver_sql("COMMIT" if self.depth == 0 else f"RELEASE SAVEPOINT {savepoint}")

    def rehearse(self) -> Database:
        """A connection whose writes never reach the store (see the module docstring)."""
        if not self.postgresql:
            engine = make_engine(URL.create("sqlite", database=":memory:"))
            connection = engine.connect()
            raw: sqlite3.Connection = self.raw
            raw.backup(connection.connection.dbapi_connection)  # type: ignore[arg-type]
            return Database(engine, connection)
        engine = make_engine(self.engine.url)
        connection = engine.connect()
        connection.exec_driver_sql("BEGIN")
        return Database(engine, connection, rehearsal=True)

    def close(self) -> None:
        try:
            if self.rehearsal:
                self.connection.exec_driver_sql("ROLLBACK")
            self.connection.close()
        finally:
            self.engine.dispose()



def _pg_array(values: list[Any]) -> Any:
    """``values`` as a PostgreSQL array literal (``{1,2}``, ``{"a","b"}``) if all ints or all strings.

    psycopg adapts a list element by element in Python, checking each for quotes with
    a regular expression: for the thousands of band keys a batch looks up, that cost
    more than the query. Every string is quoted, so only ``\\`` and ``"`` need escapes.
    """
    if all(type(v) is int for v in values):
        return "{" + ",".join(map(str, values)) + "}"
    if all(type(v) is str for v in values):
        return '{"' + '","'.join(v.replace("\\", "\\\\").replace('"', '\\"') for v in values) + '"}'
    return values


def _pg_types(table: Table, columns: Sequence[str]) -> list[str]:
    """The PostgreSQL type of each column, for binary ``COPY`` (which converts nothing)."""
    return [_PG_TYPES[type(table.c[name].type)] for name in columns]


_PG_TYPES: dict[type[Any], str] = {Text: "text", BigInteger: "int8", Integer: "int4"}
T = TypeVar("T")
CONFLICT_STATES = ("40001", "40P01")  # PostgreSQL: serialization failure, deadlock detected
UNIQUE_VIOLATION = "23505"


def retry_conflicts(run: Callable[[], T], what: str, attempts: int = 5) -> T:
    """Run ``run``, again if PostgreSQL aborted it for a deadlock with a concurrent writer.

    Two watchers whose transactions take the same rows in different orders (two
    feeds carrying the same stories) can deadlock; the server aborts one. An
    ingest pass is idempotent (what committed stays, the rest is read again),
    so running it again is safe.
    """
    for attempt in range(1, attempts + 1):
        try:
            return run()
        except DBAPIError as exc:
            if attempt == attempts or getattr(exc.orig, "sqlstate", "") not in CONFLICT_STATES:
                raise
            log.warning("%s: conflict with a concurrent writer (%s); again (%d of %d)", what,
                        str(exc.orig).splitlines()[0], attempt + 1, attempts)
            time.sleep(random.uniform(0.05, 0.3) * attempt)
    raise AssertionError("unreachable")
