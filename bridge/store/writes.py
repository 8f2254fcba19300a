"""The bridge's own tracker writes, remembered so that their webhook echoes are ignored.

Before (or right after) an adapter changes a tracker, the caller records the change with
``record_write``; when a webhook for the same change arrives, ``consume_echo`` finds the
matching recent record, marks it consumed and returns True, and the event is dropped
instead of being translated back into a protocol message. Each record matches one echo.

``kind`` is a short canonical description of the change, the same on both sides:
``label_add:vultron:valid``, ``label_remove:...``, ``comment:<marker id>``, ``close``,
``reopen``.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bridge.store._checks import check_text, rowcount
from bridge.store.models import TrackerWrite

DEFAULT_WINDOW = 600.0
"""Seconds after a write during which a matching webhook counts as its echo."""


def record_write(session: Session, tracker: str, ref: str, kind: str, now: float) -> int:
    """Remember that the bridge made change ``kind`` to ``ref``; returns the record id."""
    row = TrackerWrite(
        tracker=check_text("tracker", tracker, 100), ref=check_text("tracker ref", ref),
        kind=check_text("write kind", kind), at=now, consumed=False,
    )
    session.add(row)
    session.flush()
    return row.id


def consume_echo(
    session: Session,
    tracker: str,
    ref: str,
    kind: str,
    now: float,
    window_seconds: float = DEFAULT_WINDOW,
) -> bool:
    """True when an unconsumed own write matching the event exists within the window.

    The oldest match is consumed, so two identical writes absorb two echoes and no more.
    Safe with concurrent consumers (a lost race moves on to the next candidate).
    """
    for _ in range(3):
        candidate = session.scalar(
            select(TrackerWrite.id)
            .where(
                TrackerWrite.tracker == tracker, TrackerWrite.ref == ref,
                TrackerWrite.kind == kind, TrackerWrite.consumed.is_(False),
                TrackerWrite.at >= now - window_seconds,
            )
            .order_by(TrackerWrite.at, TrackerWrite.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if candidate is None:
            return False
        result = session.execute(
            update(TrackerWrite)
            .where(TrackerWrite.id == candidate, TrackerWrite.consumed.is_(False))
            .values(consumed=True)
            .execution_options(synchronize_session=False)
        )
        if rowcount(result) == 1:
            return True
    return False


def prune_writes(session: Session, before: float) -> int:
    """Delete records older than ``before`` (they can no longer match); returns rows deleted."""
    result = session.execute(
        delete(TrackerWrite).where(TrackerWrite.at < before)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)
