"""The whole store read and restored row by row: what the GitHub Action carries between runs
in its state blocks (``bridge.action.hydrate`` decides which rows go in which block)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bridge.store.models import Cursor, Outbox, StoredObject, TrackerWrite


def restore_delivery(session: Session, activity_id: str, recipient: str, *, status: str,
                     attempts: int, next_attempt_at: float, last_error: object,
                     last_status: object, delivered_at: object) -> None:
    """Give a just re-queued outbox row the delivery state a block recorded for it."""
    session.execute(
        update(Outbox).where(Outbox.activity_id == activity_id,
                             Outbox.recipient == recipient).values(
            status=status, attempts=attempts, next_attempt_at=next_attempt_at,
            last_error=last_error, last_status=last_status, delivered_at=delivered_at,
        ).execution_options(synchronize_session=False)
    )


def add_write(session: Session, *, tracker: str, ref: str, kind: str, at: float,
              consumed: bool) -> int:
    """Restore one echo record as it was (``consumed`` included); its new row id."""
    row = TrackerWrite(tracker=tracker, ref=ref, kind=kind, at=at, consumed=consumed)
    session.add(row)
    session.flush()
    return int(row.id)


def every_object(session: Session) -> Sequence[StoredObject]:
    return session.scalars(select(StoredObject)).all()


def every_write(session: Session) -> Sequence[TrackerWrite]:
    return session.scalars(select(TrackerWrite)).all()


def has_cursor(session: Session, name: str) -> bool:
    return session.get(Cursor, name) is not None


def add_cursor(session: Session, name: str, value: str, at: float) -> None:
    """Restore a cursor with its own time (``peers.set_cursor`` stamps the current one)."""
    session.add(Cursor(name=name, value=value, updated_at=at))


def cursors_starting(session: Session, prefix: str) -> dict[str, str]:
    """Cursor name → raw value, for the names starting with ``prefix``."""
    rows = session.scalars(select(Cursor).where(Cursor.name.startswith(prefix))).all()
    return {row.name: row.value for row in rows}
