"""HTTP exchanges with a total deadline and a per-origin concurrency cap.

httpx's timeouts bound each *read*: a peer that sends one byte every few seconds (a "drip")
holds a request for as long as it likes. ``BoundedTransport`` wraps a transport so that one
exchange — connect, request, response head and body — takes at most ``total`` seconds, or
what is left of a deadline set around several exchanges with ``deadline(seconds)`` (a key
fetch that follows redirects and fetches the owner's document too). When time is up the
socket is shut down (a watchdog timer; the blocked read returns at once) and the exchange
raises ``httpx.ReadTimeout`` naming the deadline. Per-phase timeouts are also cut to what is
left, and the deadline is checked between body chunks (for a pooled connection whose socket
was not seen being opened).

``per_origin`` caps the exchanges in flight to one origin: one more fails at once with
``httpx.ConnectError`` ("too many requests in flight"), so a slow peer ties up at most that
many threads, whatever it is sent.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpx

_DEADLINE: ContextVar[float | None] = ContextVar("vultron_bridge_deadline", default=None)


@contextmanager
def deadline(seconds: float, clock: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Every bounded exchange in this block (this thread) shares one deadline."""
    current = _DEADLINE.get()
    end = clock() + seconds
    token = _DEADLINE.set(end if current is None else min(current, end))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


class _Watch:
    """A timer that shuts down the exchange's socket when the deadline passes."""

    def __init__(self, remaining: float) -> None:
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(remaining, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def trace(self, previous: Any) -> Callable[[str, dict[str, Any]], None]:
        def trace(name: str, info: dict[str, Any]) -> None:
            if name.endswith((".connect_tcp.complete", ".start_tls.complete")):
                stream = info.get("return_value")
                sock = stream.get_extra_info("socket") if stream is not None else None
                if isinstance(sock, socket.socket):
                    with self._lock:
                        self._sockets.append(sock)
                    if self.fired:
                        self._fire()
            if previous is not None:
                previous(name, info)
        return trace

    def _fire(self) -> None:
        self.fired = True
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


class _Origins:
    def __init__(self, cap: int | None) -> None:
        self.cap = cap
        self._lock = threading.Lock()
        self._busy: dict[str, int] = {}

    def acquire(self, origin: str) -> bool:
        if self.cap is None:
            return True
        with self._lock:
            if self._busy.get(origin, 0) >= self.cap:
                return False
            self._busy[origin] = self._busy.get(origin, 0) + 1
            return True

    def release(self, origin: str) -> None:
        if self.cap is None:
            return
        with self._lock:
            left = self._busy.get(origin, 1) - 1
            if left > 0:
                self._busy[origin] = left
            else:
                self._busy.pop(origin, None)


class _Body(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, watch: _Watch, end: float,
                 clock: Callable[[], float], done: Callable[[], None],
                 request: httpx.Request, total: float) -> None:
        self._inner, self._watch, self._end, self._clock = inner, watch, end, clock
        self._done, self._request, self._total = done, request, total

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self._inner:
                if self._clock() > self._end:
                    raise _timeout(self._request, self._total)
                yield chunk
        except httpx.TransportError as exc:
            if self._watch.fired:
                raise _timeout(self._request, self._total) from exc
            raise

    def close(self) -> None:
        self._watch.cancel()
        try:
            self._inner.close()
        finally:
            done, self._done = self._done, _nothing
            done()


def _nothing() -> None:
    return None


def _timeout(request: httpx.Request, total: float) -> httpx.ReadTimeout:
    return httpx.ReadTimeout(f"the total deadline of {total:g} s passed", request=request)


def _origin(request: httpx.Request) -> str:
    host = request.headers.get("host") or request.url.host
    return f"{request.url.scheme}://{host}"


class BoundedTransport(httpx.BaseTransport):
    """``inner`` with a total deadline per exchange and a per-origin cap (see the module)."""

    def __init__(self, inner: httpx.BaseTransport, *, total: float,
                 per_origin: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._inner = inner
        self._total = total
        self._clock = clock
        self._origins = _Origins(per_origin)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        now = self._clock()
        shared = _DEADLINE.get()
        end = min(now + self._total, shared) if shared is not None else now + self._total
        remaining = end - now
        if remaining <= 0:
            raise _timeout(request, self._total)
        origin = _origin(request)
        if not self._origins.acquire(origin):
            raise httpx.ConnectError(f"too many requests in flight to {origin}",
                                     request=request)
        watch = _Watch(remaining)
        extensions = dict(request.extensions)
        extensions["trace"] = watch.trace(extensions.get("trace"))
        cut = {k: min(v, remaining) if isinstance(v, int | float) else remaining
               for k, v in dict(extensions.get("timeout") or {}).items()}
        extensions["timeout"] = cut or dict.fromkeys(("connect", "read", "write", "pool"),
                                                     remaining)
        request.extensions = extensions
        try:
            response = self._inner.handle_request(request)
        except httpx.TransportError as exc:
            watch.cancel()
            self._origins.release(origin)
            if watch.fired:
                raise _timeout(request, self._total) from exc
            raise
        except BaseException:
            watch.cancel()
            self._origins.release(origin)
            raise
        stream = response.stream
        assert isinstance(stream, httpx.SyncByteStream)
        response.stream = _Body(stream, watch, end, self._clock,
                                lambda: self._origins.release(origin), request, self._total)
        return response

    def close(self) -> None:
        self._inner.close()
