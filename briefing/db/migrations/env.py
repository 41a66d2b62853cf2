"""Alembic's environment, configured in code by ``briefing.db.migrate`` (no alembic.ini).

The caller passes an open connection in ``config.attributes["connection"]``
and holds the transaction around the whole upgrade (``BEGIN IMMEDIATE`` on
SQLite; ``BEGIN`` plus an advisory lock on PostgreSQL), so two processes
opening a new store at once migrate it once.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transaction_per_migration=False)
context.run_migrations()
