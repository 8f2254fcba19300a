"""The inbound queue: idempotent accept (also under 20 concurrent threads), leased claims."""

from __future__ import annotations

import hashlib
import threading

import pytest
from sqlalchemy import func, select

from bridge.core.errors import InputError
from bridge.store.db import transaction
from bridge.store.inbound import (
    AcceptResult,
    accept,
    claim_inbound,
    finish_inbound,
    get_inbound,
    inbound_counts,
    requeue_inbound,
    retry_inbound,
    safe_headers,
)
from bridge.store.models import Inbound
from tests.store.dbutil import Database

BODY = b'{"action": "labeled"}'


def test_accept_stores_the_input_once(db: Database) -> None:
    with transaction(db.factory) as s:
        first = accept(s, "github", "d-1", BODY, {"X-GitHub-Event": "issues"}, 100.0)
    with transaction(db.factory) as s:
        again = accept(s, "github", "d-1", BODY, {"X-GitHub-Event": "issues"}, 200.0)
        other_source = accept(s, "gitlab", "d-1", BODY, {}, 200.0)
    assert first == AcceptResult(id=first.id, duplicate=False, same_body=True)
    assert again == AcceptResult(id=first.id, duplicate=True, same_body=True)
    assert other_source.id != first.id and not other_source.duplicate
    with db.reader() as s:
        item = get_inbound(s, first.id)
        assert item is not None
        assert (item.body, item.received_at, item.status) == (BODY, 100.0, "pending")
        assert item.headers == {"x-github-event": "issues"}
        row = s.get(Inbound, first.id)
        assert row is not None and row.body_sha256 == hashlib.sha256(BODY).hexdigest()


def test_same_key_with_different_bytes_keeps_the_stored_row(db: Database) -> None:
    with transaction(db.factory) as s:
        first = accept(s, "inbox:https://peer/actor", "act-1", BODY, {}, 1.0)
    with transaction(db.factory) as s:
        changed = accept(s, "inbox:https://peer/actor", "act-1", b"{}", {}, 2.0)
    assert changed == AcceptResult(id=first.id, duplicate=True, same_body=False)
    with db.reader() as s:
        item = get_inbound(s, first.id)
        assert item is not None and item.body == BODY and item.received_at == 1.0


def test_credential_headers_are_never_stored() -> None:
    kept = safe_headers({
        "Authorization": "Bearer x", "X-Gitlab-Token": "t", "Cookie": "c",
        "X-Webhook-Secret": "s", "X-Api-Token": "t2", "X-GitHub-Delivery": "d",
        "Content-Type": "application/json",
    })
    assert kept == {"x-github-delivery": "d", "content-type": "application/json"}


@pytest.mark.parametrize(("source", "key"), [("", "k"), ("github", ""), ("github", "k" * 1001)])
def test_bad_keys_are_input_errors(db: Database, source: str, key: str) -> None:
    with db.factory() as s, pytest.raises(InputError) as info:
        accept(s, source, key, BODY, {}, 1.0)
    assert "k" * 50 not in info.value.reason


def test_twenty_concurrent_accepts_of_one_key_make_one_row(db: Database) -> None:
    barrier = threading.Barrier(20)
    results: list[AcceptResult] = []
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            with transaction(db.factory) as s:
                results.append(accept(s, "github", "same-delivery", BODY, {}, float(n)))
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 20
    assert len({r.id for r in results}) == 1
    assert sum(not r.duplicate for r in results) == 1
    assert all(r.same_body for r in results)
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Inbound)) == 1


def _accept_three(db: Database) -> list[int]:
    with transaction(db.factory) as s:
        return [accept(s, "github", f"d{i}", BODY, {}, 10.0).id for i in range(3)]


def test_claim_leases_oldest_first_and_skips_leased_rows(db: Database) -> None:
    ids = _accept_three(db)
    with transaction(db.factory) as s:
        a = claim_inbound(s, "w1", 20.0, 30.0, 2)
    with transaction(db.factory) as s:
        b = claim_inbound(s, "w2", 21.0, 30.0, 5)
    assert [i.id for i in a] == ids[:2] and [i.id for i in b] == ids[2:]
    assert a[0].lease_owner == "w1" and a[0].lease_until == 50.0 and a[0].attempts == 1


def test_finish_and_retry_are_guarded_by_the_lease(db: Database) -> None:
    ids = _accept_three(db)
    with transaction(db.factory) as s:
        old = claim_inbound(s, "w1", 20.0, 30.0, 1)[0]
    with transaction(db.factory) as s:  # the lease expired: w2 takes over
        new = claim_inbound(s, "w2", 60.0, 30.0, 1)[0]
    assert old.id == new.id == ids[0] and new.attempts == 2
    with transaction(db.factory) as s:
        assert not finish_inbound(s, old, "done", 61.0)
        assert not retry_inbound(s, old, 100.0, "late")
        assert finish_inbound(s, new, "failed", 62.0, "rule refused")
    with transaction(db.factory) as s:
        assert not finish_inbound(s, new, "done", 63.0)  # final already
        item = get_inbound(s, ids[0])
        assert item is not None and item.status == "failed" and item.last_error == "rule refused"
        assert inbound_counts(s) == {"pending": 2, "done": 0, "failed": 1, "ignored": 0}
        assert requeue_inbound(s, [ids[0], ids[1]], 70.0) == 1
        assert inbound_counts(s)["pending"] == 3


def test_retry_makes_the_input_due_later(db: Database) -> None:
    _accept_three(db)
    with transaction(db.factory) as s:
        items = claim_inbound(s, "w1", 20.0, 30.0, 3)
        assert retry_inbound(s, items[0], 100.0, "tracker down")
        for item in items[1:]:
            assert finish_inbound(s, item, "ignored", 20.0)
    with transaction(db.factory) as s:
        assert claim_inbound(s, "w1", 99.0, 30.0, 3) == []
    with transaction(db.factory) as s:
        again = claim_inbound(s, "w1", 100.0, 30.0, 3)
        assert [i.attempts for i in again] == [2] and again[0].last_error == "tracker down"


def test_finish_refuses_a_non_final_status(db: Database) -> None:
    _accept_three(db)
    with transaction(db.factory) as s:
        item = claim_inbound(s, "w1", 20.0, 30.0, 1)[0]
        with pytest.raises(ValueError, match="final inbound status"):
            finish_inbound(s, item, "pending", 21.0)
