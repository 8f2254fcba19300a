"""The transactional outbox: idempotent enqueue, per-destination order, leases, dead letters."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import event, text

from bridge.core.errors import InputError
from bridge.store.db import transaction
from bridge.store.outbox import (
    OutboxItem,
    claim,
    enqueue,
    get_outbox,
    list_outbox,
    mark_dead,
    mark_delivered,
    mark_retry,
    next_due,
    outbox_counts,
    requeue_dead,
)
from tests.store.dbutil import Database, database

A = ("https://a.example/actors/a", "https://a.example/actors/a/inbox/")
B = ("https://b.example/actors/b", "https://b.example/actors/b/inbox/")


def _activity(n: int) -> tuple[str, dict[str, object]]:
    aid = f"https://bridge.example/activities/{n}"
    return aid, {"id": aid, "type": "Note", "n": n}


def _enqueue(db: Database, n: int, recipients: list[tuple[str, str]], now: float = 0.0) -> int:
    aid, act = _activity(n)
    with transaction(db.factory) as s:
        return enqueue(s, aid, act, recipients, now)


def _claim(db: Database, worker: str, now: float, limit: int = 10,
           lease: float = 30.0) -> list[OutboxItem]:
    with transaction(db.factory) as s:
        return claim(s, worker, now, lease, limit)


def test_enqueue_is_idempotent_per_activity_and_recipient(db: Database) -> None:
    assert _enqueue(db, 1, [A, B]) == 2
    assert _enqueue(db, 1, [A, B]) == 0
    assert _enqueue(db, 1, [B, A, A]) == 0
    with db.reader() as s:
        rows = list_outbox(s)
    assert sorted(r.recipient for r in rows) == [A[0], B[0]]
    assert all(r.status == "pending" and r.attempts == 0 for r in rows)
    assert rows[0].activity == {"id": rows[0].activity_id, "type": "Note", "n": 1}


def test_enqueue_rolls_back_with_the_callers_transaction(db: Database) -> None:
    aid, act = _activity(1)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction(db.factory) as s:
        enqueue(s, aid, act, [A], 0.0)
        raise Boom
    with db.reader() as s:
        assert list_outbox(s) == []


def test_enqueue_checks_its_input(db: Database) -> None:
    with db.factory() as s:
        with pytest.raises(InputError, match="inbox URL must start"):
            enqueue(s, "x", {}, [("actor", "ftp://x/inbox")], 0.0)
        with pytest.raises(InputError, match="activity id"):
            enqueue(s, "", {}, [A], 0.0)
        assert enqueue(s, "x", {}, [], 0.0) == 0


def test_only_the_head_of_each_destination_is_claimed(db: Database) -> None:
    for n in range(3):
        _enqueue(db, n, [A, B])
    first = _claim(db, "w1", 1.0)
    assert sorted((i.destination, i.activity["n"]) for i in first) == [(A[1], 0), (B[1], 0)]
    assert _claim(db, "w2", 1.0) == []  # heads leased, followers blocked
    with transaction(db.factory) as s:
        for item in first:
            assert mark_delivered(s, item, now=2.0, status=202)
    second = _claim(db, "w2", 3.0)
    assert sorted((i.destination, i.activity["n"]) for i in second) == [(A[1], 1), (B[1], 1)]


def test_delivery_order_per_destination_is_enqueue_order(db: Database) -> None:
    for n in range(6):
        _enqueue(db, n, [A] if n % 2 else [A, B])
    delivered: list[tuple[str, int]] = []
    for t in range(20):
        items = _claim(db, "w", float(t))
        with transaction(db.factory) as s:
            for item in items:
                delivered.append((item.destination, int(item.activity["n"])))
                assert mark_delivered(s, item, now=float(t))
    assert [n for d, n in delivered if d == A[1]] == [0, 1, 2, 3, 4, 5]
    assert [n for d, n in delivered if d == B[1]] == [0, 2, 4]


def test_a_retrying_head_holds_back_its_followers_until_due(db: Database) -> None:
    _enqueue(db, 1, [A])
    _enqueue(db, 2, [A])
    head = _claim(db, "w", 1.0)[0]
    with transaction(db.factory) as s:
        assert mark_retry(s, head, next_attempt_at=50.0, status=503, error="HTTP 503")
    assert _claim(db, "w", 49.0) == []
    again = _claim(db, "w", 50.0)
    assert [(i.id, i.attempts, i.last_status) for i in again] == [(head.id, 2, 503)]
    with db.reader() as s:
        assert next_due(s) == 50.0  # the blocked follower (due at 0) does not count


def test_a_dead_letter_does_not_block_the_rows_behind_it(db: Database) -> None:
    _enqueue(db, 1, [A])
    _enqueue(db, 2, [A])
    head = _claim(db, "w", 1.0)[0]
    with transaction(db.factory) as s:
        assert mark_dead(s, head, now=2.0, status=410, error="HTTP 410 Gone")
    follower = _claim(db, "w", 3.0)
    assert [i.activity["n"] for i in follower] == [2]
    with db.reader() as s:
        dead = list_outbox(s, status="dead")
        assert [(d.id, d.last_status, d.last_error) for d in dead] == [
            (head.id, 410, "HTTP 410 Gone")]
        assert outbox_counts(s) == {"pending": 1, "delivered": 0, "dead": 1}


def test_requeue_dead_gives_a_fresh_budget_and_its_place_back(db: Database) -> None:
    _enqueue(db, 1, [A])
    _enqueue(db, 2, [A])
    head = _claim(db, "w", 1.0)[0]
    with transaction(db.factory) as s:
        mark_dead(s, head, now=2.0, status=400, error="bad")
    with transaction(db.factory) as s:
        assert requeue_dead(s, [head.id, 999], 5.0) == 1
        assert requeue_dead(s, [head.id], 5.0) == 0
    items = _claim(db, "w", 5.0)
    assert [(i.id, i.attempts) for i in items] == [(head.id, 1)]


def test_an_expired_lease_is_taken_over_and_the_stale_owner_is_refused(db: Database) -> None:
    _enqueue(db, 1, [A])
    old = _claim(db, "w1", 0.0, lease=10.0)[0]
    assert _claim(db, "w2", 9.9) == []
    new = _claim(db, "w2", 10.0, lease=10.0)[0]
    assert (new.id, new.lease_owner, new.attempts) == (old.id, "w2", 2)
    with transaction(db.factory) as s:
        assert not mark_delivered(s, old, now=11.0, status=202)
        assert not mark_dead(s, old, now=11.0, status=400, error="x")
        assert not mark_retry(s, old, next_attempt_at=99.0, status=500, error="x")
        assert mark_retry(s, new, next_attempt_at=30.0, status=503, error="busy")
    with db.reader() as s:
        row = get_outbox(s, old.id)
        assert row is not None
        assert (row.status, row.next_attempt_at, row.last_error) == ("pending", 30.0, "busy")


def test_the_same_worker_cannot_record_an_older_claim(db: Database) -> None:
    _enqueue(db, 1, [A])
    old = _claim(db, "w1", 0.0, lease=10.0)[0]
    new = _claim(db, "w1", 20.0, lease=10.0)[0]
    with transaction(db.factory) as s:
        assert not mark_delivered(s, old, now=21.0)
        assert mark_delivered(s, new, now=21.0)


def test_marking_an_unclaimed_item_is_a_programming_error(db: Database) -> None:
    _enqueue(db, 1, [A])
    with transaction(db.factory) as s:
        item = list_outbox(s)[0]
        with pytest.raises(ValueError, match="claimed item"):
            mark_delivered(s, item, now=1.0)


def test_concurrent_claimers_never_claim_the_same_row(db: Database) -> None:
    destinations = [(f"https://p{i}.example/a", f"https://p{i}.example/a/inbox/")
                    for i in range(30)]
    for n in range(3):
        _enqueue(db, n, destinations)
    claimed: dict[str, list[tuple[int, int]]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def worker(name: str) -> None:
        mine: list[tuple[int, int]] = []
        try:
            barrier.wait()
            for round_ in range(40):
                with transaction(db.factory) as s:
                    items = claim(s, name, 1.0 + round_, 1000.0, 4)
                with transaction(db.factory) as s:
                    for item in items:
                        mine.append((item.id, item.attempts))
                        assert mark_delivered(s, item, now=1.0 + round_)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
        claimed[name] = mine

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    everything = [c for mine in claimed.values() for c in mine]
    assert len(everything) == len({i for i, _ in everything}) == 90
    assert {attempts for _, attempts in everything} == {1}
    # (how the rows spread over the claimers is the scheduler's business, not asserted: one
    # thread may legitimately take them all; what matters is that none is claimed twice)
    with db.reader() as s:
        assert outbox_counts(s) == {"pending": 0, "delivered": 90, "dead": 0}


def test_seq_follows_commit_order_per_destination(db: Database) -> None:
    for n in range(3):
        _enqueue(db, n, [A])
    with db.reader() as s:
        rows = list_outbox(s, destination=A[1])
        seqs = [r.seq for r in rows]
        assert seqs == sorted(seqs) and len(set(seqs)) == 3
        assert [r.activity["n"] for r in rows] == [0, 1, 2]
        last = s.execute(text("SELECT last_seq FROM outbox_destinations")).scalar_one()
        assert last == seqs[-1]


@pytest.mark.postgres
def test_postgres_claims_use_skip_locked(tmp_path: Path) -> None:
    with database("postgres", tmp_path) as pg:
        _enqueue(pg, 1, [A])
        seen: list[str] = []
        event.listen(pg.engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *args: seen.append(statement))
        assert len(_claim(pg, "w", 1.0)) == 1
        assert any("FOR UPDATE OF outbox SKIP LOCKED" in s for s in seen), seen
