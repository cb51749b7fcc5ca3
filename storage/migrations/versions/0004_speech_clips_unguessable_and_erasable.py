"""speech clips under random keys, with their words, linked to the people they were
played to: erasure deletes every clip made for a person or naming them

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A cache: clips are made again when next needed, under keys nobody can work out.
    op.execute("DELETE FROM speech_clips")
    with op.batch_alter_table("speech_clips", schema=None) as batch_op:
        batch_op.drop_index("ix_speech_clips_person_id")
        batch_op.drop_constraint("fk_speech_clips_person_id_people", type_="foreignkey")
        batch_op.drop_column("person_id")
        batch_op.add_column(sa.Column("digest", sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column("words", sa.Text(), nullable=False))
        batch_op.create_unique_constraint("uq_speech_clips_digest", ["digest"])
    op.create_table(
        "speech_clip_people",
        sa.Column("clip_key", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clip_key"],
            ["speech_clips.key"],
            name="fk_speech_clip_people_clip_key_speech_clips",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name="fk_speech_clip_people_person_id_people",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("clip_key", "person_id", name="pk_speech_clip_people"),
    )
    op.create_index(
        "ix_speech_clip_people_person_id", "speech_clip_people", ["person_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_speech_clip_people_person_id", table_name="speech_clip_people")
    op.drop_table("speech_clip_people")
    op.execute("DELETE FROM speech_clips")
    with op.batch_alter_table("speech_clips", schema=None) as batch_op:
        batch_op.drop_constraint("uq_speech_clips_digest", type_="unique")
        batch_op.drop_column("words")
        batch_op.drop_column("digest")
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_speech_clips_person_id_people",
            "people",
            ["person_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index("ix_speech_clips_person_id", ["person_id"], unique=False)
