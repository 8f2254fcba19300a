"""The inbox accept path: check, authenticate, persist, answer 202. Work happens in the worker.

Order: media type (415) → capped body (413) → safe JSON (400; also a string holding NUL or
an unpaired surrogate, which neither database stores: ``bridge.core.storable``) →
authentication (401; a document without ``actor`` is parsed first, so a non-activity gets its
400) → parse (400) →
store with an audit entry in one transaction (a group commit: ``bridge.store.groupcommit``; 503
when the store fails) → 202. An unsigned request (a trusted peer) is authenticated on the
event loop — there is no key to fetch; a signed one in the inbox's own thread pool.

Authentication, either:

* an HTTP message signature (RFC 9421 or draft-cavage-12) that verifies with the key fetched
  from the signer's actor document (through the SSRF guard), dated within
  ``peers.date_window_seconds``, whose owner is the activity's ``actor`` — the owner being the
  actor whose own document, fetched from its id, lists the key; or
* no signature at all, when the activity's ``actor`` is under a configured
  ``peers.trusted[].prefix`` (``bridge.core.urls.trusted_peer``: both normalised, same scheme,
  host and port, the path under the prefix's on segment boundaries; an actor id with dot
  segments, userinfo or backslashes is never trusted) and, when that peer has a
  ``bearer_token``, ``Authorization: Bearer <token>`` matches
  (constant-time). A request that carries a signature is always verified, trusted or not.

Deduplication is by activity id (``sha256:<hex>`` of the body when the activity has none). A
second POST with the same id is answered 202 ``duplicate`` and changes nothing — also when its
bytes differ (a peer re-serialising the same activity): the first stored copy stays, and the
difference is written to the audit log (``inbox.changed_duplicate``). One exception: a
re-send of the very same bytes of an input whose processing **failed** requeues it (answered
202 ``requeued``, audited ``input.requeued_by_resend``): the finder's resend is how a report
lost to a fault we have since fixed gets through (docs/inbound.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from bridge import metrics
from bridge.app.delivery import actor_key
from bridge.app.runtime import Runtime
from bridge.core.errors import AuthenticationError, InputError, NotFound
from bridge.core.jsonload import load_json
from bridge.core.quoting import safe_name
from bridge.core.storable import check_storable, json_may_hold_unstorable
from bridge.core.urls import trusted_peer
from bridge.core.vocab.base import ref_id
from bridge.core.vocab.parse import parse_activity
from bridge.delivery.bounded import BoundedTransport, deadline
from bridge.delivery.keyfetch import KeyFetcher
from bridge.delivery.ssrf import AllowPolicy, guarded_client
from bridge.httpsig import Signer, VerifyPolicy, check_actor_owns_key, detect_scheme, verify_request
from bridge.logs import event
from bridge.service.http import read_body, require_activity_media_type
from bridge.store import audit, inbound, repair
from bridge.store.groupcommit import GroupWriter

_LOCK = threading.Lock()
log = logging.getLogger("bridge.inbox")


def key_fetcher(request: Request) -> KeyFetcher:
    """The app's key fetcher (built once): SSRF-guarded, cached, signing its GETs."""
    state = request.app.state
    fetcher: KeyFetcher | None = getattr(state, "inbox_key_fetcher", None)
    if fetcher is None:
        with _LOCK:
            fetcher = getattr(state, "inbox_key_fetcher", None)
            if fetcher is None:
                rt: Runtime = state.runtime
                allow = AllowPolicy.build(
                    allow_loopback=rt.config.delivery.allow_loopback,
                    networks=rt.config.delivery.allow_networks,
                )
                timeout = rt.config.delivery.timeout_seconds
                # no pooled connections: fetches are rare (cached) and nothing is left open;
                # each exchange within a total deadline, few at once per origin
                inner = BoundedTransport(httpx.HTTPTransport(
                    trust_env=False, limits=httpx.Limits(max_keepalive_connections=0)),
                    total=timeout, per_origin=rt.config.peers.fetch_per_origin)
                fetcher = KeyFetcher(
                    guarded_client(allow, timeout=timeout, inner=inner), clock=rt.clock,
                    timeout=timeout,
                    signer=Signer.for_actor(rt.actor_id, actor_key(rt)),
                )
                state.inbox_key_fetcher = fetcher
    return fetcher


def auth_pool(request: Request) -> ThreadPoolExecutor:
    """The threads that authenticate inbox posts (and so fetch keys): their own small pool,
    not the one webhooks, ``/readyz`` and the other routes share (``peers.fetch_threads``)."""
    state = request.app.state
    pool: ThreadPoolExecutor | None = getattr(state, "inbox_auth_pool", None)
    if pool is None:
        with _LOCK:
            pool = getattr(state, "inbox_auth_pool", None)
            if pool is None:
                rt: Runtime = state.runtime
                pool = ThreadPoolExecutor(max_workers=rt.config.peers.fetch_threads,
                                          thread_name_prefix="inbox-auth")
                state.inbox_auth_pool = pool
    return pool


def _authenticate_bounded(rt: Runtime, *args: Any) -> str:
    """``authenticate`` with every key and actor fetch it makes within one total deadline
    (``delivery.timeout_seconds``): a drip-feeding key server cannot hold it longer."""
    with deadline(rt.config.delivery.timeout_seconds):
        return authenticate(rt, *args)


