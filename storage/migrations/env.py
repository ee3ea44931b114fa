"""Alembic's entry point; storage.migrate hands over the connection to migrate."""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext

from storage.models import Base, UTCDateTime


def render_item(type_: str, item: Any, autogen_context: AutogenContext) -> str | bool:
    """Write UTCDateTime columns as plain DateTime so revisions never import the models."""
    if type_ == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("migrations run through `thaidraw db upgrade` or storage.migrate, not alone")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
