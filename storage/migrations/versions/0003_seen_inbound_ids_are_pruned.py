"""seen inbound ids are dropped once no provider can send them again: an index on when
each was seen makes that cheap

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 02:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_inbound_keys_seen_at", "inbound_keys", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_inbound_keys_seen_at", table_name="inbound_keys")
