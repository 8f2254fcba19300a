"""The FastAPI application: ``create_app(runtime)``.

Routes: ``POST /webhooks/{tracker}``, ``GET /healthz``, ``GET /readyz``, ``GET /metrics``,
the OpenAPI page at ``/docs``, the protocol actor (``/actors/{name}``, its inbox and outbox,
WebFinger), the links API and the admin API.
"""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.routing import NoMatchFound

from bridge import __version__, metrics
from bridge.app.runtime import Runtime
from bridge.service.actor import router as actor_router
from bridge.service.admin_api import router as admin_router
from bridge.service.http import install_error_handlers
from bridge.service.links_api import router as links_router
from bridge.service.readiness import readiness
from bridge.service.webhooks import router as webhooks_router
from bridge.store import inbound, outbox
from bridge.store.groupcommit import GroupWriter

health = APIRouter()


@health.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@health.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers with its schema migrated, this process's loops are
    alive and beating, inputs do not wait too long (``bridge.service.readiness``)."""
    ok, body = await run_in_threadpool(readiness, request.app.state.runtime)
    return JSONResponse(body, status_code=200 if ok else 503)


def _gauges(rt: Runtime) -> None:
    with rt.readers() as session:
        for status, n in inbound.inbound_counts(session).items():
            metrics.QUEUE.labels(queue="inbound", status=status).set(n)
        for status, n in outbox.outbox_counts(session).items():
            metrics.QUEUE.labels(queue="outbox", status=status).set(n)


@health.get("/metrics")
async def prometheus(request: Request) -> Response:
    await run_in_threadpool(_gauges, request.app.state.runtime)
    return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        title="vultron-bridge",
        version=__version__,
        description="Bridge GitHub and GitLab issue trackers to the Vultron CVD protocol.",
    )
    app.state.runtime = runtime
    app.state.group_writer = GroupWriter(runtime.sessions, name="accept-writer")
    install_error_handlers(app)
    app.include_router(health, tags=["health"])
    app.include_router(webhooks_router, tags=["webhooks"])
    for router in (actor_router, links_router, admin_router):
        app.include_router(router)
    _build_routes(app)
    return app


def _build_routes(app: FastAPI) -> None:
    """Have FastAPI build every included route's state now, in the thread that makes the
    app. It otherwise does so on the first request, generating pydantic schemas inside
    ``warnings.catch_warnings()``, which is process-wide and not thread-safe: two apps' first
    requests at once in two threads could turn a warning pydantic silences back on (and,
    where warnings are errors, fail that request). A name no route has makes
    ``url_path_for`` walk them all."""
    with contextlib.suppress(NoMatchFound):
        app.url_path_for("vultron-bridge: every route")
