"""The transactional outbox: protocol messages waiting for delivery, claimed with leases.

* ``enqueue`` writes one row per recipient in the caller's transaction, so a state change and
  the messages it causes commit together. Re-enqueueing an activity for a recipient is a
  no-op (UNIQUE(activity_id, recipient)).
* Messages to one destination (the recipient's inbox URL) are delivered **in order**: each
  row gets the next ``seq`` of its destination, handed out by locking the destination's
  counter row, so ``seq`` order is commit order. Only the head of each destination's queue
  (the pending row with the lowest ``seq``) is claimable; a row that is waiting for a retry
  holds back the rows behind it, a dead-lettered row does not.
* ``claim`` leases due head rows to a worker (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so many
  workers share the work without waiting on each other; SQLite: the writer transaction holds
  the database's write lock). An expired lease is claimable again.
* ``mark_delivered`` / ``mark_retry`` / ``mark_dead`` are guarded by the lease: a worker whose
  lease expired and was taken over cannot overwrite the newer owner's result. They record
  ``inbox_url``: where the attempt went (the sender resolves it from the recipient's actor
  document at send time; the URL given at enqueue is a hint). ``destination`` stays what it
  was at enqueue: it is the key messages are ordered by.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import desc, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from bridge.core.errors import InputError
from bridge.store._checks import check_text, clip_error, rowcount
from bridge.store.db import insert_for
from bridge.store.models import MAX_URL, Outbox, OutboxDestination

STATUSES = ("pending", "delivered", "dead")


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One claimed (or listed) outbox row. ``lease_owner`` + ``attempts`` identify a claim."""

    id: int
    activity_id: str
    activity: dict[str, Any]
    recipient: str
    inbox_url: str
    destination: str
    seq: int
    status: str
    attempts: int
    """Attempts made so far, the current one included once claimed."""
    next_attempt_at: float
    lease_owner: str | None
    lease_until: float | None
    last_status: int | None
    last_error: str | None
    created_at: float
    delivered_at: float | None


def _item(row: Outbox) -> OutboxItem:
    return OutboxItem(
        id=row.id, activity_id=row.activity_id, activity=dict(row.activity),
        recipient=row.recipient, inbox_url=row.inbox_url, destination=row.destination,
        seq=row.seq, status=row.status, attempts=row.attempts,
        next_attempt_at=row.next_attempt_at, lease_owner=row.lease_owner,
        lease_until=row.lease_until, last_status=row.last_status, last_error=row.last_error,
        created_at=row.created_at, delivered_at=row.delivered_at,
    )


def _next_seq(session: Session, destination: str) -> int:
    """The destination's next sequence number; locks its counter row until commit."""
    stmt = insert_for(session, OutboxDestination).values(destination=destination, last_seq=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["destination"],
        set_={"last_seq": OutboxDestination.last_seq + 1},
    ).returning(OutboxDestination.last_seq)
    return int(session.execute(stmt).scalar_one())


def enqueue(
    session: Session,
    activity_id: str,
    activity: Mapping[str, Any],
    recipients: Iterable[tuple[str, str]],
    now: float,
) -> int:
    """Queue ``activity`` for each ``(recipient actor, inbox URL)``; returns rows created.

    Runs in the caller's transaction (commit it together with the state change). Recipients
    already queued for this activity are skipped. Destinations are locked in sorted order so
    two transactions enqueueing to the same inboxes cannot deadlock each other.
    """
    check_text("activity id", activity_id)
    pairs: dict[str, str] = {}
    for actor, inbox_url in recipients:
        check_text("recipient", actor)
        check_text("inbox URL", inbox_url, MAX_URL)
        if not inbox_url.startswith(("https://", "http://", "mailto:")):
            raise InputError("an inbox URL must start with https://, http:// or mailto:")
        pairs.setdefault(actor, inbox_url)
    if not pairs:
        return 0
    known = set(session.scalars(
        select(Outbox.recipient).where(
            Outbox.activity_id == activity_id, Outbox.recipient.in_(list(pairs))
        )
    ))
    body = dict(activity)
    created = 0
    for actor, inbox_url in sorted(pairs.items(), key=lambda p: (p[1], p[0])):
        if actor in known:
            continue
        seq = _next_seq(session, inbox_url)
        stmt = insert_for(session, Outbox).values(
            activity_id=activity_id, activity=body, recipient=actor, inbox_url=inbox_url,
            destination=inbox_url, seq=seq, status="pending", attempts=0,
            next_attempt_at=now, created_at=now,
        ).on_conflict_do_nothing(index_elements=["activity_id", "recipient"])
        if session.execute(stmt.returning(Outbox.id)).scalar_one_or_none() is not None:
            created += 1
    return created


def _blocked() -> Any:
    """EXISTS a pending row with a lower seq for the same destination (not the head)."""
    earlier = aliased(Outbox)
    return (
        select(earlier.id)
        .where(
            earlier.destination == Outbox.destination,
            earlier.status == "pending",
            earlier.seq < Outbox.seq,
        )
        .exists()
    )


def claim(
    session: Session, worker_id: str, now: float, lease_seconds: float, limit: int
) -> list[OutboxItem]:
    """Lease up to ``limit`` due rows, each the head of its destination's queue.

    A row is claimable when it is pending, due (``next_attempt_at <= now``), not leased (or
    its lease expired), and no pending row with a lower ``seq`` exists for its destination.
    Each claim counts as an attempt. Commit before sending so other workers see the lease.
    """
    check_text("worker id", worker_id, 200)
    if limit < 1:
        return []
    rows = session.scalars(
        select(Outbox)
        .where(
            Outbox.status == "pending",
            Outbox.next_attempt_at <= now,
            or_(Outbox.lease_until.is_(None), Outbox.lease_until <= now),
            ~_blocked(),
        )
        .order_by(Outbox.next_attempt_at, Outbox.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Outbox)
    ).all()
    for row in rows:
        row.lease_owner = worker_id
        row.lease_until = now + lease_seconds
        row.attempts += 1
    session.flush()
    return [_item(row) for row in rows]


