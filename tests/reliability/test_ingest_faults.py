"""Invariant 2: a 2xx to a tracker or a peer means the input is durably stored.

* ``kill -9`` of a real ``vultron-bridge serve`` process while webhooks stream in: every
  delivery that was answered 202 is in the inbound table after a restart;
* PostgreSQL connections terminated under the app during ingestion (``pg_terminate_backend``,
  the way a server restart looks to a client) and a database that is not there at all: the
  app answers 503 with ``Retry-After``, never a 2xx for an event it did not store.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select, text

from bridge.store import db as store_db
from bridge.store.models import Inbound
from tests.reliability.appenv import (
    BASE,
    BEARER,
    CONFIG,
    GH_SECRETS,
    GL_KEY,
    GL_OLD_TOKEN,
    GL_TOKEN,
    INBOX_PATH,
    KAT_SECRET,
    activity,
    actor_key_file,
    app_env,
    github_headers,
    labeled_body,
)
from tests.reliability.asgi import AsgiClient
from tests.reliability.figures import figure
from tests.store.dbutil import PG_URL, postgres_schema
from tests.support.servers import free_port


def _config_file(tmp: Path, db_url: str) -> Path:
    path = tmp / "bridge.yaml"
    path.write_text(CONFIG.format(
        base=BASE, key=actor_key_file(tmp), db=db_url, gh0=GH_SECRETS[0], gh1=GH_SECRETS[1],
        gl=GL_TOKEN, glold=GL_OLD_TOKEN, kat=KAT_SECRET, glkey=GL_KEY, bearer=BEARER,
        limit=1_048_576), encoding="utf-8")
    return path


@contextmanager
def _serve(config: Path, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bridge.cli.main", "serve", "--config", str(config),
             "--port", str(port), "--no-worker"], stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise AssertionError("serve did not start: " + log.read_text()[-2000:])
        yield proc
    finally:
        proc.kill()
        proc.wait()


def _stored_keys(db_url: str) -> set[str]:
    engine = store_db.make_engine(db_url)
    try:
        with engine.connect() as conn:
            return {str(k) for k in conn.execute(select(Inbound.key)).scalars()}
    finally:
        engine.dispose()


def _kill_during_stream(tmp_path: Path, *, kills: int, immediate: bool) -> None:
    db_url = f"sqlite:///{tmp_path / 'bridge.db'}"
    config = _config_file(tmp_path, db_url)
    port = free_port()
    log = tmp_path / "serve.log"
    acknowledged: list[str] = []
    refused = 0
    rnd = random.Random()
    n = 0
    for _ in range(kills):
        with _serve(config, port, log) as proc, httpx.Client(timeout=5) as client:
            stop_at = time.monotonic() + (10 if immediate else rnd.uniform(0.3, 1.5))
            while time.monotonic() < stop_at:
                n += 1
                delivery = f"crash-{n}"
                body = labeled_body(n)
                try:
                    answer = client.post(f"http://127.0.0.1:{port}/webhooks/github",
                                         content=body, headers=github_headers(body,
                                                                              delivery=delivery))
                except httpx.TransportError:
                    refused += 1
                    continue
                if answer.status_code == 202:
                    acknowledged.append(delivery)
                    if immediate:
                        break  # kill -9 right after the 2xx
            proc.kill()  # SIGKILL: no shutdown, no flush
            proc.wait()
    stored = _stored_keys(db_url)
    lost = [d for d in acknowledged if d not in stored]
    assert acknowledged and lost == [], lost[:10]
    figure(f"kill -9 after 2xx ({'right after a 202' if immediate else 'random moments'})",
           f"{kills} kills, {len(acknowledged)} webhooks acknowledged, 0 lost "
           f"({len(stored)} stored)")


def test_serve_killed_at_random_moments_loses_no_acknowledged_webhook(tmp_path: Path) -> None:
    _kill_during_stream(tmp_path, kills=2, immediate=False)


@pytest.mark.slow
def test_serve_killed_right_after_each_2xx_loses_nothing(tmp_path: Path) -> None:
    _kill_during_stream(tmp_path, kills=15, immediate=True)


def _terminator(app_name: str, stop: threading.Event, counter: list[int]) -> None:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            while not stop.is_set():
                killed = conn.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :n"), {"n": app_name}).scalar_one()
                counter[0] += int(killed)
                stop.wait(0.02)
    finally:
        admin.dispose()


@pytest.mark.postgres
def test_postgres_connections_killed_during_ingestion_never_ack_unstored(
        tmp_path: Path) -> None:
    app_name = f"vb_rel_{random.randrange(1 << 30):x}"
    with postgres_schema() as url:
        app_url = f"{url}&application_name={app_name}"
        with app_env(tmp_path, db_url=app_url) as env:
            stop = threading.Event()
            terminated = [0]
            killer = threading.Thread(target=_terminator, args=(app_name, stop, terminated))
            outcomes: dict[str, int] = {}
            lock = threading.Lock()

            def send(client: AsgiClient, n: int) -> None:
                if n % 2:
                    body = labeled_body(n)
                    key = f"pg-{n}"
                    answer = client.post("/webhooks/github", body,
                                             github_headers(body, delivery=key))
                else:
                    doc = activity("https://trusted.example/actors/t", n)
                    key = str(doc["id"])
                    answer = client.post(INBOX_PATH, json.dumps(doc).encode(), {
                        "Content-Type": "application/activity+json",
                        "Authorization": f"Bearer {BEARER}"})
                assert answer.status in (202, 503), (answer.status, answer.text)
                if answer.status == 503:
                    assert answer.headers.get("retry-after")
                with lock:
                    outcomes[key] = answer.status

            killer.start()
            try:
                def worker(part: int) -> None:
                    with AsgiClient(env.app) as client:
                        for n in range(part, 600, 4):
                            send(client, n)

                with ThreadPoolExecutor(4) as pool:
                    list(pool.map(worker, range(4)))
            finally:
                stop.set()
                killer.join()
            stored = _stored_keys(url)
    acked = [k for k, s in outcomes.items() if s == 202]
    unavailable = sum(1 for s in outcomes.values() if s == 503)
    lost = [k for k in acked if k not in stored]
    assert lost == [], lost[:10]
    assert terminated[0] > 0, "no connection was terminated: the test proved nothing"
    figure("PostgreSQL connections killed during ingestion",
           f"{len(outcomes)} requests, {terminated[0]} backends terminated -> "
           f"{len(acked)} x 202 (all stored), {unavailable} x 503 with Retry-After, 0 other")


def test_database_not_there_is_503_never_2xx(tmp_path: Path) -> None:
    closed = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test?connect_timeout=2"
    from bridge.app.runtime import Runtime
    from bridge.service.app import create_app
    from tests.reliability.appenv import make_config

    config = make_config(tmp_path, db_url=closed)
    rt = Runtime.from_config(config, migrate=False)
    statuses = []
    with AsgiClient(create_app(rt)) as client:
        for n in range(1, 21):
            body = labeled_body(n)
            answer = client.post("/webhooks/github", body, github_headers(body))
            statuses.append(answer.status)
            assert answer.status == 503 and answer.headers.get("retry-after"), answer.text
            assert "postgres" not in answer.text.lower()
        ready = client.get("/readyz")
    rt.engine.dispose()
    assert ready.status == 503
    figure("database unreachable", f"{len(statuses)} webhooks -> 503 with Retry-After "
           f"{len(statuses)}/{len(statuses)}, /readyz 503")
