"""Where a delivery goes: the inbox the recipient's actor document names.

Resolved when the message is sent, not when it is queued:

1. the inbox cached in the ``peers`` table from the actor's document, while fresh (``ttl``);
2. else the actor document, fetched from the actor id through the SSRF guard (signed GET),
   whose ``inbox`` is cached for every worker;
3. else — the document cannot be fetched, is not the actor's, or names no usable inbox —
   the default ``{actor id}/inbox/``. That fallback is logged and audited
   (``delivery.inbox_guessed``, with the reason) and the document is asked for again after
   ``retry_after`` seconds, not on every send.

The reference implementation's actor documents name ``{actor id}/inbox`` while its server
takes POSTs only at ``{actor id}/inbox/`` (without the slash it answers 405), so a document
naming exactly ``{actor id}/inbox`` is delivered to with the trailing slash.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from bridge.app.runtime import Runtime
from bridge.core.errors import BridgeError
from bridge.store import audit, db, peers

log = logging.getLogger(__name__)

FetchActor = Callable[[str], Mapping[str, Any]]
"""The actor document for an actor id; raises a BridgeError when it cannot be had."""


def default_inbox(actor: str) -> str:
    """``{actor id}/inbox/``: where the reference implementation serves every inbox (a
    ``mailto:`` reporter is mailed, ``bridge.mail.outgoing``: the address is the inbox)."""
    if actor.lower().startswith("mailto:"):
        return actor
    return actor.rstrip("/") + "/inbox/"


def inbox_from_document(actor: str, document: Mapping[str, Any]) -> tuple[str | None, str]:
    """The inbox ``document`` names for ``actor`` (None and why, when it names none usable)."""
    if document.get("id") != actor:
        return None, "the actor document is not the actor's (its id differs)"
    inbox = document.get("inbox")
    if isinstance(inbox, Mapping):
        inbox = inbox.get("id")
    if not isinstance(inbox, str) or not inbox.startswith(("https://", "http://")):
        return None, "the actor document names no http(s) inbox"
    if inbox == actor.rstrip("/") + "/inbox":
        return inbox + "/", "document"
    return inbox, "document"


class Inboxes:
    """``resolve(actor) -> inbox URL`` as described above (one per delivery process)."""

    def __init__(self, rt: Runtime, fetch_actor: FetchActor, *, ttl: float = 3600.0,
                 retry_after: float = 300.0) -> None:
        self._rt = rt
        self._fetch = fetch_actor
        self._ttl = ttl
        self._retry_after = retry_after
        self._guessed: dict[str, float] = {}
        self._lock = threading.Lock()

    def resolve(self, actor: str) -> str:
        now = self._rt.clock()
        with self._rt.readers() as session:
            peer = peers.get_peer(session, actor)
        if peer and peer.inbox_url and peer.fetched_at and now - peer.fetched_at < self._ttl:
            return peer.inbox_url
        with self._lock:
            until = self._guessed.get(actor)
        if until is not None and now < until:
            return peer.inbox_url if peer and peer.inbox_url else default_inbox(actor)
        try:
            document = self._fetch(actor)
            inbox, why = inbox_from_document(actor, document)
        except BridgeError as exc:
            inbox, why, document = None, f"fetching the actor document failed: {exc.reason}", {}
        if inbox is not None:
            with db.transaction(self._rt.sessions) as session:
                peers.remember_inbox(session, actor, inbox, document, now)
            with self._lock:
                self._guessed.pop(actor, None)
            return inbox
        return self._fall_back(actor, why, peer.inbox_url if peer else None, now)

    def _fall_back(self, actor: str, why: str, cached: str | None, now: float) -> str:
        inbox = cached or default_inbox(actor)
        with self._lock:
            self._guessed[actor] = now + self._retry_after
        log.warning("inbox of %s not from its actor document (%s): using %s", actor, why,
                    "the last known one" if cached else "the default {actor}/inbox/")
        with db.transaction(self._rt.sessions) as session:
            audit.append(session, "delivery.inbox_guessed", actor, {
                "actor": actor, "inbox": inbox, "reason": why,
                "used": "last known" if cached else "default",
            }, now)
        return inbox
