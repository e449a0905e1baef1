"""team settings inherit: an unset workspace setting falls back to the process Settings

Until now a workspace row carried the built-in defaults (Monday 09:00 Berlin, 3 per
period) as values, so DIGEST_DAY and friends in the environment changed nothing for
it. Nothing in the product let anyone choose these values per workspace yet, so a
stored value equal to the old built-in default is taken as "not chosen" and cleared.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_DEFAULTS: dict[str, tuple[object, sa.types.TypeEngine[Any]]] = {
    "digest_day": ("mon", sa.String(length=3)),
    "digest_hour": (9, sa.Integer()),
    "digest_minute": (0, sa.Integer()),
    "timezone": ("Europe/Berlin", sa.String(length=64)),
    "exclude_same_org": (False, sa.Boolean()),
    "max_per_period": (3, sa.Integer()),
}


def upgrade() -> None:
    with op.batch_alter_table("team_settings") as batch:
        for column, (_value, type_) in _OLD_DEFAULTS.items():
            batch.alter_column(column, existing_type=type_, nullable=True)
    table = sa.table("team_settings", *(sa.column(c, t) for c, (_v, t) in _OLD_DEFAULTS.items()))
    for column, (value, _type) in _OLD_DEFAULTS.items():
        op.execute(table.update().where(table.c[column] == value).values({column: None}))


def downgrade() -> None:
    table = sa.table("team_settings", *(sa.column(c, t) for c, (_v, t) in _OLD_DEFAULTS.items()))
    for column, (value, _type) in _OLD_DEFAULTS.items():
        op.execute(table.update().where(table.c[column].is_(None)).values({column: value}))
    with op.batch_alter_table("team_settings") as batch:
        for column, (_value, type_) in _OLD_DEFAULTS.items():
            batch.alter_column(column, existing_type=type_, nullable=False)
