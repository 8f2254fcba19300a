"""The bridge's protocol actor: its document, WebFinger, its outbox and its inbox.

* ``GET /actors/{name}`` — an ActivityStreams ``Service`` with ``inbox`` (``{id}/inbox/``,
  the trailing slash the reference implementation uses), ``outbox`` and ``publicKey``.
* ``GET /.well-known/webfinger?resource=acct:NAME@HOST`` — the JRD pointing at the actor.
* ``GET /actors/{name}/outbox[?page=N]`` — what the bridge sent, newest first, one entry per
  activity. Activities are addressed to case participants, never to the public, so the list
  depends on who asks: an ``api_tokens`` bearer (coordinator or auditor) sees everything, a
  request signed by a peer sees what was sent to that peer, anyone else an empty collection.
* ``POST /actors/{name}/inbox/`` (and without the slash) — see ``bridge.service.inbox``.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from bridge.app.delivery import actor_key
from bridge.app.runtime import Runtime
from bridge.core.errors import InputError, NotFound
from bridge.core.vocab.base import AS_CONTEXT
from bridge.httpsig import VerifyPolicy, detect_scheme, verify_request
from bridge.httpsig.keys import public_key_document
from bridge.service import auth
from bridge.service.inbox import key_fetcher, public_url, receive
from bridge.store import outbox

router = APIRouter(tags=["actor"])

ACTIVITY_JSON = "application/activity+json"
JRD_JSON = "application/jrd+json"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PAGE_SIZE = 20
_LOCK = threading.Lock()


def _runtime(request: Request, name: str) -> Runtime:
    rt: Runtime = request.app.state.runtime
    if name != rt.config.actor.name:
        raise NotFound("no such actor")
    return rt


def _public_key(request: Request, rt: Runtime) -> dict[str, str]:
    state = request.app.state
    with _LOCK:
        cached: dict[str, str] | None = getattr(state, "actor_public_key", None)
        if cached is None:
            cached = public_key_document(rt.actor_id, actor_key(rt))
            state.actor_public_key = cached
    return cached


def actor_document(rt: Runtime, public_key: dict[str, str]) -> dict[str, Any]:
    actor = rt.config.actor
    return {
        "@context": [AS_CONTEXT, SECURITY_CONTEXT],
        "id": rt.actor_id,
        "type": "Service",
        "name": actor.display_name or actor.name,
        "preferredUsername": actor.name,
        "inbox": f"{rt.actor_id}/inbox/",
        "outbox": f"{rt.actor_id}/outbox",
        "publicKey": public_key,
    }


@router.get("/actors/{name}")
async def get_actor(name: str, request: Request) -> JSONResponse:
    rt = _runtime(request, name)
    key = await run_in_threadpool(_public_key, request, rt)
    return JSONResponse(actor_document(rt, key), media_type=ACTIVITY_JSON)


@router.get("/.well-known/webfinger")
async def webfinger(request: Request, resource: str = Query("", max_length=500)) -> JSONResponse:
    rt: Runtime = request.app.state.runtime
    actor = rt.config.actor
    host = actor.base_url.split("://", 1)[1].split("/", 1)[0]
    subject = f"acct:{actor.name}@{host}"
    if not resource:
        raise InputError("the resource parameter is required (acct:NAME@HOST)")
    if resource.lower() not in (subject.lower(), rt.actor_id.lower()):
        raise NotFound("no such resource")
    jrd = {
        "subject": subject,
        "aliases": [rt.actor_id],
        "links": [{"rel": "self", "type": ACTIVITY_JSON, "href": rt.actor_id}],
    }
    return JSONResponse(jrd, media_type=JRD_JSON)


def _viewer(rt: Runtime, request: Request, url: str) -> tuple[bool, str | None]:
    """(sees everything, recipient to filter by). Blocking: a signer's key may be fetched."""
    headers = list(request.headers.items())
    if request.headers.get("authorization"):
        caller = auth.authenticate(rt.config, request.headers.get("authorization"))
        if caller.role is auth.Role.VENDOR:
            raise auth.Forbidden("a vendor token may not read the whole outbox")
        return True, None
    if detect_scheme(headers) is None:
        return False, None
    fetcher = key_fetcher(request)
    verified = verify_request(
        "GET", url, headers, b"", fetch_key=fetcher, refresh_key=fetcher.refresh,
        now=rt.clock(), policy=VerifyPolicy(date_window=float(rt.config.peers.date_window_seconds)),
    )
    return False, verified.owner


def _page(rt: Runtime, recipient: str | None, page: int) -> tuple[int, list[dict[str, Any]]]:
    with rt.readers() as session:
        return outbox.activities_page(session, recipient, (page - 1) * PAGE_SIZE, PAGE_SIZE)


def _outbox(rt: Runtime, request: Request, page: int | None) -> dict[str, Any]:
    url = public_url(rt, request)
    everything, recipient = _viewer(rt, request, url)
    base = f"{rt.actor_id}/outbox"
    if everything or recipient is not None:
        total, items = _page(rt, recipient, page or 1)
    else:
        total, items = 0, []
    pages = max(1, -(-total // PAGE_SIZE))
    if page is None:
        return {"@context": AS_CONTEXT, "id": base, "type": "OrderedCollection",
                "totalItems": total, "first": f"{base}?page=1", "last": f"{base}?page={pages}"}
    doc: dict[str, Any] = {
        "@context": AS_CONTEXT, "id": f"{base}?page={page}", "type": "OrderedCollectionPage",
        "partOf": base, "totalItems": total, "orderedItems": items,
    }
    if page < pages:
        doc["next"] = f"{base}?page={page + 1}"
    if page > 1:
        doc["prev"] = f"{base}?page={min(page - 1, pages)}"
    return doc


@router.get("/actors/{name}/outbox")
async def get_outbox(name: str, request: Request,
                     page: int | None = Query(None, ge=1, le=1_000_000)) -> JSONResponse:
    rt = _runtime(request, name)
    doc = await run_in_threadpool(_outbox, rt, request, page)
    return JSONResponse(doc, media_type=ACTIVITY_JSON)


@router.post("/actors/{name}/inbox/", status_code=202)
async def post_inbox(name: str, request: Request) -> JSONResponse:
    return await receive(name, request)


@router.post("/actors/{name}/inbox", status_code=202, include_in_schema=False)
async def post_inbox_no_slash(name: str, request: Request) -> JSONResponse:
    return await receive(name, request)
