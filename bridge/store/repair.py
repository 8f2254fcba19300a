"""What operators see and repair: inputs and deliveries listed, shown, retried, dropped.

Used by ``vultron-bridge inputs|deliveries`` and the admin API. Every change is guarded by the
row's status in the ``UPDATE`` itself (two operators retrying one input requeue it once), is
refused for a row a worker holds a live lease on, and is audited (``operator.*``, with who did
it, the row's id, key and previous status — never its body) in the same transaction.

* ``retry_input``: a ``failed`` or ``ignored`` input becomes ``pending`` with a fresh attempt
  budget; the worker processes it once more, as it would a new input (handlers are
  idempotent: the issue it may already have created is found by its marker).
* ``drop_input``: a ``pending`` or ``failed`` input becomes ``ignored`` with the reason.
* ``retry_delivery``: a ``dead`` row becomes ``pending`` with a fresh attempt budget, in its
  old place in its destination's order.
* ``drop_delivery``: a ``pending`` row becomes ``dead`` (never sent; it stops holding back its
  destination's queue).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bridge.core.errors import InputError, NotFound
from bridge.store import audit
from bridge.store._checks import clip_error, rowcount
from bridge.store.models import Inbound, Outbox

INPUT_STATUSES = ("pending", "done", "failed", "ignored")
DELIVERY_STATUSES = ("pending", "delivered", "dead")
MAX_LIST = 1000


@dataclass(frozen=True, slots=True)
class InputRow:
    id: int
    source: str
    key: str
    status: str
    attempts: int
    received_at: float
    next_attempt_at: float
    finished_at: float | None
    last_error: str | None
    lease_owner: str | None
    lease_until: float | None
    body_bytes: int
    body_sha256: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: int
    activity_id: str
    activity_type: str | None
    recipient: str
    inbox_url: str
    destination: str
    seq: int
    status: str
    attempts: int
    next_attempt_at: float
    created_at: float
    delivered_at: float | None
    last_status: int | None
    last_error: str | None
    lease_owner: str | None
    lease_until: float | None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Change:
    """The outcome of one retry/drop: ``changed`` False says why in ``reason``."""

    id: int
    changed: bool
    status: str
    reason: str | None = None


_INPUT_COLUMNS = (Inbound.id, Inbound.source, Inbound.key, Inbound.status, Inbound.attempts,
                  Inbound.received_at, Inbound.next_attempt_at, Inbound.finished_at,
                  Inbound.last_error, Inbound.lease_owner, Inbound.lease_until,
                  func.length(Inbound.body), Inbound.body_sha256)


def _input_row(row: Any) -> InputRow:
    (id_, source, key, status, attempts, received_at, next_attempt_at, finished_at,
     last_error, lease_owner, lease_until, size, sha256) = row
    return InputRow(id_, source, key, status, attempts, received_at, next_attempt_at,
                    finished_at, last_error, lease_owner, lease_until, int(size or 0), sha256)


def _check(value: str | None, allowed: Sequence[str], what: str) -> None:
    if value is not None and value not in allowed:
        raise InputError(f"{what} must be one of {', '.join(allowed)}")


def list_inputs(session: Session, *, now: float, status: str | None = None,
                source: str | None = None, older_than: float | None = None,
                limit: int = 100) -> list[InputRow]:
    """Inputs, newest first. ``source`` matches a whole source (``inbox:vendor``) or its kind
    (``inbox``); ``older_than`` keeps inputs received at least that many seconds ago."""
    _check(status, INPUT_STATUSES, "status")
    query = select(*_INPUT_COLUMNS)
    if status is not None:
        query = query.where(Inbound.status == status)
    if source:
        query = query.where(or_(Inbound.source == source,
                                Inbound.source.startswith(source + ":", autoescape=True)))
    if older_than is not None:
        query = query.where(Inbound.received_at <= now - older_than)
    rows = session.execute(
        query.order_by(Inbound.id.desc()).limit(max(1, min(limit, MAX_LIST)))).all()
    return [_input_row(r) for r in rows]


def get_input(session: Session, input_id: int) -> InputRow:
    row = session.execute(select(*_INPUT_COLUMNS).where(Inbound.id == input_id)).first()
    if row is None:
        raise NotFound(f"no input {input_id}")
    return _input_row(row)


def input_body(session: Session, input_id: int) -> bytes:
    body = session.scalar(select(Inbound.body).where(Inbound.id == input_id))
    if body is None:
        raise NotFound(f"no input {input_id}")
    return bytes(body)


def _leased(lease_until: float | None, now: float) -> bool:
    return lease_until is not None and lease_until > now


def _audit(session: Session, kind: str, subject: str, data: dict[str, Any], now: float) -> None:
    audit.append(session, kind, subject, data, now)


def retry_input(session: Session, input_id: int, *, now: float, by: str,
                reason: str | None = None, source: str = "cli") -> Change:
    """Requeue a ``failed`` or ``ignored`` input (see the module)."""
    row = get_input(session, input_id)
    if row.status not in ("failed", "ignored"):
        return Change(input_id, False, row.status, f"the input is {row.status}, not failed")
    done = rowcount(session.execute(
        update(Inbound)
        .where(Inbound.id == input_id, Inbound.status == row.status)
        .values(status="pending", attempts=0, next_attempt_at=now, finished_at=None,
                lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)))
    if done != 1:
        return Change(input_id, False, row.status, "changed meanwhile; look again")
    _audit(session, "operator.input_retry", row.key, {
        "input": input_id, "source": row.source, "was": row.status, "by": by, "via": source,
        "reason": clip_error(reason), "last_error": row.last_error,
    }, now)
    return Change(input_id, True, "pending")


def drop_input(session: Session, input_id: int, *, now: float, by: str,
               reason: str | None = None, source: str = "cli") -> Change:
    """Give up on a ``pending`` or ``failed`` input: ``ignored``, with the reason."""
    row = get_input(session, input_id)
    if row.status not in ("pending", "failed"):
        return Change(input_id, False, row.status, f"the input is already {row.status}")
    if _leased(row.lease_until, now):
        return Change(input_id, False, row.status, "a worker is processing it; try later")
    note = f"dropped by {by}" + (f": {reason}" if reason else "")
    done = rowcount(session.execute(
        update(Inbound)
        .where(Inbound.id == input_id, Inbound.status == row.status,
               or_(Inbound.lease_until.is_(None), Inbound.lease_until <= now))
        .values(status="ignored", finished_at=now, lease_owner=None, lease_until=None,
                last_error=clip_error(note))
        .execution_options(synchronize_session=False)))
    if done != 1:
        return Change(input_id, False, row.status, "changed meanwhile; look again")
    _audit(session, "operator.input_drop", row.key, {
        "input": input_id, "source": row.source, "was": row.status, "by": by, "via": source,
        "reason": clip_error(reason),
    }, now)
    return Change(input_id, True, "ignored")


def requeue_failed_resend(session: Session, input_id: int, now: float, *, sha256: str) -> bool:
    """A sender re-sent the very bytes of an input that failed: requeue it once more
    (audited ``input.requeued_by_resend``). False when the input is not failed."""
    row = get_input(session, input_id)
    if row.status != "failed" or row.body_sha256 != sha256:
        return False
    done = rowcount(session.execute(
        update(Inbound)
        .where(Inbound.id == input_id, Inbound.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=now, finished_at=None,
                lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)))
    if done == 1:
        _audit(session, "input.requeued_by_resend", row.key, {
            "input": input_id, "source": row.source, "last_error": row.last_error,
        }, now)
    return done == 1


# -- deliveries ----------------------------------------------------------------------------


def _type_of(activity: dict[str, Any]) -> str | None:
    kind = activity.get("type")
    obj = activity.get("object")
    inner = obj.get("type") if isinstance(obj, dict) else None
    if not isinstance(kind, str):
        return None
    return f"{kind}({inner})" if isinstance(inner, str) else kind


def _delivery_row(row: Outbox) -> DeliveryRow:
    return DeliveryRow(
        id=row.id, activity_id=row.activity_id, activity_type=_type_of(dict(row.activity)),
        recipient=row.recipient, inbox_url=row.inbox_url, destination=row.destination,
        seq=row.seq, status=row.status, attempts=row.attempts,
        next_attempt_at=row.next_attempt_at, created_at=row.created_at,
        delivered_at=row.delivered_at, last_status=row.last_status, last_error=row.last_error,
        lease_owner=row.lease_owner, lease_until=row.lease_until,
    )


def list_deliveries(session: Session, *, now: float, status: str | None = None,
                    recipient: str | None = None, older_than: float | None = None,
                    limit: int = 100) -> list[DeliveryRow]:
    """Outbox rows, newest first; ``recipient`` matches the recipient actor or its inbox."""
    _check(status, DELIVERY_STATUSES, "status")
    query = select(Outbox)
    if status is not None:
        query = query.where(Outbox.status == status)
    if recipient:
        query = query.where(or_(Outbox.recipient == recipient, Outbox.inbox_url == recipient,
                                Outbox.destination == recipient))
    if older_than is not None:
        query = query.where(Outbox.created_at <= now - older_than)
    rows = session.scalars(query.order_by(Outbox.id.desc())
                           .limit(max(1, min(limit, MAX_LIST)))
                           .execution_options(populate_existing=True)).all()
    return [_delivery_row(r) for r in rows]


def _outbox(session: Session, outbox_id: int) -> Outbox:
    row = session.get(Outbox, outbox_id, populate_existing=True)
    if row is None:
        raise NotFound(f"no delivery {outbox_id}")
    return row


def get_delivery(session: Session, outbox_id: int) -> DeliveryRow:
    return _delivery_row(_outbox(session, outbox_id))


def delivery_activity(session: Session, outbox_id: int) -> dict[str, Any]:
    return dict(_outbox(session, outbox_id).activity)


def _delivery_audit(session: Session, kind: str, row: DeliveryRow, data: dict[str, Any],
                    now: float) -> None:
    _audit(session, kind, row.activity_id, {
        "outbox_id": row.id, "recipient": row.recipient, "was": row.status,
        "attempts": row.attempts, **data,
    }, now)


def retry_delivery(session: Session, outbox_id: int, *, now: float, by: str,
                   reason: str | None = None, source: str = "cli") -> Change:
    """Requeue a dead letter with a fresh attempt budget (its place in the order kept)."""
    row = get_delivery(session, outbox_id)
    if row.status != "dead":
        return Change(outbox_id, False, row.status, f"the delivery is {row.status}, not dead")
    done = rowcount(session.execute(
        update(Outbox).where(Outbox.id == outbox_id, Outbox.status == "dead")
        .values(status="pending", attempts=0, next_attempt_at=now, lease_owner=None,
                lease_until=None)
        .execution_options(synchronize_session=False)))
    if done != 1:
        return Change(outbox_id, False, row.status, "changed meanwhile; look again")
    _delivery_audit(session, "operator.delivery_retry", row, {
        "by": by, "via": source, "reason": clip_error(reason), "last_error": row.last_error,
    }, now)
    return Change(outbox_id, True, "pending")


def drop_delivery(session: Session, outbox_id: int, *, now: float, by: str,
                  reason: str | None = None, source: str = "cli") -> Change:
    """Give up on a pending row: dead, never sent (it stops holding back its queue)."""
    row = get_delivery(session, outbox_id)
    if row.status != "pending":
        return Change(outbox_id, False, row.status, f"the delivery is {row.status}, "
                      "not pending")
    if _leased(row.lease_until, now):
        return Change(outbox_id, False, row.status, "a worker is sending it; try later")
    note = f"dropped by {by}" + (f": {reason}" if reason else "")
    done = rowcount(session.execute(
        update(Outbox).where(Outbox.id == outbox_id, Outbox.status == "pending",
                             or_(Outbox.lease_until.is_(None), Outbox.lease_until <= now))
        .values(status="dead", lease_owner=None, lease_until=None,
                last_error=clip_error(note))
        .execution_options(synchronize_session=False)))
    if done != 1:
        return Change(outbox_id, False, row.status, "changed meanwhile; look again")
    _delivery_audit(session, "operator.delivery_drop", row, {
        "by": by, "via": source, "reason": clip_error(reason),
    }, now)
    return Change(outbox_id, True, "dead")


# -- queue ages (readiness) ----------------------------------------------------------------


def oldest_due_input(session: Session, now: float) -> float | None:
    """Seconds the longest-waiting due pending input has waited for a worker (None: none)."""
    value = session.scalar(select(func.min(Inbound.next_attempt_at)).where(
        Inbound.status == "pending", Inbound.next_attempt_at <= now))
    return None if value is None else max(0.0, now - float(value))


def oldest_pending_delivery(session: Session, now: float) -> float | None:
    """Seconds since the oldest pending outbox row was queued (None: none)."""
    value = session.scalar(select(func.min(Outbox.created_at)).where(Outbox.status == "pending"))
    return None if value is None else max(0.0, now - float(value))