def public_url(rt: Runtime, request: Request) -> str:
    """What the client addressed, as seen from outside (``actor.base_url`` + path + query)."""
    query = request.url.query
    return rt.config.actor.base_url + request.url.path + (f"?{query}" if query else "")


def _bearer(headers: list[tuple[str, str]]) -> str | None:
    for name, value in headers:
        if name.lower() == "authorization":
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def _no_fetcher() -> KeyFetcher:
    raise AssertionError("an unsigned request fetches no key")


def authenticate(rt: Runtime, fetcher: Callable[[], KeyFetcher], method: str, url: str,
                 headers: list[tuple[str, str]], body: bytes, actor: str | None) -> str:
    """Who vouches for the request (``signature:<scheme>`` / ``trusted``), or
    AuthenticationError. Blocking (a key may be fetched): call it from a worker thread."""
    if detect_scheme(headers) is not None:
        keys = fetcher()
        verified = verify_request(
            method, url, headers, body, fetch_key=keys, refresh_key=keys.refresh,
            now=rt.clock(),
            policy=VerifyPolicy(date_window=float(rt.config.peers.date_window_seconds)),
        )
        check_actor_owns_key(actor, verified)
        return f"signature:{verified.scheme.value}"
    peer = trusted_peer(rt.config.peers.trusted, actor)
    if peer is None:
        raise AuthenticationError(
            "the request is not signed and its actor is not a trusted peer: sign it with "
            "an HTTP message signature (RFC 9421 or draft-cavage-12)"
        )
    if peer.bearer_token is not None:
        given = _bearer(headers)
        expected = peer.bearer_token.get_secret_value()
        if given is None or not hmac.compare_digest(given.encode(), expected.encode()):
            raise AuthenticationError("this trusted peer must send its bearer token")
    return "trusted"


def _record(source: str, key: str, body: bytes, headers: dict[str, str], entry: dict[str, Any],
            now: float, session: Session) -> tuple[inbound.AcceptResult, bool]:
    """Store the activity with its audit entry; also True when it re-sent the very bytes of
    an input that had failed, which is then requeued
    (``bridge.store.repair.requeue_failed_resend``)."""
    accepted = inbound.accept(session, source, key, body, headers, now)
    requeued = False
    if not accepted.duplicate:
        audit.append(session, "inbox.accepted", key, entry, now)
    elif not accepted.same_body:
        audit.append(session, "inbox.changed_duplicate", key, entry, now)
    else:
        requeued = repair.requeue_failed_resend(session, accepted.id, now,
                                                sha256=str(entry["sha256"]))
    return accepted, requeued


async def receive(name: str, request: Request) -> JSONResponse:
    """``POST /actors/{name}/inbox/``: the whole accept path."""
    rt: Runtime = request.app.state.runtime
    writer: GroupWriter = request.app.state.group_writer
    with writer.preparing():  # a write is coming: the group being formed may wait for it
        key, entry, record = await _prepare(rt, name, request)
    accepted, requeued = await writer.write(record)  # answered once the rows are durable
    if not accepted.duplicate or requeued:
        rt.wake_process.set()
    outcome = "requeued" if requeued else "duplicate" if accepted.duplicate else "accepted"
    metrics.INBOX.labels(outcome=outcome).inc()
    event(log, f"input.{outcome}", id=accepted.id, source=f"inbox:{name}", key=key,
          type=entry["type"], auth=entry["auth"])
    return JSONResponse({"status": outcome, "id": accepted.id}, status_code=202)


async def _prepare(rt: Runtime, name: str, request: Request) -> tuple[
        str, dict[str, Any], Callable[[Session], tuple[inbound.AcceptResult, bool]]]:
    """Every check before the write: the dedup key, the audit entry and the write to make."""
    if name != rt.config.actor.name:
        raise NotFound("no such actor")
    require_activity_media_type(request)
    limits = rt.config.limits
    body = await read_body(request, limits.max_body_bytes)
    data = load_json(body, max_bytes=limits.max_body_bytes, max_depth=limits.max_json_depth)
    if not isinstance(data, dict):
        raise InputError("the activity must be a JSON object")
    if json_may_hold_unstorable(body):
        check_storable(data, "the activity")
    actor = ref_id(data.get("actor"))
    if actor is None:  # not an activity at all, most likely: say so rather than "untrusted"
        parse_activity(data)
    headers = list(request.headers.items())
    try:
        if detect_scheme(headers) is None:  # no key to fetch: nothing blocks, no thread hop
            how = authenticate(rt, _no_fetcher, request.method, "", headers, body, actor)
        else:
            how = await asyncio.get_running_loop().run_in_executor(auth_pool(request), partial(
                _authenticate_bounded, rt, lambda: key_fetcher(request), request.method,
                public_url(rt, request), headers, body, actor,
            ))
    except AuthenticationError:
        metrics.INBOX.labels(outcome="unauthenticated").inc()
        raise
    activity = parse_activity(data).document
    digest = hashlib.sha256(body).hexdigest()
    key = activity.id or "sha256:" + digest
    entry = {"type": safe_name(activity.type), "actor": actor, "auth": how, "sha256": digest}
    return key, entry, partial(_record, f"inbox:{name}", key, body, dict(request.headers),
                               entry, rt.clock())
