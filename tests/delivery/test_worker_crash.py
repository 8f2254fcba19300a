"""``kill -9`` a delivering worker at random moments, restart it, and lose nothing.

A real worker process delivers over HTTP to a loopback receiver that, like a Vultron inbox,
is idempotent by activity id. The worker is killed with SIGKILL several times at random
points (while claiming, sending or recording) and restarted. Afterwards every message has
been received at least once, stored by the receiver exactly once, recorded as delivered,
and each destination saw its messages first in the order they were enqueued.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.store.db import transaction
from bridge.store.outbox import enqueue, outbox_counts
from tests.store.dbutil import BOTH, Database, database
from tests.support.servers import Receiver

CHILD = r"""
import json, random, sys, threading, time, urllib.error, urllib.request
from bridge.core.retry import RetryPolicy, Verdict
from bridge.delivery.outcome import DeliveryOutcome
from bridge.delivery.worker import default_worker_id, run_forever
from bridge.store.db import make_engine, session_factory

def send(item):
    body = json.dumps(item.activity).encode()
    req = urllib.request.Request(item.inbox_url, data=body, method="POST",
                                 headers={"Content-Type": "application/activity+json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return DeliveryOutcome(Verdict.DELIVERED, status=resp.status)
    except urllib.error.HTTPError as exc:
        return DeliveryOutcome(Verdict.RETRY, status=exc.code, error=f"HTTP {exc.code}")
    except OSError as exc:
        return DeliveryOutcome(Verdict.RETRY, error=type(exc).__name__)

engine = make_engine(sys.argv[1])
run_forever(session_factory(engine), send, worker_id=default_worker_id(), now=time.time,
            policy=RetryPolicy(base=0.05, cap=0.2, max_attempts=1000), rnd=random.random,
            sleep=time.sleep, stop=threading.Event(), lease_seconds=1.0, batch=4,
            idle_seconds=0.05)
"""


@pytest.fixture(params=BOTH)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database(request.param, tmp_path) as d:
        yield d


def _start(db: Database, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen([sys.executable, "-c", CHILD, db.url],
                                stdout=subprocess.DEVNULL, stderr=err)


def _crash_and_recover(db: Database, tmp_path: Path, *, messages: int, kills: int,
                       seed: int) -> None:
    rnd = random.Random(seed)
    destinations = 4
    log = tmp_path / "worker.log"
    # an inbox idempotent by id; each answer held 5 ms to widen the window between "sent"
    # and "recorded"
    with Receiver(delay=0.005) as receiver:
        inboxes = [f"{receiver.base}/actors/{d}/inbox/" for d in range(destinations)]
        order: dict[str, list[str]] = {f"/actors/{d}/inbox/": [] for d in range(destinations)}
        with transaction(db.factory) as s:
            for n in range(messages):
                d = n % destinations
                aid = f"urn:uuid:activity-{n}"
                enqueue(s, aid, {"id": aid, "type": "Note", "n": n},
                        [(inboxes[d].removesuffix("/inbox/"), inboxes[d])], 0.0)
                order[f"/actors/{d}/inbox/"].append(aid)
        killed_with_work_left = 0
        for _ in range(kills):
            proc = _start(db, log)
            try:
                time.sleep(rnd.uniform(0.3, 1.2))
            finally:
                proc.kill()  # SIGKILL: no cleanup, leases left behind
                proc.wait()
            with db.reader() as s:
                killed_with_work_left += outbox_counts(s)["pending"] > 0
        proc = _start(db, log)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with db.reader() as s:
                    if outbox_counts(s)["delivered"] == messages:
                        break
                time.sleep(0.05)
        finally:
            proc.kill()
            proc.wait()
        with db.reader() as s:
            counts = outbox_counts(s)
    detail = f"seed={seed} counts={counts} log={log.read_text(errors='replace')[-2000:]}"
    assert counts == {"pending": 0, "delivered": messages, "dead": 0}, detail
    assert killed_with_work_left >= 1, "no kill interrupted any work: the test proved nothing"
    assert sorted(receiver.stored) == sorted(a for ids in order.values() for a in ids)
    assert all(v["id"] == k for k, v in receiver.stored.items())
    assert len(receiver.requests) >= messages
    for path, expected in order.items():
        assert receiver.first_seen(path) == expected, (
            f"destination {path} saw messages out of order ({seed=})")


def test_killed_workers_lose_nothing(db: Database, tmp_path: Path) -> None:
    _crash_and_recover(db, tmp_path, messages=120, kills=4, seed=random.randrange(1 << 30))


@pytest.mark.slow
def test_killed_workers_lose_nothing_long_run(db: Database, tmp_path: Path) -> None:
    _crash_and_recover(db, tmp_path, messages=400, kills=10, seed=random.randrange(1 << 30))
