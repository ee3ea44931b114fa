"""jobs remember when their user was told how they ended (a restart tells the ones it owes)

Revision ID: d4e5f6a7b8c9
Revises: c7d1e2f3a4b5
Create Date: 2026-12-06 15:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4e5f6a7b8c9"
down_revision: str | Sequence[str] | None = "c7d1e2f3a4b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("told_at", sa.DateTime(timezone=True), nullable=True))
    # The bot that ran before this revision told its users as it went: it owes them nothing.
    op.execute(
        "UPDATE jobs SET told_at = finished_at WHERE status IN ('done', 'failed', 'cancelled')"
    )


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("told_at")
