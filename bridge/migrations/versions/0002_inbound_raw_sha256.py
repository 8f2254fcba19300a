"""Inbound: the raw request body's sha256, unique per source (webhook replay protection).

A tracker webhook's signature covers only its body, so a captured delivery could be re-sent
under a fresh delivery id. ``raw_sha256`` is set for webhooks (NULL for other inputs, which
never collide on it); the unique index makes the accept insert refuse a second copy of the
same bytes for the same source in the same statement.

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("inbound", sa.Column("raw_sha256", sa.String(64), nullable=True))
    op.create_index(
        op.f("ix_inbound_source_raw_sha256"), "inbound", ["source", "raw_sha256"], unique=True
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_inbound_source_raw_sha256"), table_name="inbound")
    with op.batch_alter_table("inbound") as batch:
        batch.drop_column("raw_sha256")