def _guarded(session: Session, item: OutboxItem, values: dict[str, Any]) -> bool:
    """Apply ``values`` only while ``item``'s claim is still the row's current claim."""
    if item.lease_owner is None:
        raise ValueError("only a claimed item (from claim()) can be marked")
    result = session.execute(
        update(Outbox)
        .where(
            Outbox.id == item.id,
            Outbox.status == "pending",
            Outbox.lease_owner == item.lease_owner,
            Outbox.attempts == item.attempts,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def _inbox(inbox_url: str | None) -> dict[str, str]:
    if inbox_url is None:
        return {}
    return {"inbox_url": check_text("inbox URL", inbox_url, MAX_URL)}


def mark_delivered(
    session: Session, item: OutboxItem, *, now: float, status: int | None = None,
    inbox_url: str | None = None,
) -> bool:
    """Record a delivery; False (nothing written) when the lease was taken over."""
    return _guarded(session, item, {
        "status": "delivered", "delivered_at": now, "last_status": status,
        "last_error": None, "lease_owner": None, "lease_until": None, **_inbox(inbox_url),
    })


def mark_retry(
    session: Session,
    item: OutboxItem,
    *,
    next_attempt_at: float,
    status: int | None,
    error: str | None,
    inbox_url: str | None = None,
) -> bool:
    """Release the lease; the row is due again at ``next_attempt_at`` (from RetryPolicy)."""
    return _guarded(session, item, {
        "next_attempt_at": next_attempt_at, "last_status": status,
        "last_error": clip_error(error), "lease_owner": None, "lease_until": None,
        **_inbox(inbox_url),
    })


def mark_dead(
    session: Session, item: OutboxItem, *, now: float, status: int | None, error: str | None,
    inbox_url: str | None = None,
) -> bool:
    """Dead-letter the row: it stops blocking its destination's queue."""
    return _guarded(session, item, {
        "status": "dead", "last_status": status, "last_error": clip_error(error),
        "next_attempt_at": now, "lease_owner": None, "lease_until": None, **_inbox(inbox_url),
    })


def requeue_dead(session: Session, ids: Sequence[int], now: float) -> int:
    """Operators: make dead rows pending again with a fresh attempt budget.

    A requeued row keeps its ``seq``, so it goes back to its place in its destination's
    order (rows behind it that are still pending wait for it). Returns rows requeued.
    """
    result = session.execute(
        update(Outbox)
        .where(Outbox.id.in_(list(ids)), Outbox.status == "dead")
        .values(status="pending", attempts=0, next_attempt_at=now,
                lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


def get_outbox(session: Session, outbox_id: int) -> OutboxItem | None:
    row = session.get(Outbox, outbox_id, populate_existing=True)
    return None if row is None else _item(row)


def list_outbox(
    session: Session,
    *,
    status: str | None = None,
    destination: str | None = None,
    activity_id: str | None = None,
    limit: int = 100,
) -> list[OutboxItem]:
    """Rows for operators and tests, oldest first (per destination: in ``seq`` order)."""
    query = select(Outbox)
    if status is not None:
        query = query.where(Outbox.status == status)
    if destination is not None:
        query = query.where(Outbox.destination == destination)
    if activity_id is not None:
        query = query.where(Outbox.activity_id == activity_id)
    rows = session.scalars(
        query.order_by(Outbox.destination, Outbox.seq).limit(limit)
        .execution_options(populate_existing=True)
    ).all()
    return [_item(row) for row in rows]


def outbox_counts(session: Session) -> dict[str, int]:
    """Rows per status (every status present, zero included), e.g. for metrics."""
    counts = dict.fromkeys(STATUSES, 0)
    for status, n in session.execute(
        select(Outbox.status, func.count()).group_by(Outbox.status)
    ).all():
        counts[str(status)] = int(n)
    return counts


def next_due(session: Session) -> float | None:
    """When the earliest head-of-queue pending row is due (a worker may sleep until then).

    Leases are not considered: a leased row reports its own due time.
    """
    value = session.scalar(select(func.min(Outbox.next_attempt_at)).where(
        Outbox.status == "pending", ~_blocked()))
    return None if value is None else float(value)


def every_row(session: Session) -> list[OutboxItem]:
    """Every outbox row, by id (the Action's small per-run outbox, read whole)."""
    rows = session.scalars(select(Outbox).order_by(Outbox.id)
                           .execution_options(populate_existing=True)).all()
    return [_item(row) for row in rows]


def activities_page(session: Session, recipient: str | None, offset: int,
                    limit: int) -> tuple[int, list[dict[str, Any]]]:
    """Our outbox as a collection: ``(how many distinct activities, one page of them)``,
    newest first, each activity once (its latest row); only those to ``recipient`` when given."""
    last = func.max(Outbox.id).label("last")
    grouped = select(Outbox.activity_id, last).group_by(Outbox.activity_id)
    if recipient is not None:
        grouped = grouped.where(Outbox.recipient == recipient)
    total = int(session.scalar(select(func.count()).select_from(grouped.subquery())) or 0)
    rows = session.execute(grouped.order_by(desc(last)).limit(limit).offset(offset)).all()
    ids = [int(row.last) for row in rows]
    bodies: dict[int, dict[str, Any]] = {
        int(row.id): dict(row.activity) for row in session.execute(
            select(Outbox.id, Outbox.activity).where(Outbox.id.in_(ids)))
    }
    return total, [dict(bodies[i]) for i in ids]
