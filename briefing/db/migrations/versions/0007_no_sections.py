"""Articles lose their ``sections`` column: the summariser splits the stored text itself.

Until now ingest split every article into highlights, body, implications, questions
and closing and stored the result as JSON beside the text. The split is a pure
function of the text, which the store keeps whole (headings and list markers
intact), so the summariser derives the sections when it tells a story
(``briefing.summarise.sections.sections_of``) and the column only duplicated the text
and tied ingest to the summariser. An upgraded store builds the same edition.

SQLite drops the column through Alembic's batch mode (the table is copied without it,
its indexes made again); PostgreSQL with ``ALTER TABLE ... DROP COLUMN``.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("sections")


def downgrade() -> None:
    raise NotImplementedError("briefing migrates forward only")
