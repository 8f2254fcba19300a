"""A minimal in-process ASGI driver: thousands of requests per second through the real app,
with control over the body chunks, the headers (a lying Content-Length) and a count of how
many body bytes the app actually pulled.

Unlike ``TestClient`` it never raises a server exception: an exception that escaped the app's
handlers is recorded on the answer (``escaped``) so a fuzz run can count them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

Headers = Sequence[tuple[str, str]] | dict[str, str]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    consumed: int
    """Request body bytes the app pulled through ``receive``."""
    escaped: BaseException | None = None
    """An exception that escaped every handler (a bug)."""

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: Headers = field(default_factory=dict)
    chunk: int = 65_536
    content_length: bool = True
    """Add a truthful Content-Length unless the headers carry one."""


class AsgiClient:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()

    def close(self) -> None:
        self.loop.close()

    def __enter__(self) -> AsgiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, body: bytes = b"",
                headers: Headers | None = None, **options: Any) -> Answer:
        return self.many([Request(method, path, body, headers or {}, **options)])[0]

    def post(self, path: str, body: bytes = b"", headers: Headers | None = None,
             **options: Any) -> Answer:
        return self.request("POST", path, body, headers, **options)

    def get(self, path: str, headers: Headers | None = None) -> Answer:
        return self.request("GET", path, b"", headers)

    def many(self, requests: Sequence[Request], concurrency: int = 1) -> list[Answer]:
        """Run the requests (``concurrency`` at a time) in one event-loop run."""
        async def run() -> list[Answer]:
            gate = asyncio.Semaphore(concurrency)

            async def one(r: Request) -> Answer:
                async with gate:
                    return await self._call(r)

            return list(await asyncio.gather(*(one(r) for r in requests)))

        return self.loop.run_until_complete(run())

    async def _call(self, r: Request) -> Answer:
        items = list(r.headers.items()) if isinstance(r.headers, dict) else list(r.headers)
        names = {k.lower() for k, _ in items}
        if r.content_length and "content-length" not in names and r.method != "GET":
            items.append(("content-length", str(len(r.body))))
        path, _, query = r.path.partition("?")
        scope = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1", "method": r.method, "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": query.encode(),
            "root_path": "", "headers": [(k.lower().encode("latin-1"), v.encode("latin-1"))
                                         for k, v in items],
            "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
            "state": {},
        }
        chunks = [r.body[i:i + r.chunk] for i in range(0, len(r.body), r.chunk)] or [b""]
        sent: dict[str, Any] = {"status": 0, "headers": {}, "body": []}
        consumed = 0
        index = 0

        async def receive() -> dict[str, Any]:
            nonlocal consumed, index
            if index < len(chunks):
                chunk = chunks[index]
                index += 1
                consumed += len(chunk)
                return {"type": "http.request", "body": chunk, "more_body": index < len(chunks)}
            await asyncio.sleep(3600)  # the client never disconnects
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
                sent["headers"] = {k.decode("latin-1").lower(): v.decode("latin-1")
                                   for k, v in message.get("headers", [])}
            elif message["type"] == "http.response.body":
                sent["body"].append(message.get("body", b""))

        escaped: BaseException | None = None
        try:
            await self.app(scope, receive, send)
        except Exception as exc:  # noqa: BLE001 - recorded: the fuzz run counts escapes
            escaped = exc
            sent["status"] = sent["status"] or 500
        return Answer(sent["status"], sent["headers"], b"".join(sent["body"]), consumed, escaped)
