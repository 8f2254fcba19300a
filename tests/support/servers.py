"""Loopback servers for tests: run an ASGI app with uvicorn in a thread, and a receiver that
behaves like the reference implementation's inbox (``POST …/inbox/`` → 202) and actor
documents (``GET /actors/{name}`` naming ``…/inbox`` without the slash, as the reference's
do)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response


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


@dataclass
class Receiver:
    """An inbox like the reference implementation's: JSON in, 202 out, idempotent by id.

    ``faults`` is consumed front to back: each entry is the status code to answer to one
    request instead of accepting it (``(429, "2")`` adds a Retry-After).
    """

    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    faults: list[tuple[int, str | None]] = field(default_factory=list)
    attempts: int = 0
    posts: dict[str, int] = field(default_factory=dict)
    arrivals: list[float] = field(default_factory=list)
    """``time.perf_counter()`` of every accepted POST."""
    paths: list[str] = field(default_factory=list)
    """The path of every accepted POST (which inbox it went to)."""
    documents: bool = True
    """Serve actor documents (off: ``GET /actors/{name}`` answers 404)."""
    inbox_paths: dict[str, str] = field(default_factory=dict)
    """Actor name → the inbox path its document names (default ``/actors/{name}/inbox``);
    ``/inboxes/{name}`` accepts POSTs like the default inbox."""
    """Accepted POSTs per activity id (an idempotent receiver keeps one; this counts all)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def ids(self) -> list[str]:
        with self.lock:
            return [str(a.get("id")) for a in self.received]

    def app(self) -> FastAPI:
        app = FastAPI()

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
                if activity.get("id") not in {a.get("id") for a in self.received}:
                    self.received.append(activity)
                    self.headers.append(dict(request.headers))
            return Response(status_code=202)

        return app


def wait_for(predicate: Any, timeout: float = 10.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
