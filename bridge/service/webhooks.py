"""``POST /webhooks/{tracker}``: verify, parse, deduplicate, persist, answer 202.

The route only reads the (capped) body, calls the adapter's pure parser and maps errors to
status codes. What is stored is the normalised result (the events), so the worker never needs
the webhook secret again. Deduplication is on the delivery id (``X-GitHub-Delivery``,
``Idempotency-Key``, …) **and** on the sha256 of the raw body, per tracker: the signature or
token covers only the body, so the same bytes under a fresh delivery id are a replay, answered
202 ``duplicate`` with nothing written. Unhandled kinds get 202 "ignored": GitLab disables
hooks that keep getting 4xx; only a bad signature or token is a 401.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from bridge.config.schema import TrackerConfig
from bridge.core.errors import NotFound, TransientError
from bridge.core.events import EventKind, WebhookResult
from bridge.core.storable import check_storable
from bridge.service import metrics
from bridge.service.http import read_body, require_json_media_type
from bridge.service.runtime import Runtime
from bridge.store import db, inbound

router = APIRouter()

NOISE = frozenset({EventKind.PING, EventKind.INSTALLATION})


def verify_and_parse(
    name: str, tracker: TrackerConfig, headers: dict[str, str], body: bytes, now: float
) -> WebhookResult:
    from adapters.registry import spec

    kind = spec(tracker.kind)
    return kind.verify_and_parse(headers, body, kind.settings(name, tracker, now))


def _store(rt: Runtime, source: str, key: str, envelope: bytes, headers: dict[str, str],
           raw_sha256: str) -> inbound.AcceptResult:
    """One durable insert; the audit entry for the input is written when it is processed
    (same transaction as its result), keeping the accept path to a single row."""
    try:
        with db.transaction(rt.sessions) as session:
            return inbound.accept(session, source, key, envelope, headers, rt.clock(),
                                  raw_sha256=raw_sha256)
    except SQLAlchemyError as exc:
        raise TransientError("the store is unavailable") from exc


@router.post("/webhooks/{tracker}", status_code=202)
async def receive_webhook(tracker: str, request: Request) -> JSONResponse:
    rt: Runtime = request.app.state.runtime
    config = rt.config.trackers.get(tracker)
    if config is None:
        raise NotFound(f"no tracker named {tracker[:40]!r} is configured")
    require_json_media_type(request)
    body = await read_body(request, rt.config.limits.max_body_bytes)
    headers = {k.lower(): v for k, v in request.headers.items()}
    result = verify_and_parse(tracker, config, headers, body, rt.clock())
    if result.ignored or all(e.kind in NOISE for e in result.events):
        reason = result.ignored or "nothing to do"
        metrics.WEBHOOKS.labels(tracker=tracker, outcome="ignored").inc()
        return JSONResponse({"status": "ignored", "reason": reason}, status_code=202)
    check_storable(result.model_dump(), "the webhook")
    raw_sha256 = hashlib.sha256(body).hexdigest()
    key = result.delivery_id or "sha256:" + raw_sha256
    envelope = result.model_dump_json().encode()
    accepted = await run_in_threadpool(_store, rt, f"webhook:{tracker}", key, envelope, headers,
                                       raw_sha256)
    if not accepted.duplicate:
        rt.wake_process.set()
    outcome = "duplicate" if accepted.duplicate else "accepted"
    metrics.WEBHOOKS.labels(tracker=tracker, outcome=outcome).inc()
    payload: dict[str, Any] = {"status": outcome, "id": accepted.id}
    return JSONResponse(payload, status_code=202)
