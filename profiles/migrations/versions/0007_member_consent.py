"""member consent: imported people are invited, not opted in

A member put here by ``civic-match import`` or a workshop's members file never agreed
to be contacted. ``consent`` records how each member came to be here; only "self" and
"accepted" members get digests, follow-ups or workshop messages, or are suggested to
others.

Existing rows: a member whose every entry came from an import (all carry an external
id) and who has never been shown a suggestion or given feedback is taken as
"imported"; everyone else used the bot themselves and stays "self".

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column("consent", sa.String(length=16), nullable=False, server_default="self")
        )
        batch.add_column(sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True))
    members = sa.table(
        "members",
        sa.column("id", sa.Integer()),
        sa.column("team_id", sa.String()),
        sa.column("user_id", sa.String()),
        sa.column("consent", sa.String()),
    )
    entries = sa.table(
        "entries", sa.column("member_id", sa.Integer()), sa.column("external_id", sa.String())
    )
    feedback = sa.table(
        "feedback", sa.column("team_id", sa.String()), sa.column("user_id", sa.String())
    )
    shown = sa.table(
        "suggestions", sa.column("team_id", sa.String()), sa.column("user_id", sa.String())
    )
    own_entry = sa.exists().where(
        entries.c.member_id == members.c.id, entries.c.external_id.is_(None)
    )
    any_entry = sa.exists().where(entries.c.member_id == members.c.id)
    used_bot = sa.or_(
        sa.exists().where(
            feedback.c.team_id == members.c.team_id, feedback.c.user_id == members.c.user_id
        ),
        sa.exists().where(
            shown.c.team_id == members.c.team_id, shown.c.user_id == members.c.user_id
        ),
    )
    op.execute(members.update().where(any_entry, ~own_entry, ~used_bot).values(consent="imported"))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("invited_at")
        batch.drop_column("consent")
