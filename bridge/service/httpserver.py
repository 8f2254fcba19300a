"""Running the app with uvicorn, bounded against slow and half-open clients.

uvicorn (0.54) has an idle keep-alive timeout but no timeout for *receiving* a request: a client
that connects and sends nothing — or one header byte now and then — holds its connection for
ever (1,000 such connections were held in a test). ``timed_protocol`` returns uvicorn's h11
protocol with one more timer: from the moment a connection opens (or its previous response
completed) the whole request — head and body — must arrive within
``server.request_timeout_seconds``, else the connection is closed (408 when nothing was
answered yet). ``server.keep_alive_seconds`` is uvicorn's own idle timeout and
``server.max_header_bytes`` h11's limit on the request head (431/400 beyond it).
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from bridge.config.schema import ServerConfig

_TIMEOUT_BODY = b'{"error": "the request took too long to arrive"}'
_TIMEOUT_RESPONSE = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
                     b"connection: close\r\ncontent-length: " + str(len(_TIMEOUT_BODY)).encode()
                     + b"\r\n\r\n" + _TIMEOUT_BODY)


class TimedH11Protocol(H11Protocol):
    """``H11Protocol`` whose every request must be received within ``request_timeout``."""

    request_timeout: float = 30.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._request_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        if self._request_timer is None:
            self._request_timer = self.loop.call_later(self.request_timeout, self._expired)

    def _disarm(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def _follow(self) -> None:
        """Arm while waiting for (the rest of) a request; disarm once it is all in."""
        state = self.conn.their_state
        if state is h11.IDLE or state is h11.SEND_BODY:
            self._arm()
        else:
            self._disarm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _expired(self) -> None:
        self._request_timer = None
        if self.transport.is_closing():
            return
        answered = self.cycle is not None and self.cycle.response_started
        if not answered:
            self.transport.write(_TIMEOUT_RESPONSE)
        if self.cycle is not None:
            self.cycle.keep_alive = False
        self.transport.close()


def timed_protocol(request_timeout: float) -> type[TimedH11Protocol]:
    """A ``TimedH11Protocol`` subclass with this timeout (uvicorn takes a class)."""
    return type("BridgeH11Protocol", (TimedH11Protocol,), {"request_timeout": request_timeout})


def uvicorn_options(server: ServerConfig) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config``."""
    return {
        "http": timed_protocol(server.request_timeout_seconds),
        "timeout_keep_alive": server.keep_alive_seconds,
        "h11_max_incomplete_event_size": server.max_header_bytes,
    }
