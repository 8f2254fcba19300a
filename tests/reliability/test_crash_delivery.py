"""Exactly once under a kill storm: 1,000 activities delivered by delivery-worker processes
that are killed with SIGKILL at least 200 times, to a receiver that is idempotent by activity
id (as a Vultron inbox is), on SQLite and on PostgreSQL.

This extends ``tests/delivery/test_worker_crash.py`` (same worker child) from a handful of
kills to a storm: several workers at once, one killed every few hundred milliseconds.
Afterwards: 1,000/1,000 stored exactly once by the receiver, every row recorded delivered,
each destination saw its messages first in enqueue order.
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
from tests.delivery.test_worker_crash import CHILD
from tests.reliability.figures import figure
from tests.store.dbutil import BOTH, Database, database
from tests.support.servers import Receiver


@pytest.fixture(params=BOTH)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database(request.param, tmp_path) as d:
        yield d


def _start(db: Database, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen([sys.executable, "-c", CHILD, db.url],
                                stdout=subprocess.DEVNULL, stderr=err)


def kill_storm(db: Database, tmp_path: Path, *, messages: int, kills: int, workers: int,
               delay: float, seed: int) -> dict[str, int]:
    rnd = random.Random(seed)
    destinations = 8
    log = tmp_path / "worker.log"
    with Receiver(delay=delay) as receiver:
        order: dict[str, list[str]] = {}
        with transaction(db.factory) as s:
            for n in range(messages):
                d = n % destinations
                inbox = f"{receiver.base}/actors/{d}/inbox/"
                aid = f"urn:uuid:storm-{n}"
                enqueue(s, aid, {"id": aid, "type": "Note", "n": n},
                        [(inbox.removesuffix("/inbox/"), inbox)], 0.0)
                order.setdefault(f"/actors/{d}/inbox/", []).append(aid)
        procs = [_start(db, log) for _ in range(workers)]
        done = 0
        interrupted = 0
        start = time.monotonic()
        try:
            while done < kills:
                time.sleep(rnd.uniform(0.05, 0.3))
                victim = procs.pop(rnd.randrange(len(procs)))
                victim.kill()  # SIGKILL: leases left behind, sends half done
                victim.wait()
                done += 1
                with db.reader() as s:
                    interrupted += outbox_counts(s)["pending"] > 0
                procs.append(_start(db, log))
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with db.reader() as s:
                    if outbox_counts(s)["delivered"] == messages:
                        break
                time.sleep(0.1)
        finally:
            for proc in procs:
                proc.kill()
                proc.wait()
        elapsed = time.monotonic() - start
        with db.reader() as s:
            counts = outbox_counts(s)
    detail = f"seed={seed} counts={counts} log={log.read_text(errors='replace')[-2000:]}"
    assert counts == {"pending": 0, "delivered": messages, "dead": 0}, detail
    assert sorted(receiver.stored) == sorted(a for ids in order.values() for a in ids)
    assert len(receiver.ids) == len(set(receiver.ids))  # none stored twice
    for path, expected in order.items():
        assert receiver.first_seen(path) == expected, f"{path} out of order ({seed=})"
    return {"kills": done, "interrupted": interrupted, "received": len(receiver.requests),
            "stored": len(receiver.stored), "seconds": int(elapsed)}


@pytest.mark.slow
def test_kill_storm_1000_activities_200_kills(db: Database, tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    result = kill_storm(db, tmp_path, messages=1000, kills=200, workers=4, delay=0.03,
                        seed=seed)
    assert result["interrupted"] >= 100, result
    figure(f"kill storm ({db.kind})", f"{result['kills']} SIGKILLs ({result['interrupted']} "
           f"with work pending) over {result['seconds']} s -> 1000/1000 stored exactly once "
           f"({result['received']} POSTs received, redeliveries deduplicated by id), order "
           f"kept per destination, 0 dead (seed {seed})")
