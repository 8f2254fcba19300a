"""The initial schema: inbound queue, outbox, links, protocol state, echo records, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-05-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _lease_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.Double(), nullable=False),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        sa.Column("lease_until", sa.Double(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "inbound",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("key", sa.String(1000), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.Double(), nullable=False),
        *_lease_columns(),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.Double(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'done', 'failed', 'ignored')", name=op.f("ck_inbound_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound")),
        sa.UniqueConstraint("source", "key", name=op.f("uq_inbound_source_key")),
    )
    op.create_index(
        op.f("ix_inbound_status_next_attempt_at"), "inbound", ["status", "next_attempt_at"]
    )

    op.create_table(
        "outbox_destinations",
        sa.Column("destination", sa.String(2000), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("destination", name=op.f("pk_outbox_destinations")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("activity_id", sa.String(1000), nullable=False),
        sa.Column("activity", sa.JSON(), nullable=False),
        sa.Column("recipient", sa.String(1000), nullable=False),
        sa.Column("inbox_url", sa.String(2000), nullable=False),
        sa.Column("destination", sa.String(2000), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        *_lease_columns(),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("delivered_at", sa.Double(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'dead')", name=op.f("ck_outbox_status")
        ),
        sa.ForeignKeyConstraint(
            ["destination"],
            ["outbox_destinations.destination"],
            name=op.f("fk_outbox_destination_outbox_destinations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint(
            "activity_id", "recipient", name=op.f("uq_outbox_activity_id_recipient")
        ),
        sa.UniqueConstraint("destination", "seq", name=op.f("uq_outbox_destination_seq")),
    )
    op.create_index(
        op.f("ix_outbox_destination_status_seq"), "outbox", ["destination", "status", "seq"]
    )
    op.create_index(
        op.f("ix_outbox_status_next_attempt_at"), "outbox", ["status", "next_attempt_at"]
    )

    op.create_table(
        "links",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("subject", sa.String(1000), nullable=False),
        sa.Column("ref", sa.String(1000), nullable=False),
        sa.Column("relation", sa.String(16), nullable=False),
        sa.Column("linked_by", sa.String(1000), nullable=False),
        sa.Column("linked_at", sa.Double(), nullable=False),
        sa.CheckConstraint(
            "relation IN ('tracks', 'mirrors', 'fixes')", name=op.f("ck_links_relation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_links")),
        sa.UniqueConstraint(
            "subject", "ref", "relation", name=op.f("uq_links_subject_ref_relation")
        ),
    )
    op.create_index(
        op.f("ix_links_ref_subject_relation"), "links", ["ref", "subject", "relation"]
    )

    op.create_table(
        "objects",
        sa.Column("id", sa.String(1000), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objects")),
    )
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(1000), nullable=False),
        sa.Column("em_state", sa.String(32), nullable=False),
        sa.Column("embargo_end", sa.Double(), nullable=True),
        sa.Column("cs_state", sa.String(32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_cases")),
    )
    op.create_table(
        "participants",
        sa.Column("case_id", sa.String(1000), nullable=False),
        sa.Column("actor", sa.String(1000), nullable=False),
        sa.Column("rm_state", sa.String(32), nullable=False),
        sa.Column("em_consent", sa.String(32), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.case_id"],
            name=op.f("fk_participants_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "actor", name=op.f("pk_participants")),
    )

    op.create_table(
        "tracker_writes",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tracker", sa.String(100), nullable=False),
        sa.Column("ref", sa.String(1000), nullable=False),
        sa.Column("kind", sa.String(1000), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("consumed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracker_writes")),
    )
    op.create_index(op.f("ix_tracker_writes_at"), "tracker_writes", ["at"])
    op.create_index(
        op.f("ix_tracker_writes_tracker_ref_kind_at"),
        "tracker_writes",
        ["tracker", "ref", "kind", "at"],
    )

    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(1000), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_subject"), "audit_log", ["subject"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64}])

    op.create_table(
        "peers",
        sa.Column("actor", sa.String(1000), nullable=False),
        sa.Column("signature_scheme", sa.String(16), nullable=True),
        sa.Column("inbox_url", sa.String(2000), nullable=True),
        sa.Column("key_id", sa.String(2000), nullable=True),
        sa.Column("public_key_pem", sa.Text(), nullable=True),
        sa.Column("document", sa.JSON(), nullable=True),
        sa.Column("fetched_at", sa.Double(), nullable=True),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("actor", name=op.f("pk_peers")),
    )
    op.create_table(
        "cursors",
        sa.Column("name", sa.String(1000), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cursors")),
    )


def downgrade() -> None:
    for table in (
        "cursors", "peers", "audit_head", "audit_log", "tracker_writes", "participants",
        "cases", "objects", "links", "outbox", "outbox_destinations", "inbound",
    ):
        op.drop_table(table)
