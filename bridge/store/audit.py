"""The hash-chained audit log: append in the caller's transaction, verify, export.

Appenders serialise on the chain head (the single ``audit_head`` row, locked with
``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the writer transaction already holds the
database's write lock), so concurrent appends form one unbroken chain with no gaps in
``seq``. The head lock is held until the caller commits: keep appending transactions short.

Entries hold what callers pass in ``data``; callers must never pass secrets or report
content (the log is meant to be exported and shown). Hash arithmetic is in
``bridge.core.audit``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from bridge.core import audit as chain
from bridge.core.errors import ConfigurationError, InputError
from bridge.store._checks import check_text
from bridge.store.db import core_table
from bridge.store.models import AuditEntry, AuditHead

BATCH = 1000


@dataclass(frozen=True, slots=True)
class Appended:
    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The outcome of ``check``: ``broken_seq`` is None when the chain is intact."""

    entries: int
    broken_seq: int | None
    reason: str | None


def _normalise(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` as it will read back from a JSON column (tuples → lists, keys → strings)."""
    try:
        out = json.loads(json.dumps(dict(data), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InputError("audit data must be JSON (no NaN, no binary values)") from exc
    assert isinstance(out, dict)
    return out


_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
_INSERT = insert(core_table(AuditEntry))
_MOVE_HEAD = (
    update(core_table(AuditHead)).where(AuditHead.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def append(
    session: Session,
    kind: str,
    subject: str | None,
    data: Mapping[str, Any],
    now: float,
) -> Appended:
    """Append one entry at the chain's end, in the caller's transaction."""
    check_text("audit kind", kind, 100)
    if subject is not None:
        check_text("audit subject", subject)
    conn = session.connection()  # Core statements: none of the ORM's execution machinery
    head = conn.execute(_HEAD).one_or_none()
    if head is None:
        raise ConfigurationError("the audit log has no head row: run `vultron-bridge migrate`")
    entry = chain.chain(head.hash, {
        "seq": head.seq + 1, "at": float(now), "kind": kind, "subject": subject,
        "data": _normalise(data),
    })
    # prepared Core statements (no unit of work); the chain's head row is locked above
    conn.execute(_INSERT, entry)
    conn.execute(_MOVE_HEAD, {"new_seq": entry["seq"], "new_hash": entry["hash"]})
    return Appended(seq=int(entry["seq"]), hash=str(entry["hash"]))


_COLUMNS = (
    AuditEntry.seq, AuditEntry.at, AuditEntry.kind, AuditEntry.subject, AuditEntry.data,
    AuditEntry.prev_hash, AuditEntry.hash,
)


def _as_dict(row: Any) -> dict[str, Any]:
    return {
        "seq": row.seq, "at": row.at, "kind": row.kind, "subject": row.subject,
        "data": row.data, "prev_hash": row.prev_hash, "hash": row.hash,
    }


def export(session: Session, since_seq: int = 0) -> Iterator[dict[str, Any]]:
    """Entries with ``seq > since_seq`` in order, as plain dicts (read in batches)."""
    last = since_seq
    while True:
        rows = session.execute(
            select(*_COLUMNS).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            yield _as_dict(row)
        last = rows[-1].seq


def check(session: Session) -> ChainCheck:
    """Walk the whole chain; report the first entry that does not verify, and why.

    Catches edited, inserted, reordered and deleted entries. Removing entries from the end
    is caught by comparing with the head row — unless the head was rewritten too; export
    the log (or record the head hash) elsewhere to catch that.
    """
    seq, prev, count = 1, chain.GENESIS, 0
    for entry in export(session):
        if not chain.link_ok(seq, prev, entry):
            if entry["seq"] != seq:
                why = f"expected seq {seq}, found seq {entry['seq']} (entries missing or moved)"
            elif entry["prev_hash"] != prev:
                why = "prev_hash does not match the previous entry's hash"
            else:
                why = "the entry's content does not match its hash (edited)"
            return ChainCheck(count, int(entry["seq"]), why)
        seq, prev, count = seq + 1, str(entry["hash"]), count + 1
    head = session.get(AuditHead, 1, populate_existing=True)
    if head is None:
        return ChainCheck(count, seq, "the chain head row is missing")
    if head.seq != seq - 1 or head.hash != prev:
        return ChainCheck(count, seq, f"the head names seq {head.seq}; the log ends at {seq - 1}"
                          " (entries removed from the end, or the head edited)")
    return ChainCheck(count, None, None)


def verify(session: Session) -> int | None:
    """The seq of the first broken entry, None when the whole chain verifies."""
    return check(session).broken_seq


def entries_for(session: Session, subject: str, limit: int = 1000) -> list[dict[str, Any]]:
    """Entries about one subject (a report, case, activity or tracker ref), oldest first."""
    rows = session.execute(
        select(*_COLUMNS).where(AuditEntry.subject == subject).order_by(AuditEntry.seq)
        .limit(limit)
    ).all()
    return [_as_dict(row) for row in rows]


def length(session: Session) -> int:
    """Number of entries."""
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
