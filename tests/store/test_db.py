"""Engines, sessions and migrations on both databases."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bridge.core.errors import ConfigurationError
from bridge.store.db import (
    current_revision,
    make_engine,
    migrate,
    session_factory,
    sqlite_path,
    transaction,
)
from bridge.store.models import Base
from tests.store.dbutil import BOTH, Database, empty_url

TABLES = {
    "inbound", "outbox", "outbox_destinations", "links", "objects", "cases", "participants",
    "tracker_writes", "audit_log", "audit_head", "peers", "cursors", "alembic_version",
}


@pytest.mark.parametrize("kind", BOTH)
def test_migrations_run_from_empty_to_head_and_match_the_models(kind: str, tmp_path: Path) -> None:
    with empty_url(kind, tmp_path) as url:
        engine = make_engine(url)
        try:
            assert current_revision(engine) is None
            assert inspect(engine).get_table_names() == []
            migrate(url)
            assert current_revision(engine) == "0002"
            assert set(inspect(engine).get_table_names()) == TABLES
            with engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
                assert diff == [], diff
                head = conn.execute(text("SELECT id, seq, hash FROM audit_head")).all()
                assert [tuple(r) for r in head] == [(1, 0, "0" * 64)]
            migrate(engine)  # a second run is a no-op
            assert current_revision(engine) == "0002"
        finally:
            engine.dispose()


@pytest.mark.postgres
def test_concurrent_migrations_on_postgres_queue_on_the_lock(tmp_path: Path) -> None:
    with empty_url("postgres", tmp_path) as url:
        errors: list[BaseException] = []

        def run() -> None:
            try:
                migrate(url)
            except BaseException as exc:  # noqa: BLE001 - reported to the main thread
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        engine = make_engine(url)
        assert current_revision(engine) == "0002"
        engine.dispose()


def test_sqlite_connections_are_durable_and_checked(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                      for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
        assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1,
                          "busy_timeout": 30000}
    finally:
        engine.dispose()


def test_sqlite_writers_queue_instead_of_failing(db_sqlite: Database) -> None:
    """A read-then-write transaction starting while another writes waits for it, then sees
    its row. (With deferred transactions the second would read a stale snapshot and then
    fail with "database is locked" on its first write.)"""
    seen: list[int] = []
    first_in = threading.Event()

    def first() -> None:
        with transaction(db_sqlite.factory) as s:
            s.execute(text("INSERT INTO cursors (name, value, updated_at) VALUES ('a', '1', 0)"))
            first_in.set()
            time.sleep(0.3)

    def second() -> None:
        first_in.wait()
        with transaction(db_sqlite.factory) as s:
            seen.append(s.execute(text("SELECT count(*) FROM cursors")).scalar_one())
            s.execute(text("UPDATE cursors SET value = '2' WHERE name = 'a'"))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [1]
    with db_sqlite.reader() as s:
        assert s.execute(text("SELECT value FROM cursors")).scalar() == "2"


def test_sqlite_readers_do_not_wait_for_writers(db_sqlite: Database) -> None:
    with transaction(db_sqlite.factory) as writer:
        writer.execute(text("INSERT INTO cursors (name, value, updated_at) VALUES ('a', '1', 0)"))
        # the writer is this very thread: a reader that waited for it would never return
        # (or fail with "database is locked" once busy_timeout ran out)
        with db_sqlite.reader() as reader:
            assert reader.execute(text("SELECT count(*) FROM cursors")).scalar() == 0


@pytest.fixture
def db_sqlite(tmp_path: Path) -> Iterator[Database]:
    from tests.store.dbutil import database

    with database("sqlite", tmp_path) as d:
        yield d


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("not a url", "not a valid database URL"),
        ("mysql://u@h/db", "unsupported database 'mysql'"),
        ("postgresql+psycopg2://u@h/db", "psycopg 3 driver"),
    ],
)
def test_bad_urls_are_configuration_errors(url: str, needle: str) -> None:
    with pytest.raises(ConfigurationError, match=needle):
        make_engine(url)


def test_sqlite_path() -> None:
    assert sqlite_path("sqlite:///vultron-bridge.db") == Path("vultron-bridge.db")
    assert sqlite_path("sqlite:////abs/x.db") == Path("/abs/x.db")
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path("postgresql+psycopg://h/db") is None


def test_session_factory_does_not_expire_on_commit(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        factory = session_factory(engine)
        assert factory.kw["expire_on_commit"] is False
    finally:
        engine.dispose()


def test_sqlite_writers_in_one_process_queue_on_one_lock_per_file(tmp_path: Path) -> None:
    from bridge.store.db import _writer_lock

    a = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    again = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    b = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        lock = _writer_lock(session_factory(a))
        assert lock is _writer_lock(session_factory(again))  # same file, same queue
        assert lock is not _writer_lock(session_factory(b))
        assert not hasattr(_writer_lock(session_factory(a, readonly=True)), "acquire")
    finally:
        for engine in (a, again, b):
            engine.dispose()


@pytest.mark.parametrize("kind", BOTH)
def test_sixteen_threads_writing_at_once_all_commit(kind: str, tmp_path: Path) -> None:
    from bridge.store import inbound
    from tests.store.dbutil import database

    with database(kind, tmp_path, pool_size=16) as store:
        errors: list[BaseException] = []

        def write(n: int) -> None:
            try:
                for i in range(10):
                    with transaction(store.factory) as session:
                        inbound.accept(session, "webhook:github", f"{n}-{i}", b"{}", {},
                                       time.time())
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors
        with store.reader() as session:
            assert inbound.inbound_counts(session)["pending"] == 160
