"""``BoundedTransport``: a total deadline per exchange (or per ``deadline()`` block) and a
per-origin cap, against a real drip-feeding socket server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bridge.delivery.bounded import BoundedTransport, deadline
from tests.support.drip import DripServer
from tests.support.servers import wait_for


@pytest.fixture
def drip() -> Iterator[DripServer]:
    server = DripServer()
    yield server
    server.close()


def _client(total: float, per_origin: int | None = None) -> httpx.Client:
    inner = httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))
    return httpx.Client(transport=BoundedTransport(inner, total=total, per_origin=per_origin),
                        timeout=5)


def test_a_drip_is_cut_off_at_the_total_deadline(drip: DripServer) -> None:
    with _client(0.5) as client, pytest.raises(httpx.ReadTimeout, match="total deadline"):
        client.get(f"http://127.0.0.1:{drip.port}/x").read()
    # each byte comes well inside the 5 s read timeout, so only the total deadline ends it:
    # the client hung up on the drip, which never reached its end
    assert wait_for(lambda: drip.open == 0, timeout=10)
    assert drip.abandoned == 1 and drip.completed == 0


def test_a_shared_deadline_covers_several_exchanges(drip: DripServer) -> None:
    clock = [100.0]
    inner = httpx.MockTransport(lambda request: httpx.Response(200, text="ok"))
    client = httpx.Client(transport=BoundedTransport(inner, total=10, clock=lambda: clock[0]))
    with deadline(1.0, clock=lambda: clock[0]):
        assert client.get("http://peer.example/a").text == "ok"
        clock[0] += 1.5
        with pytest.raises(httpx.ReadTimeout):
            client.get("http://peer.example/b")
    clock[0] += 100
    assert client.get("http://peer.example/c").text == "ok"  # outside the block: its own


def test_the_per_origin_cap_refuses_one_more_at_once(drip: DripServer) -> None:
    client = _client(30, per_origin=1)
    url = f"http://127.0.0.1:{drip.port}/x"
    with client.stream("GET", url) as held:
        assert held.status_code == 200
        with pytest.raises(httpx.ConnectError, match="too many requests in flight"):
            client.get(url)
        other = httpx.MockTransport(lambda request: httpx.Response(204))
        assert httpx.Client(transport=BoundedTransport(other, total=5, per_origin=1)).get(
            "http://elsewhere.example/").status_code == 204
    with client.stream("GET", url) as again:  # released when the first closed
        assert again.status_code == 200
    client.close()
