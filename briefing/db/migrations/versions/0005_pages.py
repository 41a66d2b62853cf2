"""Article pages fetched for teaser feed entries (briefing.ingest.fulltext).

One row per page URL: the feed entry it was queued for (its document as JSON,
so the full-text article keeps the feed's title, date and GUID), its status
(``pending`` | ``done`` | ``failed``), the reason of the last failure, the
attempts made, and the extracted text once done, so a re-poll never fetches a
page already extracted for the same URL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pages", sa.Column("url", sa.Text, primary_key=True),
        *(sa.Column(name, sa.Text, nullable=False, server_default="")
          for name in ("source", "origin", "article_id", "document", "teaser_hash", "status", "reason", "text",
                       "queued_at", "updated_at")),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("pages_status", "pages", ["status", "queued_at"])


def downgrade() -> None:
    raise NotImplementedError("briefing migrates forward only")
