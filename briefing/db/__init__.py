"""The store's database layer: one code path over SQLAlchemy Core for SQLite and PostgreSQL.

- ``engine``: which database (``store.url`` / ``store.path``), and engines
  configured alike for both (SQLite: WAL, busy timeout, ``BEGIN IMMEDIATE``);
- ``schema``: the tables as SQLAlchemy Core ``Table`` objects, used for the
  dialect-aware idempotent inserts (``ON CONFLICT DO NOTHING`` on both engines);
- ``migrate``: Alembic migrations shipped inside the package
  (``briefing/db/migrations``), applied by ``briefing migrate`` and when a
  command that writes opens a store not at head (a store at head is opened
  without a write transaction); a
  store newer than the code refuses to run; a SQLite store made by the old
  ``PRAGMA user_version`` scheme is stamped and upgraded;
- ``locks``: who may run (one scheduler; senders that share an edition).
"""
