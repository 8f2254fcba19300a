"""Loopback servers for tests: run an ASGI app with uvicorn in a thread, and the one loopback
receiver of the suite. By default it behaves like the reference implementation's inbox
(``POST …/inbox/`` → 202) and actor documents (``GET /actors/{name}`` naming ``…/inbox``
without the slash, as the reference's do); ``answers`` script other paths (a webhook sink, an
alarm hook, a status-code table), ``delay`` holds answers back, and every request is recorded
(``requests``) in arrival order. ``with Receiver() as r`` serves it on 127.0.0.1 and a free
port (``r.base``) until the block ends; ``running_app(r.app())`` serves it too."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import anyio
import uvicorn
from fastapi import FastAPI, Request, Response
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_app(app: Any, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 in a thread; yields the base URL; stops on exit."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass(frozen=True)
class Answer:
    """What the receiver answers on a path instead of its default (inbox) behaviour."""

    status: int = 202
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float | None = None
    """Seconds to hold the answer back; ``None``: the receiver's ``delay``."""


@dataclass(frozen=True)
class Seen:
    """One request as it arrived: method, path (no query), headers, raw body, arrival time."""

    method: str
    path: str
    headers: Headers
    """Case-insensitive (``headers["Host"]`` and ``headers["host"]`` are the same)."""
    body: bytes
    at: float
    """``time.monotonic()`` when the whole request had arrived."""

    def json(self) -> Any:
        return json.loads(self.body)

    @cached_property
    def activity_id(self) -> str | None:
        """The ``id`` of a JSON object body (an activity), else ``None``."""
        try:
            doc = json.loads(self.body)
        except ValueError:
            return None
        return str(doc["id"]) if isinstance(doc, dict) and "id" in doc else None


Answers = Answer | Callable[[Seen], Answer]
"""An answer, or a function of the request giving one (run in a worker thread: it may block)."""


