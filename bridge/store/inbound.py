"""The inbound queue: every accepted input is stored here before the sender gets a 2xx.

``accept`` is idempotent on ``(source, key)``: a redelivered webhook or a re-sent activity is
a no-op that reports the original row. When the same key arrives with *different* bytes the
stored row is kept unchanged and ``same_body=False`` is reported; the caller decides whether
that is an error (e.g. an Idempotency-Key reused for another body → 422) or a benign
retransmission with reformatted JSON. Given ``raw_sha256`` (tracker webhooks, whose signature
covers only the body), it is idempotent on ``(source, raw_sha256)`` too: the same bytes under
a fresh delivery id are a duplicate of the first row (a replay), reported ``same_body=True``.
Both are unique indexes, so this stays one ``INSERT … ON CONFLICT DO NOTHING``.

A processing worker claims pending rows with a lease (``claim_inbound``), processes them,
and records the result with ``finish_inbound`` or ``retry_inbound``; both refuse to write
when the lease was taken over by another worker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session

from bridge.core.errors import InputError
from bridge.store._checks import check_text, clip_error, rowcount
from bridge.store.db import core_table, insert_for
from bridge.store.models import Inbound

STATUSES = ("pending", "done", "failed", "ignored")
_HEX = frozenset("0123456789abcdef")
FINAL_STATUSES = ("done", "failed", "ignored")

#: Header names never stored, whatever the caller passes (credentials, not evidence).
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-gitlab-token"}
)


@dataclass(frozen=True, slots=True)
class AcceptResult:
    id: int
    duplicate: bool
    """True when ``(source, key)`` — or ``(source, raw_sha256)`` — was already stored; nothing
    was written."""
    same_body: bool
    """False when a duplicate key came with different bytes (the stored row is unchanged)."""


@dataclass(frozen=True, slots=True)
class InboundItem:
    id: int
    source: str
    key: str
    body: bytes
    headers: dict[str, Any]
    received_at: float
    status: str
    attempts: int
    lease_owner: str | None
    lease_until: float | None
    last_error: str | None


def safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` with lower-cased names, minus credentials (tokens, cookies, secrets)."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        low = name.lower()
        if low in SECRET_HEADERS or "token" in low or "secret" in low:
            continue
        out[low] = str(value)
    return out


_ACCEPT: dict[str, Any] = {}


def _accept_statement(session: Session) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id``, built once per dialect: the hot path
    (every webhook and inbox post) then only binds values. No conflict target: a conflict on
    either unique index, ``(source, key)`` or ``(source, raw_sha256)``, is a duplicate."""
    dialect = session.get_bind().dialect.name
    if dialect not in _ACCEPT:
        table = Inbound.__table__  # Core, not the ORM's bulk-insert path
        _ACCEPT[dialect] = (
            insert_for(session, table).on_conflict_do_nothing().returning(table.c.id)
        )
    return _ACCEPT[dialect]


_FIRST = (Inbound.id, Inbound.key, Inbound.body_sha256)
_BY_KEY = select(*_FIRST).where(Inbound.source == bindparam("source"),
                                Inbound.key == bindparam("key"))
_BY_KEY_OR_RAW = select(*_FIRST).where(
    Inbound.source == bindparam("source"),
    or_(Inbound.key == bindparam("key"), Inbound.raw_sha256 == bindparam("raw")),
)


def accept(
    session: Session,
    source: str,
    key: str,
    body: bytes,
    headers: Mapping[str, str],
    now: float,
    *,
    raw_sha256: str | None = None,
) -> AcceptResult:
    """Store an accepted input once per ``(source, key)`` and, when ``raw_sha256`` (the hex
    sha256 of the raw request body) is given, once per ``(source, raw_sha256)``; safe under
    concurrency.

    Runs ``INSERT ... ON CONFLICT DO NOTHING`` in the caller's transaction: the caller commits
    before answering 2xx. Credential headers are dropped (see ``safe_headers``).
    """
    check_text("source", source)
    check_text("dedup key", key)
    if not isinstance(body, bytes):
        raise InputError("the body must be bytes")
    if raw_sha256 is not None and (len(raw_sha256) != 64 or not set(raw_sha256) <= _HEX):
        raise InputError("raw_sha256 must be 64 lower-case hex digits")
    digest = hashlib.sha256(body).hexdigest()
    stmt = _accept_statement(session)
    values = {
        "source": source, "key": key, "body_sha256": digest, "raw_sha256": raw_sha256,
        "body": body, "headers": safe_headers(headers), "received_at": now,
        "status": "pending", "attempts": 0, "next_attempt_at": now,
    }
    # the session's connection, not the session: a Core statement needs none of the ORM's
    # execution machinery, a third of the cost of this insert (it runs for every input)
    conn = session.connection()
    new_id = conn.execute(stmt, values).scalar_one_or_none()
    if new_id is not None:
        return AcceptResult(id=int(new_id), duplicate=False, same_body=True)
    found = _BY_KEY if raw_sha256 is None else _BY_KEY_OR_RAW
    rows = conn.execute(found, {"source": source, "key": key, "raw": raw_sha256}).all()
    row = next((r for r in rows if r.key == key), None)
    if row is not None:
        return AcceptResult(id=int(row.id), duplicate=True, same_body=row.body_sha256 == digest)
    if not rows:  # the conflicting row is gone (deleted meanwhile): let the caller retry
        raise NoResultFound("the conflicting inbound row was not found")
    return AcceptResult(id=int(rows[0].id), duplicate=True, same_body=True)


