"""follow-ups and outcomes, timed and automatic pauses, fitted weights

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("paused_reason", sa.String(length=16), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "introductions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_a", sa.String(length=128), nullable=False),
        sa.Column("user_b", sa.String(length=128), nullable=False),
        sa.Column("starter", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "user_a", "user_b", name="uq_intro_team_pair"),
    )
    op.create_index("ix_introductions_team_id", "introductions", ["team_id"])
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("intro_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["intro_id"], ["introductions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "team_id", "intro_id", "stage", "user_id", name="uq_followup_intro_stage_user"
        ),
    )
    op.create_index("ix_followups_team_status", "followups", ["team_id", "status"])
    op.create_table(
        "weight_fits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("positives", sa.Integer(), nullable=False),
        sa.Column("negatives", sa.Integer(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("prior", sa.JSON(), nullable=False),
        sa.Column("change", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_weight_fits_team_id", "weight_fits", ["team_id"])


def downgrade() -> None:
    op.drop_index("ix_weight_fits_team_id", table_name="weight_fits")
    op.drop_table("weight_fits")
    op.drop_index("ix_followups_team_status", table_name="followups")
    op.drop_table("followups")
    op.drop_index("ix_introductions_team_id", table_name="introductions")
    op.drop_table("introductions")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("resumed_at")
        batch.drop_column("paused_reason")
        batch.drop_column("paused_until")