@dataclass
class Receiver:
    """An inbox like the reference implementation's: JSON in, 202 out, idempotent by id.

    ``faults`` is consumed front to back: each entry is the status code to answer to one
    request instead of accepting it (``(429, "2")`` adds a Retry-After).

    ``answers`` maps a path to what is answered there instead (a key ending in ``/`` answers
    every path under it; the longest key wins). ``delay`` holds every answer back that long
    (an ``Answer``'s own ``delay`` replaces it); leaving the ``with`` block releases held
    answers at once. ``requests`` is every request in arrival order, answered or not;
    ``wait_until`` waits for a condition on what was recorded, woken by each request.
    """

    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    faults: list[tuple[int, str | None]] = field(default_factory=list)
    attempts: int = 0
    posts: dict[str, int] = field(default_factory=dict)
    """Accepted POSTs per activity id (an idempotent receiver keeps one; this counts all)."""
    arrivals: list[float] = field(default_factory=list)
    """``time.perf_counter()`` of every accepted POST."""
    paths: list[str] = field(default_factory=list)
    """The path of every accepted POST (which inbox it went to)."""
    documents: bool = True
    """Serve actor documents (off: ``GET /actors/{name}`` answers 404)."""
    inbox_paths: dict[str, str] = field(default_factory=dict)
    """Actor name → the inbox path its document names (default ``/actors/{name}/inbox``);
    ``/inboxes/{name}`` accepts POSTs like the default inbox."""
    answers: dict[str, Answers] = field(default_factory=dict)
    delay: float = 0.0
    requests: list[Seen] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    base: str = ""
    """``http://127.0.0.1:{port}`` while served by ``with``."""
    changed: threading.Condition = field(init=False)
    _released: threading.Event = field(default_factory=threading.Event)
    _serving: ExitStack | None = None

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)

    @property
    def ids(self) -> list[str]:
        with self.lock:
            return [str(a.get("id")) for a in self.received]

    @property
    def stored(self) -> dict[str, dict[str, Any]]:
        """The activities kept (once each), by id."""
        with self.lock:
            return {str(a.get("id")): a for a in self.received}

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    def first_seen(self, path: str) -> list[str]:
        """Activity ids POSTed to ``path``, each at its first arrival, in arrival order."""
        with self.lock:
            ids = [r.activity_id for r in self.requests if r.method == "POST" and r.path == path]
        return [aid for aid in dict.fromkeys(ids) if aid is not None]

    def wait_until(self, predicate: Callable[[], object], timeout: float = 10.0) -> bool:
        """Wait until ``predicate()`` is true (checked at each request); its last value."""
        with self.changed:
            return bool(self.changed.wait_for(predicate, timeout))

    def __enter__(self) -> Receiver:
        stack = ExitStack()
        self.base = stack.enter_context(running_app(self.app()))
        self._serving = stack
        return self

    def __exit__(self, *exc: object) -> None:
        self._released.set()
        if self._serving is not None:
            self._serving.close()

    def _answer_for(self, path: str) -> Answers | None:
        keys = [k for k in self.answers if k == path or (k.endswith("/") and path.startswith(k))]
        return self.answers[max(keys, key=len)] if keys else None

    def _hold(self, seconds: float) -> None:
        self._released.wait(seconds)

    def _recording(self, inner: ASGIApp) -> ASGIApp:
        """Record each request, then answer it from ``answers`` or pass it to ``inner``."""

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                return await inner(scope, receive, send)
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            seen = Seen(scope["method"], scope["path"], Headers(scope=scope), body,
                        time.monotonic())
            with self.changed:
                self.requests.append(seen)
                self.changed.notify_all()
            try:
                await self._answer(seen, inner, scope, receive, send)
            finally:  # what answering changed (an inbox's ``received``, a caller's list)
                with self.changed:
                    self.changed.notify_all()

        return app

    async def _answer(self, seen: Seen, inner: ASGIApp, scope: Scope, receive: Receive,
                      send: Send) -> None:
        scripted = self._answer_for(seen.path)
        if callable(scripted):
            scripted = await anyio.to_thread.run_sync(scripted, seen)
        delay = self.delay if scripted is None or scripted.delay is None else scripted.delay
        if delay:
            await anyio.to_thread.run_sync(self._hold, delay)
        if scripted is not None:
            await Response(scripted.body, scripted.status,
                           dict(scripted.headers))(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": seen.body, "more_body": False}

        await inner(scope, replay, send)

    def app(self) -> FastAPI:
        app = FastAPI()
        app.add_middleware(_Recorded, receiver=self)

        @app.get("/actors/{name}")
        async def actor(name: str, request: Request) -> Response:
            if not self.documents:
                return Response(status_code=404)
            base = str(request.base_url).rstrip("/")
            me = f"{base}/actors/{name}"
            path = self.inbox_paths.get(name, f"/actors/{name}/inbox")
            document = {"@context": "https://www.w3.org/ns/activitystreams", "id": me,
                        "type": "Person", "inbox": {"id": base + path,
                                                    "type": "OrderedCollection"}}
            return Response(json.dumps(document), media_type="application/activity+json")

        @app.post("/inboxes/{name}")
        @app.post("/actors/{name}/inbox/")
        async def inbox(name: str, request: Request) -> Response:
            body = await request.body()
            with self.lock:
                self.attempts += 1
                if self.faults:
                    status, retry_after = self.faults.pop(0)
                    extra = {"Retry-After": retry_after} if retry_after else None
                    return Response(status_code=status, headers=extra)
                activity = json.loads(body)
                if "type" not in activity:
                    return Response(status_code=400)
                self.arrivals.append(time.perf_counter())
                self.paths.append(request.url.path)
                key = str(activity.get("id"))
                self.posts[key] = self.posts.get(key, 0) + 1
                if self.posts[key] == 1:  # its first accepted POST: kept
                    self.received.append(activity)
                    self.headers.append(dict(request.headers))
            return Response(status_code=202)

        return app


class _Recorded:
    """``Receiver._recording`` as a Starlette middleware class (``app.add_middleware``)."""

    def __init__(self, app: ASGIApp, receiver: Receiver) -> None:
        self._app = receiver._recording(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def wait_for(predicate: Any, timeout: float = 10.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
