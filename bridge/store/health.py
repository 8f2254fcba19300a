"""The database as operators see it: reachable and migrated, and its URL fit to print."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bridge.store import db


def current_revision(engine: Engine) -> str | None:
    """Connect, run a trivial query and read the schema revision (``None``: not migrated).
    Any failure to reach the database propagates."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        return db.current_revision(conn)


def shown_url(url: str) -> str:
    """The database URL without its password (or ``(unparseable URL)``)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparseable URL)"
