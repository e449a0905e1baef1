"""vectors per model: entry_vectors keyed by (entry, model), so a model change keeps the old
vectors serving until the new ones are complete

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "entry_id, model_id, team_id, text_hash, dim, vector, sentence_count, sentence_vectors,"
    " created_at"
)


def _create(name: str, key: list[str]) -> None:
    op.create_table(
        name,
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.String(length=200), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("sentence_count", sa.Integer(), nullable=False),
        sa.Column("sentence_vectors", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["entries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(*key),
    )


def _replace(key: list[str], rows: str) -> None:
    """Copy the rows into a table with the new key; a new table works the same on SQLite
    and PostgreSQL, where changing a primary key in place does not."""
    _create("entry_vectors_new", key)
    op.execute(f"INSERT INTO entry_vectors_new ({COLUMNS}) SELECT {COLUMNS} FROM {rows}")
    op.drop_index("ix_entry_vectors_team_id", table_name="entry_vectors")
    op.drop_table("entry_vectors")
    op.rename_table("entry_vectors_new", "entry_vectors")
    op.create_index("ix_entry_vectors_team_id", "entry_vectors", ["team_id"], unique=False)


def upgrade() -> None:
    _replace(["entry_id", "model_id"], "entry_vectors")


def downgrade() -> None:
    # One vector per entry again. Between a model change and the end of its re-embedding
    # an entry has two; one is kept (the sync embeds again whatever the model lacks).
    _replace(
        ["entry_id"],
        "entry_vectors v WHERE v.model_id = (SELECT MAX(w.model_id) FROM entry_vectors w"
        " WHERE w.entry_id = v.entry_id)",
    )
