"""The admin API: the repair commands over HTTP, behind an ``operator`` API token.

* ``GET /admin/inputs?status=&source=&older_than=&limit=`` and ``GET /admin/inputs/{id}``
* ``POST /admin/inputs/{id}/retry`` and ``/drop`` (optional JSON ``{"reason": "..."}``)
* ``GET /admin/deliveries?status=&recipient=&older_than=&limit=``, ``GET /admin/deliveries/{id}``
* ``POST /admin/deliveries/{id}/retry`` and ``/drop``

The same store functions as ``vultron-bridge inputs|deliveries`` (``bridge.store.repair``):
guarded by status, refused for a row a worker is working on (409 then, or when the row is not
in a state the action applies to), audited with the token's fingerprint as ``by``. Bodies are
never returned. Only ``operator`` tokens may call it (403 for the others, 401 without one).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from bridge.app.runtime import Runtime
from bridge.core.errors import InputError
from bridge.service.auth import Forbidden, Principal, Role, principal
from bridge.service.http import read_body
from bridge.store import db, repair

router = APIRouter(prefix="/admin", tags=["admin"])
MAX_REASON_BYTES = 4096


def operator(caller: Annotated[Principal, Depends(principal)]) -> Principal:
    if caller.role is not Role.OPERATOR:
        raise Forbidden(f"a {caller.role.value} token may not use the admin API")
    return caller


Operator = Annotated[Principal, Depends(operator)]
Limit = Annotated[int, Query(ge=1, le=repair.MAX_LIST)]
Age = Annotated[float | None, Query(ge=0, description="seconds")]


def _rt(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


@router.get("/inputs")
async def list_inputs(request: Request, caller: Operator, status: str | None = None,
                      source: str | None = None, older_than: Age = None,
                      limit: Limit = 100) -> JSONResponse:
    rt = _rt(request)

    def read() -> list[dict[str, Any]]:
        with rt.readers() as session:
            return [r.as_json() for r in repair.list_inputs(
                session, now=rt.clock(), status=status, source=source,
                older_than=older_than, limit=limit)]
    return JSONResponse({"inputs": await run_in_threadpool(read)})


@router.get("/inputs/{input_id}")
async def show_input(request: Request, caller: Operator, input_id: int) -> JSONResponse:
    rt = _rt(request)

    def read() -> dict[str, Any]:
        with rt.readers() as session:
            return repair.get_input(session, input_id).as_json()
    return JSONResponse(await run_in_threadpool(read))


@router.get("/deliveries")
async def list_deliveries(request: Request, caller: Operator, status: str | None = None,
                          recipient: str | None = None, older_than: Age = None,
                          limit: Limit = 100) -> JSONResponse:
    rt = _rt(request)

    def read() -> list[dict[str, Any]]:
        with rt.readers() as session:
            return [r.as_json() for r in repair.list_deliveries(
                session, now=rt.clock(), status=status, recipient=recipient,
                older_than=older_than, limit=limit)]
    return JSONResponse({"deliveries": await run_in_threadpool(read)})


@router.get("/deliveries/{outbox_id}")
async def show_delivery(request: Request, caller: Operator, outbox_id: int) -> JSONResponse:
    rt = _rt(request)

    def read() -> dict[str, Any]:
        with rt.readers() as session:
            return repair.get_delivery(session, outbox_id).as_json()
    return JSONResponse(await run_in_threadpool(read))


async def _reason(request: Request) -> str | None:
    body = await read_body(request, MAX_REASON_BYTES)
    if not body.strip():
        return None
    try:
        data = json.loads(body)
    except ValueError:
        raise InputError("the body must be JSON: {\"reason\": \"...\"}") from None
    reason = data.get("reason") if isinstance(data, dict) else None
    if reason is not None and not isinstance(reason, str):
        raise InputError("reason must be a string")
    return reason


_ACTIONS = {
    ("inputs", "retry"): repair.retry_input, ("inputs", "drop"): repair.drop_input,
    ("deliveries", "retry"): repair.retry_delivery, ("deliveries", "drop"): repair.drop_delivery,
}


@router.post("/{table}/{row_id}/{action}")
async def change(request: Request, caller: Operator, table: str, row_id: int,
                 action: str) -> JSONResponse:
    apply = _ACTIONS.get((table, action))
    if apply is None:
        raise InputError("use POST /admin/inputs|deliveries/{id}/retry|drop", status=404)
    reason = await _reason(request)
    rt = _rt(request)

    def write() -> repair.Change:
        with db.transaction(rt.sessions) as session:
            return apply(session, row_id, now=rt.clock(), by=f"api:{caller.fingerprint}",
                         reason=reason, source="api")
    done = await run_in_threadpool(write)
    if done.changed and table == "inputs":
        rt.wake_process.set()
    elif done.changed:
        rt.wake_deliver.set()
    return JSONResponse({"id": done.id, "changed": done.changed, "status": done.status,
                         "reason": done.reason}, status_code=200 if done.changed else 409)
