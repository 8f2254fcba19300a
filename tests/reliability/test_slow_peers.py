"""Slow peers cost their own requests only.

* A key server that drip-feeds its answer (a byte at a time, each well inside the per-read
  timeout) no longer holds an inbox post past ``delivery.timeout_seconds`` in total: the
  socket is shut when the deadline passes. On the old code the post waited for the drip to end.
* Key fetches run on their own small pool, at most ``peers.fetch_per_origin`` at once per
  origin: forty-five posts whose keys point at a drip-feeding origin leave ``/readyz`` and a
  webhook answering at once. On the old code they took every request thread.
* ``serve``'s HTTP server closes connections that never finish sending a request (408) after
  ``server.request_timeout_seconds``; on the old code they were held for ever.

Nothing here asserts on a stopwatch: each test asserts who hung up on whom (the drip
server counts connections the client abandoned and drips that ran to their end) or what had
not yet happened when an answer came.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from bridge.config.schema import ServerConfig
from bridge.httpsig import SignatureScheme
from bridge.service.httpserver import uvicorn_options
from tests.reliability.appenv import (
    INBOX_PATH,
    AppEnv,
    Peer,
    activity,
    app_env,
    cached_key,
    github_headers,
    labeled_body,
)
from tests.support.drip import DRIP_SECONDS, DripServer
from tests.support.servers import free_port, wait_for

TIMEOUT = 1.0
EXTRA = f"delivery: {{allow_loopback: true, timeout_seconds: {TIMEOUT}}}\n"


@pytest.fixture
def drip() -> Iterator[DripServer]:
    server = DripServer()
    yield server
    server.close()


def _slow_post(env: AppEnv, drip: DripServer, n: int) -> tuple[bytes, dict[str, str]]:
    peer = Peer(f"http://127.0.0.1:{drip.port}/actors/slow-{n}", cached_key("rsa-slow"))
    body = json.dumps(activity(peer.actor, n)).encode()
    return body, peer.sign(body, SignatureScheme.RFC9421, env.clock())


@contextmanager
def served(app: Any, server: ServerConfig | None = None) -> Iterator[str]:
    port = free_port()
    options = uvicorn_options(server or ServerConfig())
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error",
                            lifespan="off", **options)
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    assert wait_for(lambda: instance.started, timeout=20)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        thread.join(timeout=20)


def test_a_drip_fed_key_does_not_hold_the_post_past_the_timeout(tmp_path: Path,
                                                                 drip: DripServer) -> None:
    with app_env(tmp_path, real_fetcher=True, extra=EXTRA) as env:
        body, headers = _slow_post(env, drip, 1)
        answer = env.client.post(INBOX_PATH, body, headers)
    assert answer.status in (401, 503), answer.text
    assert wait_for(lambda: drip.open == 0, timeout=10), "the fetch left its connection open"
    # the bridge hung up on the drip (on the old code the post waited for it to end)
    assert drip.abandoned >= 1 and drip.completed == 0


def test_slow_key_fetches_leave_readyz_and_webhooks_fast(tmp_path: Path,
                                                         drip: DripServer) -> None:
    posts = 45
    # key fetches are held for up to HELD seconds, far longer than any answer here takes:
    # /readyz and the webhook must be answered while every slow fetch is still held
    # (on the old code they needed a request thread, which only an ended fetch gives back)
    held = f"delivery: {{allow_loopback: true, timeout_seconds: {DRIP_SECONDS - 5}}}\n"
    with app_env(tmp_path, real_fetcher=True, extra=held) as env, served(env.app) as base, \
            ThreadPoolExecutor(max_workers=posts) as pool:
        signed = [_slow_post(env, drip, n) for n in range(posts)]
        futures = [pool.submit(httpx.post, base + INBOX_PATH, content=b, headers=h,
                               timeout=DRIP_SECONDS + 30) for b, h in signed]
        assert wait_for(lambda: drip.open >= 1, timeout=20)
        ready = httpx.get(base + "/readyz", timeout=DRIP_SECONDS + 30)
        hook = labeled_body(1)
        webhook = httpx.post(base + "/webhooks/github", content=hook,
                             headers=github_headers(hook), timeout=DRIP_SECONDS + 30)
        ended_then, in_flight_then = drip.ended, drip.open
        drip.close()  # the held fetches end now, so the posts are answered
        statuses = [f.result().status_code for f in futures]
    assert ready.status_code == 200 and webhook.status_code == 202, (ready.text, webhook.text)
    assert ended_then == 0, "/readyz or the webhook waited for a slow key fetch to end"
    assert 1 <= in_flight_then <= 2  # peers.fetch_per_origin (2)
    assert set(statuses) <= {401, 503}, statuses
    assert statuses.count(503) >= posts - 10  # refused at once: the origin's slots were taken


def _held(base: str, count: int, first: bytes) -> list[socket.socket]:
    port = int(base.rsplit(":", 1)[1])
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        if first:
            s.sendall(first)
        sockets.append(s)
    return sockets


def _closed(s: socket.socket) -> bool:
    s.settimeout(0.05)
    try:
        data = s.recv(4096)
    except TimeoutError:
        return False
    except OSError:
        return True
    return data == b"" or data.startswith(b"HTTP/1.1 408")


@pytest.mark.parametrize("first", [b"", b"POST /webhooks/github HTTP/1.1\r\nHost: x\r\n"],
                         ids=["nothing sent", "half a head"])
def test_connections_that_never_finish_a_request_are_closed(tmp_path: Path,
                                                            first: bytes) -> None:
    with app_env(tmp_path) as env, served(env.app, ServerConfig(
            request_timeout_seconds=1.0)) as base:
        sockets = _held(base, 200, first)
        try:
            assert wait_for(lambda: all(_closed(s) for s in sockets), timeout=60)
            assert httpx.get(base + "/healthz", timeout=10).status_code == 200
        finally:
            for s in sockets:
                s.close()


def test_a_slow_body_gets_408_and_a_normal_request_still_works(tmp_path: Path) -> None:
    with app_env(tmp_path) as env, served(env.app, ServerConfig(
            request_timeout_seconds=1.0)) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"POST /webhooks/github HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
            s.settimeout(30)
            answer = s.recv(4096)
        keep = httpx.Client(base_url=base, timeout=10)
        assert keep.get("/healthz").status_code == 200
        assert keep.get("/healthz").status_code == 200  # the same connection, a new request
        keep.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
