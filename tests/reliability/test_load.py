"""Availability and latency, in short: the soak of ``bench/soak_webhooks.py`` (50 webhooks/s
into one SQLite ``serve`` with its workers, the tracker answering in 5 s) for 45 s instead of
10 minutes; and 10,000 activities to 50 receivers through 4 delivery-worker processes on
PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench.soak_webhooks import SoakResult, soak
from bridge.store.db import transaction
from bridge.store.outbox import enqueue, outbox_counts
from tests.reliability.figures import figure
from tests.store.dbutil import database
from tests.support.servers import Receiver

WORKER = r"""
import random, sys, threading, time
import httpx
from bridge.core.retry import RetryPolicy, Verdict
from bridge.delivery.outcome import DeliveryOutcome
from bridge.delivery.sender import encode_activity
from bridge.delivery.worker import default_worker_id, run_forever
from bridge.store.db import make_engine, session_factory

client = httpx.Client(timeout=5)  # kept-alive connections, as a long-running worker has

def send(item):
    try:
        answer = client.post(item.inbox_url, content=encode_activity(item.activity),
                             headers={"Content-Type": "application/activity+json"})
    except httpx.HTTPError as exc:
        return DeliveryOutcome(Verdict.RETRY, error=type(exc).__name__)
    ok = 200 <= answer.status_code < 300
    return DeliveryOutcome(Verdict.DELIVERED if ok else Verdict.RETRY, status=answer.status_code)

engine = make_engine(sys.argv[1])
run_forever(session_factory(engine), send, worker_id=default_worker_id(), now=time.time,
            policy=RetryPolicy(base=0.05, cap=0.2, max_attempts=1000), rnd=random.random,
            sleep=time.sleep, stop=threading.Event(), lease_seconds=30.0, batch=25,
            idle_seconds=0.05)
"""


@pytest.fixture(scope="module")
def soaked(tmp_path_factory: pytest.TempPathFactory) -> SoakResult:
    return soak(rate=50, seconds=45, tracker_delay=5.0,
                workdir=tmp_path_factory.mktemp("soak"))


@pytest.mark.slow
def test_soak_has_no_errors_locks_or_losses(soaked: SoakResult) -> None:
    s = soaked.summary()
    assert soaked.sent >= 2000 and soaked.errors == {}, s
    assert soaked.locked == 0 and soaked.lost == 0, s
    figure("soak 50/s for 45 s (SQLite, tracker 5 s)", f"{s['sent']} webhooks (+5 s warm-up), "
           f"p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, p99 {s['p99_ms']} ms, max "
           f"{s['max_ms']} ms, warm-up max {s['warmup_max_ms']} ms; 0 errors, 0 'database is "
           "locked', 0 lost")


@pytest.mark.slow
@pytest.mark.postgres
def test_10000_activities_50_receivers_4_workers_postgres(tmp_path: Path) -> None:
    messages, destinations, workers = 10_000, 50, 4
    with database("postgres", tmp_path) as db, Receiver() as receiver:
        order: dict[str, list[str]] = {
            f"/actors/r{d}/inbox/": [f"urn:uuid:load-{n}"
                                     for n in range(d, messages, destinations)]
            for d in range(destinations)}

        def fill(part: int) -> None:  # destinations are independent: fill them in parallel
            for d in range(part, destinations, 5):
                inbox = f"{receiver.base}/actors/r{d}/inbox/"
                with transaction(db.factory) as s:
                    for aid in order[f"/actors/r{d}/inbox/"]:
                        enqueue(s, aid, {"id": aid, "type": "Note"},
                                [(inbox.removesuffix("/inbox/"), inbox)], 0.0)

        with ThreadPoolExecutor(5) as pool:
            list(pool.map(fill, range(5)))
        log = tmp_path / "workers.log"
        start = time.monotonic()
        with log.open("ab") as err:
            procs = [subprocess.Popen([sys.executable, "-c", WORKER, db.url],
                                      stdout=subprocess.DEVNULL, stderr=err)
                     for _ in range(workers)]
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                with db.reader() as s:
                    if outbox_counts(s)["delivered"] == messages:
                        break
                time.sleep(0.2)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait()
        took = time.monotonic() - start
        with db.reader() as s:
            counts = outbox_counts(s)
    posts = [seen.activity_id for seen in receiver.requests]
    assert counts == {"pending": 0, "delivered": messages, "dead": 0}, counts
    assert len(posts) == len(set(posts)) == messages  # no message claimed twice
    for path, expected in order.items():
        assert receiver.first_seen(path) == expected, path
    figure("10,000 activities, 50 receivers, 4 workers (PostgreSQL)", f"10000/10000 delivered "
           f"in {took:.0f} s ({messages / took:.0f}/s), 0 double claims (each POSTed once), "
           "order kept for 50/50 destinations")
