"""``Database.insert_rows`` on both engines: PostgreSQL's COPY path gives what SQLite's multi-row INSERT gives.

Each test runs against a real SQLite file and a real PostgreSQL database
(``pg_url``: a fresh database on the test server), on a probe table of the
column types the store uses (text, bigint, integer, a nullable text, a
server default, a second unique key), so that the store's own schema changes
do not move these tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, Text, event
from sqlalchemy.exc import IntegrityError

from briefing.db.database import Database
from briefing.db.engine import connect, store_url

probe = Table(
    "probe", MetaData(), Column("id", Text, primary_key=True), Column("alias", Text, unique=True),
    Column("note", Text), Column("n", BigInteger, nullable=False), Column("small", Integer, nullable=False),
    Column("fixed", Text, nullable=False, server_default="d"),
)
COLUMNS = ("id", "alias", "note", "n", "small")
# What COPY's text format treats specially (tab, newline, backslash, its \N NULL marker and its \. end
# marker), quotes, commas, empty strings, and characters beyond ASCII.
AWKWARD = ["tab\there", "new\nline", "cr\r\nlf", "back\\slash", "\\N", "\\.", "'single' \"double\"",
           "a,b;c|d", "", " ", "ü é 中文 🦀 \u2028", "\x01\x7f", "NULL", "trailing\\"]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = (store_url("", tmp_path / "probe.db") if request.param == "sqlite"
           else store_url(request.getfixturevalue("pg_url"), tmp_path))
    engine, connection = connect(url, "cannot open the probe database")
    probe.metadata.create_all(connection)
    database = Database(engine, connection)
    yield database
    database.close()


def rows_of(database: Database) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in database.run("SELECT id, alias, note, n, small, fixed FROM probe ORDER BY id")]


def test_awkward_text_nulls_and_big_integers_come_back_exactly(database: Database) -> None:
    rows = [(f"k{i:02d}", text, None if i % 3 == 0 else text[::-1], (-1) ** i * (2**62 + i), -(2**31) + i)
            for i, text in enumerate(AWKWARD)]
    rows.append(("nulls", None, None, 0, 0))

    assert database.insert_rows(probe, COLUMNS, rows) == len(rows)

    assert rows_of(database) == sorted((*row, "d") for row in rows)


def test_no_rows_write_nothing_and_send_no_statement(database: Database) -> None:
    sent: list[str] = []
    event.listen(database.engine, "before_cursor_execute", lambda *args: sent.append(str(args[2])))

    assert database.insert_rows(probe, COLUMNS, []) == 0
    assert database.insert_rows(probe, COLUMNS, [], ignore=True) == 0
    assert database.insert_rows(probe, COLUMNS, [], update=("id",)) == 0

    assert sent == [] and rows_of(database) == []


def test_ignore_counts_only_new_rows_and_the_first_of_a_repeated_key_wins(database: Database) -> None:
    database.insert_rows(probe, COLUMNS, [("a", "alias-a", "old", 1, 1), ("b", None, "old", 2, 2)])
    batch = [("a", "other", "new", 9, 9),          # same id as a stored row
             ("c", "alias-a", "new", 9, 9),        # same alias (the second unique key) as a stored row
             ("d", "tab\td", "first", 4, 4),       # new
             ("d", "tab\td2", "second", 5, 5),     # repeats the batch's own id: skipped
             ("e", None, "back\\slash", 6, 6)]     # new (NULL aliases never conflict)

    assert database.insert_rows(probe, COLUMNS, batch, ignore=True) == 2
    assert database.insert_rows(probe, COLUMNS, batch, ignore=True) == 0

    assert rows_of(database) == [("a", "alias-a", "old", 1, 1, "d"), ("b", None, "old", 2, 2, "d"),
                                 ("d", "tab\td", "first", 4, 4, "d"), ("e", None, "back\\slash", 6, 6, "d")]


def test_ignore_skips_a_key_repeated_within_the_batch_when_nothing_stored_conflicts(database: Database) -> None:
    batch = [("x", None, "first", 1, 1), ("y", "y", "only", 2, 2), ("x", None, "second", 3, 3)]

    assert database.insert_rows(probe, COLUMNS, batch, ignore=True) == 2

    assert rows_of(database) == [("x", None, "first", 1, 1, "d"), ("y", "y", "only", 2, 2, "d")]


def test_update_overwrites_every_other_column_and_counts_every_row(database: Database) -> None:
    database.insert_rows(probe, COLUMNS, [("a", "x", "old", 1, 1), ("b", "y", "old", 2, 2)])
    batch = [("a", "x2", None, 10, 10), ("c", "z", "new\nline", 3, 3)]

    assert database.insert_rows(probe, COLUMNS, batch, update=("id",)) == 2

    assert rows_of(database) == [("a", "x2", None, 10, 10, "d"), ("b", "y", "old", 2, 2, "d"),
                                 ("c", "z", "new\nline", 3, 3, "d")]


def test_many_rows_in_one_call(database: Database) -> None:
    rows = [(f"{i:06d}", f"alias {i}", "x" * (i % 50), i, i % 1000) for i in range(25_000)]

    assert database.insert_rows(probe, COLUMNS, rows[:20_000]) == 20_000
    assert database.insert_rows(probe, COLUMNS, rows, ignore=True) == 5_000
    assert database.insert_rows(probe, COLUMNS, [(r[0], r[1], "u", r[3], r[4]) for r in rows], update=("id",)) == 25_000

    assert database.run("SELECT count(*), count(DISTINCT note), sum(n) FROM probe").one() == (25_000, 1, sum(range(25_000)))


def test_a_rolled_back_savepoint_leaves_nothing_behind_for_later_inserts(database: Database) -> None:
    with database.transaction():
        database.insert_rows(probe, COLUMNS, [("kept", None, "1", 1, 1)], ignore=True)
        with pytest.raises(RuntimeError), database.transaction():
            database.insert_rows(probe, COLUMNS, [("gone", None, "2", 2, 2)], ignore=True)
            database.insert_rows(probe, COLUMNS, [("gone too", None, "3", 3, 3)], update=("id",))
            raise RuntimeError("abandon the savepoint")
        assert database.insert_rows(probe, COLUMNS, [("later", None, "4", 4, 4)], ignore=True) == 1
    with pytest.raises(RuntimeError), database.transaction():
        database.insert_rows(probe, COLUMNS, [("rolled back", None, "5", 5, 5)], ignore=True)
        raise RuntimeError("abandon the transaction")

    assert database.insert_rows(probe, COLUMNS, [("last", None, "6", 6, 6)], ignore=True) == 1
    assert database.insert_rows(probe, COLUMNS, [("last", None, "7", 7, 7)], update=("id",)) == 1

    assert [r[0] for r in rows_of(database)] == ["kept", "last", "later"]


def test_a_bad_row_raises_the_usual_integrity_error_and_the_connection_goes_on(database: Database) -> None:
    for options in ({}, {"ignore": True}, {"update": ("id",)}):
        with pytest.raises(IntegrityError):
            database.insert_rows(probe, COLUMNS, [("ok", None, "x", 1, 1), ("bad", None, "x", None, 1)], **options)
    with pytest.raises(IntegrityError), database.transaction():
        database.insert_rows(probe, COLUMNS, [("bad", None, "x", 1, None)])

    assert database.insert_rows(probe, COLUMNS, [("fine", None, "x", 1, 1)], ignore=True) == 1
    assert [r[0] for r in rows_of(database)] == ["fine"]


def test_every_statement_and_copy_is_seen_by_the_statement_events(database: Database) -> None:
    """The bench counts statements from SQLAlchemy's ``before_cursor_execute``; a COPY is one there too."""
    sent: list[str] = []
    event.listen(database.engine, "before_cursor_execute", lambda *args: sent.append(" ".join(str(args[2]).split()[:2])))

    database.insert_rows(probe, COLUMNS, [("a", None, "x", 1, 1)])
    with database.transaction():
        assert database.insert_rows(probe, COLUMNS, [("b", None, "x", 1, 1)], ignore=True) == 1
        assert database.insert_rows(probe, COLUMNS, [("c", None, "x", 1, 1)], update=("id",)) == 1
        assert database.insert_rows(probe, COLUMNS, [("b", None, "x", 1, 1), ("d", None, "x", 1, 1)], ignore=True) == 1

    if database.postgresql:  # new rows straight in; conflicts (upserts, a stored row) through the staging table
        assert sent == ["COPY probe", "BEGIN", "SAVEPOINT sp2", "COPY probe", "RELEASE SAVEPOINT",
                        "CREATE TEMPORARY", "COPY briefing_staged_probe", "WITH staged",
                        "SAVEPOINT sp2", "COPY probe", "ROLLBACK TO",
                        "CREATE TEMPORARY", "COPY briefing_staged_probe", "WITH staged", "COMMIT"]
    else:
        assert sent == ["INSERT INTO", "BEGIN IMMEDIATE", "INSERT INTO", "INSERT INTO", "INSERT INTO", "COMMIT"]
    assert [r[0] for r in rows_of(database)] == ["a", "b", "c", "d"]


def test_list_parameters_reach_postgresql_as_the_same_arrays(pg_url: str, tmp_path: Path) -> None:
    """``run`` sends a list as an array literal it writes itself: every value must come back as it was."""
    engine, connection = connect(store_url(pg_url, tmp_path), "cannot open the probe database")
    database = Database(engine, connection)
    try:
        texts = [*AWKWARD, "{braces}", "a\\\"b", "\"", "\\", "NULL", "null", " lead", "x,y", "\u00a0"]
        numbers = [0, -1, 1, 2**63 - 1, -(2**63), 12345678901234]
        back = database.run("SELECT array_agg(v ORDER BY n) FROM unnest(?::text[]) WITH ORDINALITY AS u(v, n)", [texts])
        assert back.scalar_one() == texts
        assert database.run("SELECT ?::bigint[]", [numbers]).scalar_one() == numbers
        assert database.run("SELECT cardinality(?::text[]), cardinality(?::bigint[])", [[], []]).one() == (0, 0)
        assert database.run("SELECT ?::text[]", [["a", None, "b"]]).scalar_one() == ["a", None, "b"]  # psycopg's own
    finally:
        database.close()
