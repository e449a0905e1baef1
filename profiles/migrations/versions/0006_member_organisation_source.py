"""member organisation source: who set a member's organisation

"member" when the member typed it (describe modal, App Home, /match profil
organisation): nothing else may overwrite it, and the describe modal stops asking.
"import" when `civic-match import` set it; "" when nobody has. Existing rows with an
organisation came from the import, the only way to set one until now.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column(
                "organisation_source", sa.String(length=16), nullable=False, server_default=""
            )
        )
    members = sa.table(
        "members", sa.column("organisation", sa.String()), sa.column("organisation_source")
    )
    op.execute(
        members.update().where(members.c.organisation != "").values(organisation_source="import")
    )


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("organisation_source")
