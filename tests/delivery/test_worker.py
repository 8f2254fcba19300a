"""The delivery worker loop with an injected sender and clock (no real waiting)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.core.errors import ConfigurationError, PermanentError, RateLimited
from bridge.core.retry import RetryPolicy, Verdict
from bridge.delivery.outcome import DeliveryOutcome
from bridge.delivery.worker import outcome_of_error, run_forever, run_once
from bridge.store import audit
from bridge.store.db import make_engine, session_factory, transaction
from bridge.store.outbox import OutboxItem, claim, enqueue, get_outbox, list_outbox
from bridge.store.state import get_object, put_object
from tests.store.dbutil import BOTH, Database, database

INBOX = "https://peer.example/actors/v/inbox/"
OTHER = "https://other.example/actors/o/inbox/"
POLICY = RetryPolicy(base=10.0, factor=2.0, cap=1000.0, max_attempts=4, jitter=0.5)


@pytest.fixture(params=BOTH)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database(request.param, tmp_path) as d:
        yield d


class Clock:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class Peer:
    """A scripted sender: answers from ``script`` (the last answer repeats)."""

    def __init__(self, *script: DeliveryOutcome) -> None:
        self.script = list(script)
        self.sent: list[tuple[str, str]] = []

    def __call__(self, item: OutboxItem) -> DeliveryOutcome:
        self.sent.append((item.activity_id, item.inbox_url))
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]


OK = DeliveryOutcome(Verdict.DELIVERED, status=202)


def _enqueue(db: Database, n: int, inbox: str = INBOX) -> None:
    with transaction(db.factory) as s:
        enqueue(s, f"urn:act:{n}", {"id": f"urn:act:{n}", "type": "Note"},
                [(inbox.removesuffix("/inbox/"), inbox)], 0.0)


def _run(db: Database, send: object, clock: Clock, *, rnd: float = 0.5,
         policy: RetryPolicy = POLICY, worker: str = "w1", lease: float = 60.0) -> int:
    return run_once(db.factory, send, worker_id=worker, now=clock,  # type: ignore[arg-type]
                    policy=policy, rnd=lambda: rnd, lease_seconds=lease, batch=10)


def _row(db: Database, n: int) -> OutboxItem:
    with db.reader() as s:
        return list_outbox(s, activity_id=f"urn:act:{n}")[0]


def test_a_delivery_is_recorded_and_audited(db: Database) -> None:
    _enqueue(db, 1)
    clock, peer = Clock(), Peer(OK)
    assert _run(db, peer, clock) == 1
    row = _row(db, 1)
    assert (row.status, row.last_status, row.delivered_at, row.attempts) == (
        "delivered", 202, 1000.0, 1)
    assert row.lease_owner is None
    with db.reader() as s:
        [entry] = list(audit.export(s))
        assert (entry["kind"], entry["subject"]) == ("delivery.delivered", "urn:act:1")
        assert entry["data"]["recipient"] == "https://peer.example/actors/v"
    assert _run(db, peer, clock) == 0
    assert peer.sent == [("urn:act:1", INBOX)]


def test_a_retry_waits_by_the_policy_and_holds_the_destination(db: Database) -> None:
    _enqueue(db, 1)
    _enqueue(db, 2)
    clock, peer = Clock(), Peer(DeliveryOutcome(Verdict.RETRY, status=503), OK)
    assert _run(db, peer, clock, rnd=0.25) == 1
    row = _row(db, 1)
    wait = POLICY.next_wait(1, 0.25)
    assert (row.status, row.next_attempt_at, row.last_error) == ("pending", 1000.0 + wait,
                                                                 "HTTP 503")
    clock.t = 1000.0 + wait - 0.001
    assert _run(db, peer, clock) == 0  # not before its time, and #2 waits behind it
    clock.t = 1000.0 + wait
    assert _run(db, peer, clock) == 1
    assert _run(db, peer, clock) == 1
    assert [a for a, _ in peer.sent] == ["urn:act:1", "urn:act:1", "urn:act:2"]


def test_retry_after_is_honoured_with_no_attempt_before_it(db: Database) -> None:
    _enqueue(db, 1)
    clock = Clock()
    peer = Peer(DeliveryOutcome(Verdict.RETRY, status=429, retry_after=600.0), OK)
    _run(db, peer, clock)
    assert _row(db, 1).next_attempt_at == 1600.0  # longer than the backoff (≤ 10 s)
    for t in (1001.0, 1300.0, 1599.999):
        clock.t = t
        assert _run(db, peer, clock) == 0
    assert len(peer.sent) == 1
    clock.t = 1600.0
    assert _run(db, peer, clock) == 1
    assert _row(db, 1).status == "delivered"


def test_attempts_are_bounded_then_dead_lettered_and_followers_go_on(db: Database) -> None:
    _enqueue(db, 1)
    _enqueue(db, 2)
    clock, peer = Clock(), Peer(DeliveryOutcome(Verdict.RETRY, error="connection refused"))
    for _ in range(POLICY.max_attempts):
        assert _run(db, peer, clock) == 1
        clock.t = _row(db, 1).next_attempt_at
    row = _row(db, 1)
    assert row.status == "dead" and row.attempts == POLICY.max_attempts
    assert row.last_error == "gave up after 4 attempts: connection refused"
    peer.script = [OK]
    assert _run(db, peer, clock) == 1
    assert _row(db, 2).status == "delivered"
    with db.reader() as s:
        assert [e["kind"] for e in audit.export(s)] == ["delivery.dead", "delivery.delivered"]


def test_a_final_answer_dead_letters_at_once(db: Database) -> None:
    _enqueue(db, 1)
    peer = Peer(DeliveryOutcome(Verdict.DEAD, status=410, error="HTTP 410 from peer"))
    _run(db, peer, Clock())
    row = _row(db, 1)
    assert (row.status, row.attempts, row.last_status, row.last_error) == (
        "dead", 1, 410, "HTTP 410 from peer")


def test_errors_raised_by_the_sender_become_outcomes(db: Database) -> None:
    _enqueue(db, 1)
    _enqueue(db, 2, OTHER)
    clock = Clock()

    def send(item: OutboxItem) -> DeliveryOutcome:
        if item.inbox_url == INBOX:
            raise RateLimited("slow down", retry_after=300.0)
        raise PermanentError("peer refused the activity")

    assert _run(db, send, clock) == 2
    one, two = _row(db, 1), _row(db, 2)
    assert (one.status, one.next_attempt_at, one.last_error) == (
        "pending", 1300.0, "rate_limited: slow down")
    assert (two.status, two.last_error) == ("dead", "permanent: peer refused the activity")
    retry = outcome_of_error(ConfigurationError("no signing key"))
    assert retry.verdict is Verdict.RETRY and retry.retry_after is None


def test_an_unexpected_sender_failure_propagates_and_the_lease_expires(db: Database) -> None:
    _enqueue(db, 1)
    clock = Clock()

    def broken(item: OutboxItem) -> DeliveryOutcome:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        _run(db, broken, clock, lease=30.0)
    clock.t += 29.0
    assert _run(db, Peer(OK), clock) == 0  # still leased by the failed round
    clock.t += 1.0
    assert _run(db, Peer(OK), clock) == 1
    assert _row(db, 1).attempts == 2


def test_an_item_whose_lease_ran_out_is_not_sent(db: Database) -> None:
    _enqueue(db, 1)
    _enqueue(db, 2, OTHER)
    clock = Clock()

    def slow(item: OutboxItem) -> DeliveryOutcome:
        clock.t += 61.0  # the first send outlasts the batch's lease
        return OK

    peer = Peer(OK)

    def send(item: OutboxItem) -> DeliveryOutcome:
        peer(item)
        return slow(item)

    assert _run(db, send, clock, lease=60.0) == 1
    assert len(peer.sent) == 1
    assert _run(db, send, clock) == 1  # the skipped item is reclaimed
    assert {a for a, _ in peer.sent} == {"urn:act:1", "urn:act:2"}


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_new_owner(db: Database) -> None:
    _enqueue(db, 1)
    clock = Clock()
    taken: list[OutboxItem] = []

    def send(item: OutboxItem) -> DeliveryOutcome:
        clock.t += 100.0  # a long stall; meanwhile w2 takes the row over
        with transaction(db.factory) as s:
            taken.extend(claim(s, "w2", clock.t, 60.0, 10))
        return DeliveryOutcome(Verdict.DEAD, status=400, error="late")

    assert _run(db, send, clock, lease=60.0) == 1
    row = _row(db, 1)
    assert [t.id for t in taken] == [row.id]
    assert (row.status, row.lease_owner, row.attempts) == ("pending", "w2", 2)
    with db.reader() as s:
        assert audit.length(s) == 0


def test_no_transaction_is_open_while_sending(db: Database) -> None:
    _enqueue(db, 1)
    clock = Clock()

    def send(item: OutboxItem) -> DeliveryOutcome:
        with transaction(db.factory) as s:  # would wait for the worker's lock on SQLite
            put_object(s, "urn:o", "Note", {"during": "send"}, clock.t)
        with db.reader() as s:
            current = get_outbox(s, item.id)
        assert current is not None and current.lease_owner == "w1"  # the lease was committed
        return OK

    assert _run(db, send, clock) == 1
    with db.reader() as s:
        assert get_object(s, "urn:o") is not None


def test_run_forever_sleeps_when_idle_and_stops(db: Database) -> None:
    _enqueue(db, 1)
    stop, sleeps, peer = threading.Event(), [], Peer(OK)

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            stop.set()

    run_forever(db.factory, peer, worker_id="w", now=Clock(), policy=POLICY, rnd=lambda: 0.5,
                sleep=sleep, stop=stop, idle_seconds=2.5)
    assert sleeps == [2.5, 2.5] and len(peer.sent) == 1
    assert _row(db, 1).status == "delivered"


def test_run_forever_waits_out_an_unreachable_database(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    stop, sleeps = threading.Event(), []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 4:
            stop.set()

    try:
        run_forever(session_factory(engine), Peer(OK), worker_id="w", now=Clock(),
                    policy=POLICY, rnd=lambda: 1.0, sleep=sleep, stop=stop)
    finally:
        engine.dispose()
    assert sleeps == [0.5, 1.0, 2.0, 4.0]
