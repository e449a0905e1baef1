"""row versions: a change counter on entries and members

Change detection compared timestamps, which breaks as soon as two writes share an
instant (an injected clock, a coarse clock, a clock set back). A counter raised on
every write does not.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("entries", "members"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    for table in ("entries", "members"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
