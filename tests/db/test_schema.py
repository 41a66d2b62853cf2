"""``briefing.db.schema`` is the schema the newest migration leaves: the same tables, the same columns."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect

from briefing.db import schema
from briefing.store import Store


def test_schema_py_is_what_the_migrations_make(tmp_path: Path) -> None:
    Store.open(tmp_path / "b.db").close()
    engine = create_engine(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        found = inspect(engine)
        migrated = {table: found.get_columns(table) for table in found.get_table_names()}
    finally:
        engine.dispose()
    migrated.pop("alembic_version")
    assert sorted(schema.metadata.tables) == sorted(migrated)
    for name, table in schema.metadata.tables.items():
        columns = {c["name"]: c for c in migrated[name]}
        assert [c.name for c in table.columns] == list(columns), name
        for column in table.columns:
            made = columns[column.name]
            assert column.nullable == made["nullable"] or column.primary_key, (name, column.name)
            assert column.primary_key == bool(made["primary_key"]), (name, column.name)
            assert type(column.type).__name__.upper() == str(made["type"]).upper() or \
                {type(column.type).__name__.upper(), str(made["type"]).upper()} == {"BIGINTEGER", "BIGINT"}, \
                (name, column.name, column.type, made["type"])
