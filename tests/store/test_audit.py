"""The audit log in the store: append in the caller's transaction, verify, tamper, export."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from bridge.core.audit import GENESIS, verify_chain
from bridge.core.errors import InputError
from bridge.store import audit
from bridge.store.db import transaction
from tests.store.dbutil import Database


def _append(db: Database, n: int, start: int = 0) -> None:
    with transaction(db.factory) as s:
        for i in range(start, start + n):
            audit.append(s, "test.event", f"subject-{i % 3}", {"i": i, "tags": ("a", "b")},
                         1_700_000_000.123456 + i)


def test_appended_entries_form_a_verified_chain(db: Database) -> None:
    _append(db, 5)
    with db.reader() as s:
        entries = list(audit.export(s))
        assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
        assert entries[0]["prev_hash"] == GENESIS
        assert entries[2]["data"] == {"i": 2, "tags": ["a", "b"]}
        assert entries[2]["at"] == 1_700_000_000.123456 + 2
        assert verify_chain(entries) is None
        assert audit.verify(s) is None
        assert audit.check(s) == audit.ChainCheck(5, None, None)
        assert audit.length(s) == 5
        assert [e["seq"] for e in audit.entries_for(s, "subject-1")] == [2, 5]
        assert [e["seq"] for e in audit.export(s, since_seq=3)] == [4, 5]


def test_an_empty_log_verifies(db: Database) -> None:
    with db.reader() as s:
        assert audit.check(s) == audit.ChainCheck(0, None, None)


def test_an_append_rolls_back_with_the_callers_transaction(db: Database) -> None:
    _append(db, 2)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction(db.factory) as s:
        audit.append(s, "lost", None, {}, 1.0)
        raise Boom
    _append(db, 1, start=2)
    with db.reader() as s:
        assert [e["seq"] for e in audit.export(s)] == [1, 2, 3]
        assert audit.verify(s) is None


def test_editing_a_rows_data_is_detected_at_that_seq(db: Database) -> None:
    _append(db, 6)
    with transaction(db.factory) as s:
        s.execute(text("UPDATE audit_log SET data = :d WHERE seq = 4"), {"d": '{"i": 99}'})
    with db.reader() as s:
        result = audit.check(s)
    assert result.broken_seq == 4 and result.entries == 3
    assert result.reason is not None and "edited" in result.reason


def test_deleting_a_middle_row_is_detected(db: Database) -> None:
    _append(db, 6)
    with transaction(db.factory) as s:
        s.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    with db.reader() as s:
        result = audit.check(s)
    assert result.broken_seq == 4
    assert result.reason is not None and "expected seq 3" in result.reason


def test_truncating_the_tail_is_detected_by_the_head(db: Database) -> None:
    _append(db, 6)
    with transaction(db.factory) as s:
        s.execute(text("DELETE FROM audit_log WHERE seq > 4"))
    with db.reader() as s:
        result = audit.check(s)
    assert result.broken_seq == 5
    assert result.reason is not None and "head names seq 6" in result.reason


def test_bad_data_is_refused(db: Database) -> None:
    with db.factory() as s:
        with pytest.raises(InputError, match="audit data must be JSON"):
            audit.append(s, "k", None, {"x": b"bytes"}, 1.0)
        with pytest.raises(InputError, match="audit data must be JSON"):
            audit.append(s, "k", None, {"x": float("nan")}, 1.0)
        with pytest.raises(InputError, match="audit kind"):
            audit.append(s, "", None, {}, 1.0)


def test_concurrent_appenders_form_one_unbroken_chain(db: Database) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def run(w: int) -> None:
        try:
            barrier.wait()
            for i in range(10):
                with transaction(db.factory) as s:
                    audit.append(s, "concurrent", f"w{w}", {"w": w, "i": i}, float(i))
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.reader() as s:
        entries = list(audit.export(s))
        assert [e["seq"] for e in entries] == list(range(1, 81))
        assert audit.verify(s) is None
        assert sorted((e["data"]["w"], e["data"]["i"]) for e in entries) == [
            (w, i) for w in range(8) for i in range(10)]
