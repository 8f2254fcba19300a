"""HTTP plumbing shared by every route: capped body reading, media types, error mapping.

Nothing here echoes a request body: error responses carry a short reason naming the problem
(a header, a limit, a field), because bodies may hold embargoed vulnerability details.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bridge.core.errors import AuthenticationError, BridgeError, InputError, NotFound

log = logging.getLogger("bridge.service")

ACTIVITY_MEDIA_TYPES = ("application/activity+json", "application/ld+json", "application/json")
AS_PROFILE = "https://www.w3.org/ns/activitystreams"


class PayloadTooLarge(InputError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body larger than the limit of {limit} bytes", status=413)


def media_type(request: Request) -> tuple[str, dict[str, str]]:
    """The request's media type (lower-cased) and its parameters."""
    raw = request.headers.get("content-type", "")
    kind, *params = raw.split(";")
    parsed: dict[str, str] = {}
    for param in params:
        key, _, value = param.partition("=")
        parsed[key.strip().lower()] = value.strip().strip('"')
    return kind.strip().lower(), parsed


def require_activity_media_type(request: Request) -> None:
    """Accept the three media types the protocol uses; 415 naming them otherwise."""
    kind, params = media_type(request)
    if kind == "application/ld+json":
        profile = params.get("profile", "")
        if AS_PROFILE not in profile.split():
            raise InputError(
                f'application/ld+json needs profile="{AS_PROFILE}"', status=415
            )
        return
    if kind not in ACTIVITY_MEDIA_TYPES:
        raise InputError(
            "unsupported content type; send application/activity+json, "
            f'application/ld+json; profile="{AS_PROFILE}" or application/json',
            status=415,
        )


def require_json_media_type(request: Request) -> None:
    kind, _ = media_type(request)
    if kind != "application/json" and not kind.endswith("+json"):
        raise InputError("unsupported content type; send application/json", status=415)


async def read_body(request: Request, limit: int) -> bytes:
    """Read the body, stopping as soon as it exceeds ``limit`` bytes (413).

    A declared Content-Length over the limit is refused before reading; a lying
    Content-Length cannot make us read more than ``limit + one chunk``. Compressed bodies are
    refused (415): decompressing would let a small request expand past the limit.
    """
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise InputError("compressed request bodies are not accepted", status=415)
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise InputError("Content-Length is not a number")
        if int(declared) > limit:
            raise PayloadTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, reason: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map the error tree to status codes; never a traceback, never the input echoed."""

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        return _error(exc.status, exc.reason)

    @app.exception_handler(AuthenticationError)
    async def _auth(_: Request, exc: AuthenticationError) -> JSONResponse:
        return _error(401, exc.reason)

    @app.exception_handler(NotFound)
    async def _missing(_: Request, exc: NotFound) -> JSONResponse:
        return _error(404, exc.reason)

    @app.exception_handler(BridgeError)
    async def _bridge(_: Request, exc: BridgeError) -> JSONResponse:
        log.error("request failed: %s (%s)", exc.kind, type(exc).__name__)
        return _error(503, "temporarily unavailable, retry later", {"Retry-After": "30"})

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default handler echoes the input; name the fields only.
        fields = sorted({".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()})
        return _error(422, "invalid request: " + ", ".join(fields[:10]))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error: %s", type(exc).__name__)
        return _error(500, "internal error")
