"""Polling configured peers' outboxes (``peers.poll``) for activities addressed to us.

An outbox is an ActivityStreams ``OrderedCollection`` (newest first, as ActivityPub has it),
inline or paged through ``first`` / ``next`` (``OrderedCollectionPage``). The cursor of each
outbox is the set of activity ids already handled (the newest ``KEEP`` of them): paging stops
at the first page that holds nothing new, and new activities are handled oldest first.

Trust: a polled activity is accepted only when its ``actor`` lives on the same origin as the
outbox it was read from (a peer cannot speak for another server; compared normalised by
``bridge.core.urls.same_origin``, so ``https://evil.example\\@peer.example/…`` is not on
``peer.example``), and only when it names us in ``to`` / ``cc`` / ``bto`` / ``bcc`` /
``audience``. Every request goes through the SSRF guard and is signed with our key
(draft-cavage GET), like key fetches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from bridge.core.errors import InputError, PermanentError, TransientError
from bridge.core.jsonload import load_json
from bridge.core.urls import same_origin
from bridge.delivery.sender import ACCEPT
from bridge.delivery.ssrf import BlockedDestination
from bridge.httpsig import SignatureScheme, Signer

MAX_PAGES = 10
MAX_PAGE_BYTES = 2 * 1024 * 1024
KEEP = 500
_ADDRESS = ("to", "cc", "bto", "bcc", "audience")


@dataclass
class Polled:
    activities: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    ignored_ids: list[str] = field(default_factory=list)
    """New ids not for us (or refused): the cursor takes them at once; handled activities
    are added by the caller once each one is mirrored."""
    pages: int = 0


def remember(cursor: dict[str, Any], ids: list[str], now: float) -> None:
    """Add ``ids`` to the cursor (newest first, the last ``KEEP`` kept)."""
    old = [s for s in cursor.get("seen") or [] if s not in set(ids)]
    cursor["seen"] = (list(reversed(ids)) + old)[:KEEP]
    cursor["at"] = now


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) for messages; trust decisions use ``same_origin``."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or default


def addressed_to(activity: dict[str, Any], actor: str) -> bool:
    for key in _ADDRESS:
        value = activity.get(key)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item == actor or (isinstance(item, dict) and item.get("id") == actor):
                return True
    return False


class OutboxReader:
    def __init__(self, client: httpx.Client, signer: Signer | None, clock: Callable[[], float],
                 timeout: float, max_depth: int = 64) -> None:
        self._client = client
        self._signer = signer
        self._clock = clock
        self._timeout = timeout
        self._depth = max_depth

    def get(self, url: str) -> dict[str, Any]:
        headers = {"Accept": ACCEPT}
        if self._signer is not None:
            headers.update(self._signer.headers_for("GET", url, b"",
                                                    scheme=SignatureScheme.CAVAGE,
                                                    now=self._clock()))
        try:
            with self._client.stream("GET", url, headers=headers,
                                     timeout=self._timeout) as response:
                status = response.status_code
                chunks, size = [], 0
                if 200 <= status < 300:
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > MAX_PAGE_BYTES:
                            raise InputError("an outbox page is larger than 2 MiB")
                        chunks.append(chunk)
        except BlockedDestination as exc:
            raise PermanentError(f"polling refused by the SSRF guard: {exc.reason}") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"polling failed ({type(exc).__name__})") from exc
        if status in (408, 425, 429) or status >= 500:
            raise TransientError(f"the outbox answered {status}")
        if not 200 <= status < 300:
            raise PermanentError(f"the outbox answered {status}")
        data = load_json(b"".join(chunks), max_bytes=MAX_PAGE_BYTES, max_depth=self._depth)
        if not isinstance(data, dict):
            raise InputError("an outbox page is not a JSON object")
        return data


def _link(value: Any, base: str) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return urljoin(base, value) if isinstance(value, str) and value else None


def poll(reader: OutboxReader, url: str, cursor: dict[str, Any], our_actor: str) -> Polled:
    """New activities of the outbox at ``url`` addressed to ``our_actor``, oldest first (the
    cursor is not changed: see ``remember``)."""
    seen = set(cursor.get("seen") or [])
    out = Polled()
    fresh: list[dict[str, Any]] = []
    top = reader.get(url)
    page: dict[str, Any] | None = top
    page_url = url
    out.pages = 1
    if top.get("type") == "OrderedCollection" and "orderedItems" not in top:
        first = top.get("first")
        if isinstance(first, dict) and "orderedItems" in first:
            page = first
        else:
            nxt = _link(first, url)
            if nxt is not None and not same_origin(nxt, url):
                out.skipped.append("a first page on another origin")
                nxt = None
            page, page_url = (reader.get(nxt), nxt) if nxt else (None, url)
    while page is not None:
        items = page.get("orderedItems") or page.get("items") or []
        new_here = 0
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                out.skipped.append("an outbox item that is a bare link or has no id")
                continue
            if item["id"] in seen:
                continue
            seen.add(item["id"])
            new_here += 1
            fresh.append(item)
        nxt = _link(page.get("next"), page_url)
        if new_here == 0 or nxt is None or out.pages >= MAX_PAGES:
            break
        if not same_origin(nxt, url):
            out.skipped.append("a next page on another origin")
            break
        page, page_url = reader.get(nxt), nxt
        out.pages += 1
    for item in reversed(fresh):
        actor = item.get("actor")
        actor_id = actor.get("id") if isinstance(actor, dict) else actor
        if not isinstance(actor_id, str) or not same_origin(actor_id, url):
            out.skipped.append(f"{item.get('type')}: its actor is not on the outbox's server")
            out.ignored_ids.append(item["id"])
        elif not addressed_to(item, our_actor):
            out.ignored_ids.append(item["id"])
        else:
            out.activities.append(item)
    return out
