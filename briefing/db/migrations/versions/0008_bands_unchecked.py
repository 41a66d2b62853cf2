"""PostgreSQL: ``article_bands`` loses its foreign key to ``articles``.

The band keys are the near-duplicate index, written only beside the article they
index (``ingest.record``: the articles of a batch, then their bands, in one
transaction) and dropped before it changes (``Store.drop_bands``). On PostgreSQL the
key made the server look up the article for each band row, 26 rows an article: a
tenth of a cold ingest (2,000 files: 2.09 s against 1.88 s without it), where SQLite,
which never enforced it (no ``PRAGMA foreign_keys``), writes the same rows unchecked.
Both engines now hold the index alike. SQLite's table is left as it is (its unenforced
clause costs nothing; dropping it would copy the table).
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    names = bind.exec_driver_sql(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'article_bands'::regclass AND contype = 'f'").scalars()
    for name in names.all():
        op.drop_constraint(name, "article_bands", type_="foreignkey")


def downgrade() -> None:
    raise NotImplementedError("briefing migrates forward only")
