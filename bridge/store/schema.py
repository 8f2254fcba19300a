"""A fresh database made without Alembic: the tables of ``bridge.store.models`` and the rows
the migrations seed (the Action's per-run SQLite file, which is never upgraded in place)."""

from __future__ import annotations

from sqlalchemy import Engine, insert

from bridge.core.audit import GENESIS
from bridge.store.models import AuditHead, Base

AUDIT_HEAD_SEED = {"id": 1, "seq": 0, "hash": GENESIS}
"""The audit chain's head before its first entry (``0001_initial_schema`` seeds the same)."""


def create_fresh(engine: Engine) -> None:
    """Create every table on an empty database and seed it as the migrations would."""
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(AuditHead).values(**AUDIT_HEAD_SEED))
