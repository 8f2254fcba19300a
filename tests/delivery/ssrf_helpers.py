"""Test doubles for the SSRF guard: a scripted resolver and a transport that records requests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


@dataclass
class FakeResolver:
    """Host → answers; a list of answer lists is served one per call (DNS rebinding)."""

    answers: dict[str, list[str] | list[list[str]]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "not known")
        found = self.answers[host]
        if found and isinstance(found[0], list):
            index = min(sum(1 for c in self.calls if c == host) - 1, len(found) - 1)
            return list(found[index])
        return [str(a) for a in found]


@dataclass
class Recorder:
    """An inner transport that records every request that would have opened a connection."""

    handler: Callable[[httpx.Request], httpx.Response] = lambda request: httpx.Response(200)
    requests: list[httpx.Request] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            seen = httpx.Request(request.method, request.url, headers=request.headers)
            seen.extensions = dict(request.extensions)
            self.requests[-1] = seen
            return self.handler(request)

        return httpx.MockTransport(handle)


@dataclass
class LoopbackServer:
    """A real HTTP server on 127.0.0.1 and a free port, serving scripted answers."""

    respond: Callable[[BaseHTTPRequestHandler, bytes], None]
    hits: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    port: int = 0

    @contextmanager
    def running(self) -> Iterator[LoopbackServer]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.hits.append((self.command, self.path, dict(self.headers.items()), body))
                outer.respond(self, body)

            do_GET = do_POST = _handle  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def reply(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"",
          headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
