"""a series meeting keeps the slot the series gave it, so a moved meeting is never added
again at its old time

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 21:58:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("club_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_slot", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE club_sessions SET series_slot = starts_at WHERE series_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("club_sessions", schema=None) as batch_op:
        batch_op.drop_column("series_slot")
