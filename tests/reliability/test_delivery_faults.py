"""Invariant 3 on the way out: the real delivery worker and signing sender against loopback
inboxes that fail in every way, on an injected clock (no test waits for a backoff).

* the status-code classification table, through real HTTP answers;
* a receiver that is down, then back: everything delivered, each retry on the schedule;
* ``Retry-After: 120``: no attempt before 120 s;
* poison messages (a 400, and a 500 forever) dead-lettered without blocking the 100 behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.core.retry import RetryPolicy
from bridge.delivery import worker
from bridge.delivery.sender import MemoryPeerSchemes, Sender
from bridge.delivery.ssrf import AllowPolicy, guarded_client
from bridge.httpsig import Signer
from bridge.store import outbox
from bridge.store.db import transaction
from tests.reliability.appenv import Clock, cached_key
from tests.reliability.figures import figure
from tests.store.dbutil import Database, database
from tests.support.servers import Answer, Receiver, Seen, free_port, running_app

ACTOR = "https://bridge.example/actors/vendor"
POLICY = RetryPolicy(base=2.0, factor=2.0, cap=60.0, max_attempts=6, jitter=0.0)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with database("sqlite", tmp_path) as d:
        yield d


def _sender(clock: Clock, timeout: float = 0.5) -> Sender:
    client = guarded_client(AllowPolicy.build(allow_loopback=True), timeout=timeout)
    return Sender(client, Signer.for_actor(ACTOR, cached_key("rsa-bridge")),
                  peer_scheme=MemoryPeerSchemes(), clock=clock, timeout=timeout)


def _enqueue(db: Database, inbox: str, n: int, clock: Clock, **extra: object) -> str:
    aid = f"urn:uuid:activity-{n}"
    with transaction(db.factory) as s:
        outbox.enqueue(s, aid, {"id": aid, "type": "Note", "n": n, **extra},
                       [(inbox.removesuffix("/inbox/"), inbox)], clock())
    return aid


def _round(db: Database, send: Sender, clock: Clock) -> int:
    return worker.run_once(db.factory, send.send, worker_id="w", now=clock, policy=POLICY,
                           rnd=lambda: 0.0, lease_seconds=30, batch=20)


def _rows(db: Database) -> list[outbox.OutboxItem]:
    with db.reader() as s:
        return outbox.list_outbox(s, limit=10_000)


def _status_server(hang: float) -> Receiver:
    """``/s/{code}/…`` answers ``code``; ``/s/hang/…`` answers after ``hang`` seconds (or when
    the receiver stops, if sooner)."""

    def respond(seen: Seen) -> Answer:
        code = seen.path.strip("/").split("/")[1]
        if code == "hang":
            return Answer(202, delay=hang)
        return Answer(int(code), headers={"Retry-After": "1"} if code == "429" else {})

    return Receiver(answers={"/s/": respond})


DEAD = (400, 403, 404, 405, 410, 413, 422, 501)
RETRIED = (401, 408, 425, 429, 500, 502, 503, 504)


def test_status_code_classification_table(db: Database) -> None:
    clock = Clock()
    with _status_server(hang=1.5) as server:
        cases = [str(c) for c in DEAD + RETRIED] + ["hang"]
        for n, code in enumerate(cases):
            _enqueue(db, f"{server.base}/s/{code}/inbox/", n, clock)
        refused_port = free_port()
        _enqueue(db, f"http://127.0.0.1:{refused_port}/s/refused/inbox/", 99, clock)
        assert _round(db, _sender(clock), clock) == len(cases) + 1
    verdicts = {}
    for row in _rows(db):
        code = row.inbox_url.split("/s/")[1].split("/")[0]
        verdicts[code] = row.status
    table = {str(c): "dead" for c in DEAD} | {str(c): "pending" for c in RETRIED}
    table |= {"hang": "pending", "refused": "pending"}
    assert verdicts == table
    figure("status classification", f"dead-lettered {'/'.join(map(str, DEAD))}; retried "
           f"{'/'.join(map(str, RETRIED))}, timeout, connection refused "
           f"({len(table)}/{len(table)} as specified)")


def test_receiver_down_then_back_delivers_everything_on_schedule(db: Database) -> None:
    clock = Clock()
    port = free_port()
    inbox = f"http://127.0.0.1:{port}/actors/peer/inbox/"
    ids = [_enqueue(db, inbox, n, clock) for n in range(20)]
    send = _sender(clock)
    start = clock()
    attempts_at = []
    for attempt in range(1, 5):  # the receiver is down: connection refused each time
        assert _round(db, send, clock) == 1  # only the head of the destination is tried
        attempts_at.append(clock() - start)
        head = _rows(db)[0]
        assert head.attempts == attempt
        assert head.next_attempt_at == pytest.approx(clock() + POLICY.backoff(attempt, 0.0))
        clock.now = head.next_attempt_at - 0.01
        assert _round(db, send, clock) == 0  # nothing before its time
        clock.now = head.next_attempt_at
    receiver = Receiver()
    with running_app(receiver.app(), port):
        while any(r.status == "pending" for r in _rows(db)):
            assert _round(db, send, clock) > 0
    assert receiver.ids == ids  # all delivered, in order
    assert attempts_at == [0.0, 2.0, 6.0, 14.0]
    figure("receiver down then back", f"retries at +{', +'.join(f'{t:g}' for t in attempts_at)} "
           f"s (base 2, factor 2, no jitter), then {len(ids)}/{len(ids)} delivered in order")


def test_retry_after_120_is_honoured(db: Database) -> None:
    clock = Clock()
    receiver = Receiver(faults=[(429, "120")])
    with running_app(receiver.app()) as url:
        aid = _enqueue(db, f"{url}/actors/peer/inbox/", 1, clock)
        send = _sender(clock)
        start = clock()
        assert _round(db, send, clock) == 1 and receiver.attempts == 1
        probes = 0
        for t in (1, 30, 60, 119, 119.99):
            clock.now = start + t
            probes += 1
            assert _round(db, send, clock) == 0
        assert receiver.attempts == 1
        clock.now = start + 120
        assert _round(db, send, clock) == 1
    assert receiver.attempts == 2 and receiver.ids == [aid]
    figure("Retry-After: 120", f"0 attempts in {probes} rounds before 120 s (backoff alone "
           "would have retried at 2 s); delivered at 120 s")


def test_poison_messages_do_not_block_the_100_behind_them(db: Database) -> None:
    clock = Clock()

    received: list[int] = []

    def respond(seen: Seen) -> Answer:
        doc = seen.json()
        if doc.get("poison") == 400:
            return Answer(400)
        if doc.get("poison") == 500:
            return Answer(500)
        received.append(int(doc["n"]))
        return Answer(202)

    with Receiver(answers={"/": respond}) as server:
        inbox = f"{server.base}/actors/peer/inbox/"
        _enqueue(db, inbox, 0, clock, poison=400)
        _enqueue(db, inbox, 1, clock, poison=500)
        for n in range(2, 102):
            _enqueue(db, inbox, n, clock)
        send = _sender(clock)
        rounds = 0
        while any(r.status == "pending" for r in _rows(db)):
            rounds += 1
            if _round(db, send, clock) == 0:
                with db.reader() as s:
                    due = outbox.next_due(s)
                assert due is not None
                clock.now = max(clock.now, due)
            assert rounds < 500
    rows = {r.activity_id: r for r in _rows(db)}
    assert rows["urn:uuid:activity-0"].status == "dead"
    assert rows["urn:uuid:activity-0"].attempts == 1
    assert rows["urn:uuid:activity-1"].status == "dead"
    assert rows["urn:uuid:activity-1"].attempts == POLICY.max_attempts
    assert received == list(range(2, 102))
    figure("poison messages", f"a 400 dead-lettered at once, a 500-forever after "
           f"{POLICY.max_attempts} attempts; 100/100 behind them delivered in order")
