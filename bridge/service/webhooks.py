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
from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from bridge import metrics
from bridge.app.runtime import Runtime
from bridge.config.schema import TrackerConfig
from bridge.core.errors import NotFound
from bridge.core.events import EventKind, WebhookResult
from bridge.core.storable import check_storable, json_may_hold_unstorable
from bridge.service.http import read_body, require_json_media_type
from bridge.store import inbound
from bridge.store.groupcommit import GroupWriter

router = APIRouter()

NOISE = frozenset({EventKind.PING, EventKind.INSTALLATION})


def verify_and_parse(
    name: str, tracker: TrackerConfig, headers: dict[str, str], body: bytes, now: float
) -> WebhookResult:
    from adapters.registry import spec

    kind = spec(tracker.kind)
    return kind.verify_and_parse(headers, body, kind.settings(name, tracker, now))


@router.post("/webhooks/{tracker}", status_code=202)
async def receive_webhook(tracker: str, request: Request) -> JSONResponse:
    rt: Runtime = request.app.state.runtime
    writer: GroupWriter = request.app.state.group_writer
    with writer.preparing():  # a write is coming: the group being formed may wait for it
        write = await _prepare(rt, tracker, request)
    if isinstance(write, JSONResponse):
        return write
    accepted = await writer.write(write)  # answered once the row is durable
    if not accepted.duplicate:
        rt.wake_process.set()
    outcome = "duplicate" if accepted.duplicate else "accepted"
    metrics.WEBHOOKS.labels(tracker=tracker, outcome=outcome).inc()
    payload: dict[str, Any] = {"status": outcome, "id": accepted.id}
    return JSONResponse(payload, status_code=202)


async def _prepare(rt: Runtime, tracker: str, request: Request
                   ) -> JSONResponse | Callable[[Session], inbound.AcceptResult]:
    """Everything before the write: the 202 ``ignored`` answer, or the write to make."""
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
    if json_may_hold_unstorable(body):  # the events' text all comes from the body
        check_storable(result.model_dump(), "the webhook")
    raw_sha256 = hashlib.sha256(body).hexdigest()
    # one row; the audit entry for the input is written when it is processed (in the same
    # transaction as its result), keeping the accept path to a single insert
    return partial(inbound.accept, source=f"webhook:{tracker}",
                   key=result.delivery_id or "sha256:" + raw_sha256,
                   body=result.model_dump_json().encode(), headers=headers, now=rt.clock(),
                   raw_sha256=raw_sha256)
