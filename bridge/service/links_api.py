"""The coordinator API: links and the case view, behind API tokens (``bridge.service.auth``).

* ``POST /links`` ``{"subject", "refs": [...], "relation": "tracks", "linked_by"?}``
* ``DELETE /links`` ``{"subject", "ref", "relation"?}`` (JSON body or query parameters)
* ``GET /links?subject=…`` or ``?ref=…`` (``&depth=N``, 1–10)
* ``GET /cases/{case id}``: the case view, rendered from the store

Coordinators write; auditors and vendors read (vendors only their cases). Errors name the
problem, never echo the body. Importing this module registers the CVD metrics collector.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bridge.app.runtime import Runtime
from bridge.coord import caseview, graph, linking, prom
from bridge.core.errors import InputError
from bridge.service.auth import Forbidden, Principal, principal
from bridge.service.http import read_body, require_json_media_type
from bridge.store import db

COLLECTOR = prom.register()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    rt = getattr(app.state, "runtime", None)
    if rt is not None:
        COLLECTOR.attach(rt)
    yield


router = APIRouter(tags=["links"], lifespan=_lifespan)
Caller = Annotated[Principal, Depends(principal)]


class LinkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str
    refs: list[str] = Field(min_length=1, max_length=linking.MAX_REFS)
    relation: Literal["tracks", "mirrors", "fixes"] = "tracks"
    linked_by: str | None = None


class UnlinkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str
    ref: str
    relation: Literal["tracks", "mirrors", "fixes"] | None = None


def _runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    COLLECTOR.attach(rt)
    return rt


def _syntax(rt: Runtime) -> linking.RefSyntax:
    return linking.RefSyntax(rt.config.tracker_kinds(), rt.config.web_hosts())


async def _json(request: Request, rt: Runtime, model: type[BaseModel]) -> Any:
    require_json_media_type(request)
    body = await read_body(request, rt.config.limits.max_body_bytes)
    try:
        return model.model_validate(json.loads(body))
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, ValidationError):
            fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()})
            raise InputError("invalid request: " + ", ".join(fields[:10]), status=422) from None
        raise InputError("the body is not JSON") from None


@router.post("/links")
async def post_links(request: Request, caller: Caller) -> JSONResponse:
    rt = _runtime(request)
    caller.require_write()
    body: LinkBody = await _json(request, rt, LinkBody)
    refs = linking.parse_refs(_syntax(rt), body.refs)
    by = body.linked_by or f"api:{caller.fingerprint}"

    def write() -> list[linking.LinkResult]:
        with db.transaction(rt.sessions) as session:
            return linking.link(session, body.subject, refs, body.relation, by, rt.clock(),
                                via=f"api:{caller.fingerprint}")

    results = await run_in_threadpool(write)
    created = sum(1 for r in results if r.changed)
    return JSONResponse({
        "subject": body.subject, "relation": body.relation, "created": created,
        "links": [{"ref": r.ref, "created": r.changed} for r in results],
    }, status_code=201 if created else 200)


@router.delete("/links")
async def delete_links(
    request: Request, caller: Caller, subject: str | None = None, ref: str | None = None,
    relation: Literal["tracks", "mirrors", "fixes"] | None = None,
) -> dict[str, Any]:
    rt = _runtime(request)
    caller.require_write()
    if subject is None and ref is None:
        body: UnlinkBody = await _json(request, rt, UnlinkBody)
    elif subject is None or ref is None:
        raise InputError("name both subject and ref")
    else:
        body = UnlinkBody(subject=subject, ref=ref, relation=relation)
    parsed = _syntax(rt).parse(body.ref)

    def write() -> list[linking.LinkResult]:
        with db.transaction(rt.sessions) as session:
            return linking.unlink(session, body.subject, parsed, body.relation,
                                  f"api:{caller.fingerprint}", rt.clock(),
                                  via=f"api:{caller.fingerprint}")

    results = await run_in_threadpool(write)
    return {"subject": body.subject, "ref": str(parsed), "removed": len(results),
            "relations": [r.relation.value for r in results]}


@router.get("/links")
async def get_links(
    request: Request, caller: Caller, subject: str | None = None, ref: str | None = None,
    depth: Annotated[int, Query(ge=1, le=graph.MAX_DEPTH)] = 1,
) -> dict[str, Any]:
    rt = _runtime(request)
    if (subject is None) == (ref is None):
        raise InputError("name exactly one of subject or ref")
    if subject is not None:
        kind: graph.NodeKind = "subject"
        start = linking.check_subject(subject)
    else:
        kind, start = "ref", str(_syntax(rt).parse(ref or ""))

    def read() -> dict[str, Any]:
        with rt.readers() as session:
            if kind == "subject" and not caller.may_see(session, start):
                raise Forbidden("this token may only see its own cases")
            visible = None if caller.sees_all() else (lambda s: caller.may_see(session, s))
            return graph.walk(session, kind, start, depth, visible=visible).as_json()

    return await run_in_threadpool(read)


@router.get("/cases/{case_id:path}")
async def get_case(request: Request, caller: Caller, case_id: str) -> dict[str, Any]:
    rt = _runtime(request)
    linking.check_subject(case_id)

    def read() -> dict[str, Any]:
        with rt.readers() as session:
            if not caller.may_see(session, case_id):
                raise Forbidden("this token may only see its own cases")
            view = caseview.build(session, case_id, rt.config.rules.aggregate_policy)
            return view.as_json()

    return await run_in_threadpool(read)
