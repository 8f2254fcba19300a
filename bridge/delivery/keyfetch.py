"""Fetching a peer's public key (and actor document) through the SSRF guard, with a cache
and a cool-off.

``KeyFetcher`` is the ``fetch_key`` that ``bridge.httpsig.verify_request`` takes, and its
``refresh`` the ``refresh_key``. A key id is fetched at most once per cool-off (default 300 s),
whether the fetch worked or failed, and however many requests name it: a flood of bad
signatures naming one key id costs the peer one GET, not one per request. Good keys are kept
for ``ttl`` seconds (default an hour).

A key is its claimed owner's only when the owner's actor document, fetched from the owner's id,
lists it (``bridge.httpsig.keys.check_listed``). For the common ``{actor id}#main-key`` that is
the document already fetched; a key in a document of its own costs one more GET, cached and
cooled off with the key.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urlsplit

import httpx

from bridge.core.errors import AuthenticationError, BridgeError, TransientError
from bridge.delivery.ssrf import BlockedDestination
from bridge.httpsig import FetchedKey, SignatureScheme, Signer
from bridge.httpsig.keys import check_listed, key_from_document, served_by_owner

ACCEPT = (
    'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
)
MAX_DOCUMENT_BYTES = 1_048_576
_STRIPES = 64


@dataclass(slots=True)
class _Entry:
    key: FetchedKey | None
    fetched_at: float
    attempted_at: float
    error: BridgeError | None = None


class KeyFetcher:
    def __init__(
        self,
        client: httpx.Client,
        *,
        clock: Callable[[], float],
        cool_off: float = 300.0,
        ttl: float = 3600.0,
        timeout: float = 10.0,
        signer: Signer | None = None,
        max_entries: int = 10_000,
    ) -> None:
        """``client`` should come from ``guarded_client``; ``signer``, when given, signs the GETs
        (draft-cavage) for peers that insist on signed fetches."""
        self._client = client
        self._clock = clock
        self._cool_off = cool_off
        self._ttl = ttl
        self._timeout = timeout
        self._signer = signer
        self._max = max_entries
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._stripes = [threading.Lock() for _ in range(_STRIPES)]

    def __call__(self, key_id: str) -> FetchedKey:
        """The key for ``key_id``: cached for ``ttl``, else fetched (unless cooling off)."""
        with self._stripe(key_id):
            now = self._clock()
            entry = self._get(key_id)
            if entry is not None and entry.key is not None and now - entry.fetched_at < self._ttl:
                return entry.key
            if entry is not None and now - entry.attempted_at < self._cool_off:
                return self._cooling(entry, now)
            return self._fetch(key_id, now, entry)

    def refresh(self, key_id: str) -> FetchedKey:
        """A fresh copy (the peer may have rotated its key), unless fetched within the cool-off."""
        with self._stripe(key_id):
            now = self._clock()
            entry = self._get(key_id)
            if entry is not None and now - entry.attempted_at < self._cool_off:
                return self._cooling(entry, now)
            return self._fetch(key_id, now, entry)

    def fetch_actor(self, actor_id: str) -> dict[str, Any]:
        """An actor document (uncached; ``InboxDirectory`` caches what it needs)."""
        return self._get_document(actor_id)

    # --- internals ----------------------------------------------------------------------------

    def _stripe(self, key_id: str) -> threading.Lock:
        return self._stripes[zlib.crc32(key_id.encode("utf-8")) % _STRIPES]

    def _get(self, key_id: str) -> _Entry | None:
        with self._cache_lock:
            return self._cache.get(key_id)

    def _put(self, key_id: str, entry: _Entry) -> None:
        with self._cache_lock:
            self._cache[key_id] = entry
            self._cache.move_to_end(key_id)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)

    def _cooling(self, entry: _Entry, now: float) -> FetchedKey:
        if entry.key is not None:
            return entry.key
        wait = max(1.0, self._cool_off - (now - entry.attempted_at))
        reason = entry.error.reason if entry.error is not None else "failed"
        if isinstance(entry.error, TransientError):
            raise TransientError(f"fetching the key failed recently: {reason}", retry_after=wait)
        raise AuthenticationError(f"fetching the key failed recently: {reason}")

    def _fetch(self, key_id: str, now: float, previous: _Entry | None) -> FetchedKey:
        old = previous.key if previous is not None else None
        fetched_at = previous.fetched_at if previous is not None else 0.0
        self._put(key_id, _Entry(old, fetched_at, now))
        try:
            document = self._get_document(key_id)
            key = key_from_document(document, key_id)
            if not served_by_owner(document, urldefrag(key_id)[0], key):
                check_listed(self._get_document(key.owner), key)
        except BridgeError as exc:
            self._put(key_id, _Entry(old, fetched_at, now, exc))
            raise
        self._put(key_id, _Entry(key, now, now))
        return key

    def _get_document(self, url: str) -> dict[str, Any]:
        target = urldefrag(url)[0]
        if urlsplit(target).scheme not in ("http", "https"):
            raise AuthenticationError("the key id is not an http(s) URL")
        headers = {"Accept": ACCEPT}
        if self._signer is not None:
            headers.update(
                self._signer.headers_for(
                    "GET", target, b"", scheme=SignatureScheme.CAVAGE, now=self._clock()
                )
            )
        try:
            with self._client.stream(
                "GET", target, headers=headers, follow_redirects=True, timeout=self._timeout
            ) as response:
                _check_status(response.status_code)
                if _origin(str(response.url)) != _origin(target):
                    raise AuthenticationError("the key document was served from another origin")
                raw = _read_capped(response)
        except BlockedDestination as exc:
            reason = f"the key id points to a refused address: {exc.reason}"
            raise AuthenticationError(reason) from exc
        except httpx.TooManyRedirects as exc:
            raise AuthenticationError("fetching the key redirected too often") from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise AuthenticationError("the key id is not a usable URL") from exc
        except httpx.TransportError as exc:  # timeouts, refused connections, DNS failures
            raise TransientError(f"fetching the key failed ({type(exc).__name__})") from exc
        try:
            document = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise AuthenticationError("the key document is not JSON") from exc
        if not isinstance(document, dict):
            raise AuthenticationError("the key document is not a JSON object")
        return document


def _check_status(status: int) -> None:
    if 200 <= status < 300:
        return
    if status in (408, 425, 429) or status >= 500:
        raise TransientError(f"fetching the key answered {status}")
    raise AuthenticationError(f"fetching the key answered {status}")


def _read_capped(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_DOCUMENT_BYTES:
            raise AuthenticationError("the key document is too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or default