def _item(row: Inbound) -> InboundItem:
    return InboundItem(
        id=row.id, source=row.source, key=row.key, body=row.body, headers=dict(row.headers),
        received_at=row.received_at, status=row.status, attempts=row.attempts,
        lease_owner=row.lease_owner, lease_until=row.lease_until, last_error=row.last_error,
    )


def get_inbound(session: Session, inbound_id: int) -> InboundItem | None:
    row = session.get(Inbound, inbound_id)
    return None if row is None else _item(row)


def claim_inbound(
    session: Session, worker_id: str, now: float, lease_seconds: float, limit: int
) -> list[InboundItem]:
    """Lease up to ``limit`` due pending inputs (oldest first) to ``worker_id``.

    Expired leases are claimable again (their worker is presumed dead). PostgreSQL uses
    ``FOR UPDATE SKIP LOCKED``; SQLite's writer transaction holds the write lock. Commit
    before processing so the lease is visible to other workers.
    """
    check_text("worker id", worker_id, 200)
    rows = session.scalars(
        select(Inbound)
        .where(
            Inbound.status == "pending",
            Inbound.next_attempt_at <= now,
            or_(Inbound.lease_until.is_(None), Inbound.lease_until <= now),
        )
        .order_by(Inbound.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.lease_owner = worker_id
        row.lease_until = now + lease_seconds
        row.attempts += 1
    session.flush()
    return [_item(row) for row in rows]


_GUARDED: dict[tuple[str, ...], Any] = {}


def _guarded(session: Session, item: InboundItem, values: dict[str, Any]) -> bool:
    """Update the row only while ``item``'s lease (owner and attempt) still holds it; the
    statement is built once per set of columns and run with parameters."""
    columns = tuple(sorted(values))
    stmt = _GUARDED.get(columns)
    if stmt is None:
        stmt = update(core_table(Inbound)).where(
            Inbound.id == bindparam("g_id"),
            Inbound.status == "pending",
            Inbound.lease_owner == bindparam("g_owner"),
            Inbound.attempts == bindparam("g_attempts"),
        ).values({c: bindparam(f"v_{c}") for c in columns})
        _GUARDED[columns] = stmt
    params = {f"v_{c}": v for c, v in values.items()}
    params |= {"g_id": item.id, "g_owner": item.lease_owner, "g_attempts": item.attempts}
    return rowcount(session.execute(stmt, params)) == 1


def finish_inbound(
    session: Session, item: InboundItem, status: str, now: float, error: str | None = None
) -> bool:
    """Record the final ``status`` (done/failed/ignored); False when the lease was lost."""
    if status not in FINAL_STATUSES:
        raise ValueError(f"final inbound status must be one of {FINAL_STATUSES}")
    return _guarded(session, item, {
        "status": status, "lease_owner": None, "lease_until": None, "finished_at": now,
        "last_error": clip_error(error),
    })


def retry_inbound(
    session: Session, item: InboundItem, next_attempt_at: float, error: str | None
) -> bool:
    """Release the lease and make the input due again at ``next_attempt_at``."""
    return _guarded(session, item, {
        "lease_owner": None, "lease_until": None, "next_attempt_at": next_attempt_at,
        "last_error": clip_error(error),
    })


def inbound_counts(session: Session) -> dict[str, int]:
    """Rows per status (every status present, zero included)."""
    from sqlalchemy import func

    counts = dict.fromkeys(STATUSES, 0)
    for status, n in session.execute(
        select(Inbound.status, func.count()).group_by(Inbound.status)
    ).all():
        counts[str(status)] = int(n)
    return counts


def requeue_inbound(session: Session, ids: Sequence[int], now: float) -> int:
    """Make failed inputs pending again (operators); returns how many were requeued."""
    result = session.execute(
        update(core_table(Inbound))
        .where(Inbound.id.in_(list(ids)), Inbound.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=now, finished_at=None,
                lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)
