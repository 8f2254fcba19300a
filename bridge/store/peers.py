"""What the bridge remembers about protocol peers, and named cursors (e.g. poll positions).

* ``signature_scheme``: the HTTP-signature scheme a peer last accepted (``cavage`` or
  ``rfc9421``), so the sender starts with it instead of double-knocking every time.
* A cached actor document: inbox URL, key id, public key PEM and when it was fetched
  (callers decide when a cached document is too old by ``fetched_at``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.core.errors import InputError
from bridge.store._checks import check_text
from bridge.store.db import insert_for
from bridge.store.models import MAX_URL, Cursor, Peer

SCHEMES = ("cavage", "rfc9421")


@dataclass(frozen=True, slots=True)
class PeerRecord:
    actor: str
    signature_scheme: str | None
    inbox_url: str | None
    key_id: str | None
    public_key_pem: str | None
    document: dict[str, Any] | None
    fetched_at: float | None
    updated_at: float


def get_peer(session: Session, actor: str) -> PeerRecord | None:
    row = session.execute(
        select(Peer.actor, Peer.signature_scheme, Peer.inbox_url, Peer.key_id,
               Peer.public_key_pem, Peer.document, Peer.fetched_at, Peer.updated_at)
        .where(Peer.actor == actor)
    ).one_or_none()
    if row is None:
        return None
    return PeerRecord(row.actor, row.signature_scheme, row.inbox_url, row.key_id,
                      row.public_key_pem, None if row.document is None else dict(row.document),
                      row.fetched_at, row.updated_at)


def _upsert(session: Session, actor: str, values: dict[str, Any], now: float) -> None:
    values = {**values, "updated_at": now}
    stmt = insert_for(session, Peer).values(actor=check_text("actor", actor), **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["actor"], set_=values))


def remember_scheme(session: Session, actor: str, scheme: str, now: float) -> None:
    """Remember that ``actor`` accepted signature ``scheme`` (``cavage`` / ``rfc9421``)."""
    if scheme not in SCHEMES:
        raise InputError(f"unknown signature scheme; use one of: {', '.join(SCHEMES)}")
    _upsert(session, actor, {"signature_scheme": scheme}, now)


def cache_actor(
    session: Session,
    actor: str,
    *,
    inbox_url: str | None,
    key_id: str | None,
    public_key_pem: str | None,
    document: Mapping[str, Any] | None,
    now: float,
) -> None:
    """Store a freshly fetched actor document (``fetched_at = now``); keeps the scheme."""
    if inbox_url is not None:
        check_text("inbox URL", inbox_url, MAX_URL)
    _upsert(session, actor, {
        "inbox_url": inbox_url, "key_id": key_id, "public_key_pem": public_key_pem,
        "document": None if document is None else dict(document), "fetched_at": now,
    }, now)


def remember_inbox(session: Session, actor: str, inbox_url: str,
                   document: Mapping[str, Any] | None, now: float) -> None:
    """Store the inbox an actor's freshly fetched document names (``fetched_at = now``);
    keeps the key and the scheme."""
    _upsert(session, actor, {
        "inbox_url": check_text("inbox URL", inbox_url, MAX_URL),
        "document": None if document is None else dict(document), "fetched_at": now,
    }, now)


def get_cursor(session: Session, name: str) -> str | None:
    """A named cursor's value, None when never set."""
    return session.scalar(select(Cursor.value).where(Cursor.name == name))


def set_cursor(session: Session, name: str, value: str, now: float) -> None:
    values = {"value": value, "updated_at": now}
    stmt = insert_for(session, Cursor).values(name=check_text("cursor name", name), **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))
