"""Test doubles for the SSRF guard: a scripted resolver and a transport that records requests."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field

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
