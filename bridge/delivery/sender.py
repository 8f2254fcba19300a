"""Sending one activity to one inbox: sign at send time, double-knock, classify the answer.

The outbox worker calls ``Sender.send(item)`` and acts on the ``DeliveryOutcome``; it never
sees an exception from here. The client passed in should come from
``bridge.delivery.ssrf.guarded_client`` so every connection is checked against the SSRF guard.

Double-knocking, as Mastodon does it: sign with draft-cavage-12 first; on a 401 retry once at
once with RFC 9421 (or the other way round when RFC 9421 was remembered); remember per inbox
host which scheme got a 2xx, and start with it next time.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from bridge.core.errors import BridgeError
from bridge.core.retry import Verdict, classify_status, parse_retry_after
from bridge.delivery.outcome import DeliveryOutcome
from bridge.delivery.ssrf import BlockedDestination
from bridge.httpsig import SignatureScheme, Signer
from bridge.httpsig.message import authority_of

ACTIVITY_JSON = "application/activity+json"
ACCEPT = (
    "application/activity+json, "
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams", application/json'
)

Clock = Callable[[], float]
"""Seconds since the epoch (``time.time`` in production, a fake in tests)."""


class DeliveryItem(Protocol):
    """What the sender needs from an outbox row (``bridge.store.outbox.OutboxItem`` fits)."""

    @property
    def inbox_url(self) -> str: ...

    @property
    def activity(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Delivery:
    """A ready-made ``DeliveryItem``: one activity for one inbox."""

    inbox_url: str
    activity: Mapping[str, Any]


def encode_activity(activity: Mapping[str, Any]) -> bytes:
    """The bytes we POST (and digest): compact UTF-8 JSON."""
    return json.dumps(activity, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class PeerSchemeStore(Protocol):
    """Which signature scheme each peer (by inbox host) accepted last."""

    def get(self, host: str) -> SignatureScheme | None: ...

    def set(self, host: str, scheme: SignatureScheme) -> None: ...


class MemoryPeerSchemes:
    """An in-memory ``PeerSchemeStore`` (the database store persists the same thing)."""

    def __init__(self) -> None:
        self._schemes: dict[str, SignatureScheme] = {}
        self._lock = threading.Lock()

    def get(self, host: str) -> SignatureScheme | None:
        with self._lock:
            return self._schemes.get(host)

    def set(self, host: str, scheme: SignatureScheme) -> None:
        with self._lock:
            self._schemes[host] = scheme


def peer_host(inbox: str) -> str:
    """The key a peer's scheme is remembered under: the inbox URL's authority."""
    return authority_of(inbox)


class Sender:
    def __init__(
        self,
        client: httpx.Client,
        signer: Signer,
        *,
        peer_scheme: PeerSchemeStore,
        clock: Clock,
        timeout: float = 10.0,
        content_types: Mapping[str, str] | None = None,
    ) -> None:
        """``content_types`` maps an inbox host to the media type it wants
        (default ``application/activity+json``; the reference implementation takes JSON)."""
        self._client = client
        self._signer = signer
        self._schemes = peer_scheme
        self._clock = clock
        self._timeout = timeout
        self._content_types = dict(content_types or {})

    def send(self, item: DeliveryItem) -> DeliveryOutcome:
        """POST the activity to ``item.inbox_url``, signed now; never raises for network trouble."""
        inbox = item.inbox_url
        parts = urlsplit(inbox)
        try:
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("not absolute")
            host = peer_host(inbox)
        except (ValueError, BridgeError):
            return DeliveryOutcome(Verdict.DEAD, error="the inbox is not an absolute http(s) URL")
        try:
            body = encode_activity(item.activity)
        except (TypeError, ValueError):
            return DeliveryOutcome(Verdict.DEAD, error="the activity cannot be encoded as JSON")
        remembered = self._schemes.get(host)
        first = remembered or SignatureScheme.CAVAGE
        outcome = self._attempt(inbox, body, host, first)
        if outcome.status == 401:
            other = (
                SignatureScheme.RFC9421
                if first is SignatureScheme.CAVAGE
                else SignatureScheme.CAVAGE
            )
            outcome = self._attempt(inbox, body, host, other)
            if outcome.verdict is Verdict.DELIVERED:
                self._schemes.set(host, other)
        elif outcome.verdict is Verdict.DELIVERED and remembered is not first:
            self._schemes.set(host, first)
        return outcome

    def _attempt(
        self, inbox: str, body: bytes, host: str, scheme: SignatureScheme
    ) -> DeliveryOutcome:
        now = self._clock()
        content_type = self._content_types.get(host, ACTIVITY_JSON)
        headers = self._signer.headers_for(
            "POST", inbox, body, scheme=scheme, now=now, content_type=content_type
        )
        headers["Accept"] = ACCEPT
        try:
            with self._client.stream(
                "POST", inbox, content=body, headers=headers, timeout=self._timeout
            ) as response:
                status = response.status_code
                retry_after = parse_retry_after(response.headers.get("retry-after"), now)
        except BlockedDestination as exc:
            return DeliveryOutcome(Verdict.DEAD, error=f"blocked by the SSRF guard: {exc.reason}")
        except (httpx.UnsupportedProtocol, httpx.InvalidURL):
            return DeliveryOutcome(Verdict.DEAD, error="the inbox URL cannot be used")
        except httpx.TimeoutException as exc:
            return DeliveryOutcome(Verdict.RETRY, error=f"timed out ({type(exc).__name__})")
        except httpx.TransportError as exc:
            return DeliveryOutcome(Verdict.RETRY, error=f"connection failed ({type(exc).__name__})")
        except httpx.TooManyRedirects:
            return DeliveryOutcome(Verdict.DEAD, error="too many redirects")
        verdict = classify_status(status)
        if verdict is Verdict.DELIVERED:
            return DeliveryOutcome(verdict, status=status)
        return DeliveryOutcome(
            verdict,
            status=status,
            error=_describe(status, scheme),
            retry_after=retry_after if verdict is Verdict.RETRY else None,
        )


def _describe(status: int, scheme: SignatureScheme) -> str:
    if 300 <= status < 400:
        return f"the peer answered {status} (redirects are not followed for deliveries)"
    if status == 401:
        return "the peer answered 401 to both signature schemes"
    return f"the peer answered {status} (signed with {scheme.value})"


FetchActor = Callable[[str], Mapping[str, Any] | None]
"""``fetch_actor(actor_id)`` → the actor document, or None when it cannot be had."""


def inbox_for(actor_id: str, fetch_actor: FetchActor) -> str:
    """The actor's ``inbox`` from its document, else ``{actor id}/inbox/`` (trailing slash,
    where the reference implementation serves it)."""
    try:
        document = fetch_actor(actor_id)
    except BridgeError:
        document = None
    inbox = document.get("inbox") if document else None
    if isinstance(inbox, Mapping):
        inbox = inbox.get("id")
    if isinstance(inbox, str) and inbox.startswith(("http://", "https://")):
        return inbox
    return actor_id.rstrip("/") + "/inbox/"


class InboxDirectory:
    """``inbox_for`` with a cache: document answers for ``ttl`` seconds, fallbacks for
    ``fallback_ttl`` (so a peer that was down is asked again soon, not on every send)."""

    def __init__(
        self,
        fetch_actor: FetchActor,
        *,
        clock: Clock,
        ttl: float = 3600.0,
        fallback_ttl: float = 300.0,
        max_entries: int = 10_000,
    ) -> None:
        self._fetch = fetch_actor
        self._clock = clock
        self._ttl = ttl
        self._fallback_ttl = fallback_ttl
        self._max = max_entries
        self._cache: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, actor_id: str) -> str:
        now = self._clock()
        with self._lock:
            cached = self._cache.get(actor_id)
            if cached is not None and cached[1] > now:
                self._cache.move_to_end(actor_id)
                return cached[0]
        inbox = inbox_for(actor_id, self._fetch)
        fallback = inbox == actor_id.rstrip("/") + "/inbox/"
        expires = now + (self._fallback_ttl if fallback else self._ttl)
        with self._lock:
            self._cache[actor_id] = (inbox, expires)
            self._cache.move_to_end(actor_id)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return inbox


__all__ = [
    "ACTIVITY_JSON",
    "Delivery",
    "DeliveryItem",
    "InboxDirectory",
    "MemoryPeerSchemes",
    "encode_activity",
    "PeerSchemeStore",
    "Sender",
    "inbox_for",
    "peer_host",
]
