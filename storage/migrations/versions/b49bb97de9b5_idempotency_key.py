"""jobs remember the idempotency key of their request (a retried web draw finds its job)

Revision ID: b49bb97de9b5
Revises: 508ebfb99ef7
Create Date: 2026-12-06 02:55:33.951665
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b49bb97de9b5"
down_revision: str | Sequence[str] | None = "508ebfb99ef7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_jobs_user_id_idempotency_key"), ["user_id", "idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_jobs_user_id_idempotency_key"), type_="unique")
        batch_op.drop_column("idempotency_key")
