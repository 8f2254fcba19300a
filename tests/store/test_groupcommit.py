"""bridge.store.groupcommit: writes waiting together commit together; each gets its own
outcome; none is answered before its transaction committed."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.core.errors import InputError, TransientError
from bridge.store import db as store_db
from bridge.store import inbound
from bridge.store.groupcommit import GroupWriter
from bridge.store.models import Inbound
from tests.store.dbutil import Database


def _accept(key: str) -> Callable[[Session], inbound.AcceptResult]:
    def write(session: Session) -> inbound.AcceptResult:
        return inbound.accept(session, "webhook:github", key, key.encode(), {}, 1.0)

    return write


def _stored(d: Database) -> set[str]:
    with d.factory() as session:
        return set(session.scalars(select(Inbound.key)))


def test_writes_queued_behind_a_commit_go_in_one_group(db: Database) -> None:
    writer = GroupWriter(db.factory)
    entered, release = threading.Event(), threading.Event()

    def first(session: Session) -> inbound.AcceptResult:
        entered.set()
        release.wait(30)  # hold the writer inside the first group
        return _accept("first")(session)

    async def scenario() -> list[inbound.AcceptResult]:
        held = asyncio.ensure_future(writer.write(first))
        while not entered.is_set():
            await asyncio.sleep(0.001)
        rest = [asyncio.ensure_future(writer.write(_accept(f"k{n}"))) for n in range(20)]
        await asyncio.sleep(0)  # every write is queued before the writer is let go
        release.set()
        return [await held, *[await f for f in rest]]

    results = asyncio.run(scenario())
    assert writer.groups == 2 and writer.writes == 21
    assert len({r.id for r in results}) == 21 and not any(r.duplicate for r in results)
    assert _stored(db) == {"first", *(f"k{n}" for n in range(20))}


def test_a_failing_write_spoils_only_itself(db: Database) -> None:
    writer = GroupWriter(db.factory)
    entered, release = threading.Event(), threading.Event()

    def hold(session: Session) -> None:
        entered.set()
        release.wait(30)

    def half_then_refuse(session: Session) -> None:
        _accept("half")(session)
        raise InputError("refused after writing half")

    async def scenario() -> list[object]:
        held = asyncio.ensure_future(writer.write(hold))
        while not entered.is_set():
            await asyncio.sleep(0.001)
        group = [asyncio.ensure_future(writer.write(w)) for w in
                 (_accept("a"), half_then_refuse, _accept("b"), _accept("a"))]
        await asyncio.sleep(0)
        release.set()
        await held
        return list(await asyncio.gather(*group, return_exceptions=True))

    a, refused, b, again = asyncio.run(scenario())
    assert isinstance(refused, InputError) and refused.reason == "refused after writing half"
    assert isinstance(a, inbound.AcceptResult) and not a.duplicate
    assert isinstance(b, inbound.AcceptResult) and not b.duplicate
    # the same key later in the same group is that row's duplicate, as it would be alone
    assert isinstance(again, inbound.AcceptResult) and again.duplicate and again.id == a.id
    assert _stored(db) == {"a", "b"}  # nothing of the refused write


def test_a_database_that_fails_is_a_transient_error(tmp_path: Path) -> None:
    engine = store_db.make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    writer = GroupWriter(store_db.session_factory(engine))
    with pytest.raises(TransientError, match="the store is unavailable"):
        asyncio.run(writer.write(_accept("x")))
    engine.dispose()


def test_the_thread_ends_when_idle_and_a_later_write_starts_another(db: Database) -> None:
    writer = GroupWriter(db.factory, idle_seconds=0.01, name="gc-idle-test")

    def threads() -> int:
        return sum(t.name == "gc-idle-test" for t in threading.enumerate())

    first = asyncio.run(writer.write(_accept("one")))
    for thread in [t for t in threading.enumerate() if t.name == "gc-idle-test"]:
        thread.join(30)
    assert threads() == 0
    second = asyncio.run(writer.write(_accept("two")))
    assert first.id != second.id and _stored(db) == {"one", "two"}


def test_a_group_waits_for_the_write_of_a_request_being_prepared(db: Database) -> None:
    """While a request is being parsed the group lingers for its write (here up to an hour:
    it ends when the request is done preparing, not by the clock)."""
    writer = GroupWriter(db.factory, linger_seconds=3600)

    async def scenario() -> list[inbound.AcceptResult]:
        with writer.preparing():
            a = asyncio.ensure_future(writer.write(_accept("a")))
            await asyncio.sleep(0.01)  # the writer may take "a" now or later: either way
            b = asyncio.ensure_future(writer.write(_accept("b")))
            await asyncio.sleep(0)
        return [await asyncio.wait_for(a, 60), await asyncio.wait_for(b, 60)]

    a, b = asyncio.run(scenario())
    assert writer.groups == 1 and a.id != b.id
    assert _stored(db) == {"a", "b"}


def test_with_nothing_being_prepared_no_write_waits(db: Database) -> None:
    writer = GroupWriter(db.factory, linger_seconds=3600)

    async def one() -> inbound.AcceptResult:
        return await asyncio.wait_for(writer.write(_accept("alone")), 60)

    assert not asyncio.run(one()).duplicate and writer.groups == 1
