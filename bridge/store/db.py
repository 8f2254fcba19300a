"""Engines, sessions and migrations for the durable store.

SQLite is the default (``sqlite:///vultron-bridge.db``); PostgreSQL is selected by URL
(``postgresql+psycopg://user@host/db``). On SQLite every connection runs with WAL,
``synchronous=FULL`` (a 2xx means the row is on disk), a busy timeout and foreign keys, and
every transaction opened by a writer session starts with ``BEGIN IMMEDIATE`` so concurrent
writers queue for the write lock instead of failing with "database is locked" half-way.

Within one process, ``transaction()`` also queues SQLite writers on a lock per database file
before they ask SQLite for its write lock. SQLite's busy handler polls with sleeps that grow to
100 ms, so sixteen request threads contending for the file made a tail of hundreds of
milliseconds; a lock hands over at once. Other processes still meet SQLite's own lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from bridge.core.errors import ConfigurationError

DEFAULT_URL = "sqlite:///vultron-bridge.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for the write lock before giving up."""

_READONLY = "vultron_bridge_readonly"
_MIGRATION_LOCK = 0x76627269  # "vbri": the advisory lock key that serialises migrations
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def is_sqlite(bind: Engine | Connection | Session) -> bool:
    """Whether ``bind`` talks to SQLite (else PostgreSQL)."""
    return _dialect_name(bind) == "sqlite"


def _dialect_name(bind: Engine | Connection | Session) -> str:
    if isinstance(bind, Session):
        return bind.get_bind().dialect.name
    return bind.dialect.name


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` (SQLite or PostgreSQL via psycopg 3), configured for the store.

    Raises ConfigurationError for a malformed URL or an unsupported database.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError("database_url is not a valid database URL") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, **kwargs)
    if backend == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            raise ConfigurationError(
                "PostgreSQL URLs must use the psycopg 3 driver: postgresql+psycopg://..."
            )
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    raise ConfigurationError(
        f"unsupported database {backend!r}: use sqlite:///PATH or postgresql+psycopg://..."
    )


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module: SQLAlchemy's "begin"
        # event below emits BEGIN itself, so it can be BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
            cur.execute("PRAGMA foreign_keys = ON")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        readonly = conn.get_execution_options().get(_READONLY, False)
        conn.exec_driver_sql("BEGIN DEFERRED" if readonly else "BEGIN IMMEDIATE")

    return engine


def session_factory(engine: Engine, *, readonly: bool = False) -> sessionmaker[Session]:
    """A session factory bound to ``engine``.

    Writer sessions (the default) take SQLite's write lock when their transaction begins.
    ``readonly=True`` sessions begin deferred so that readers never wait for writers; use
    them only for sessions that do not write. On PostgreSQL the flag changes nothing.
    """
    bind = engine.execution_options(**{_READONLY: True}) if readonly else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


_WRITER_LOCKS: dict[str, threading.RLock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


def _writer_lock(factory: sessionmaker[Session]) -> AbstractContextManager[object]:
    """The in-process lock SQLite writers of one database file queue on (none for
    PostgreSQL, whose row locks need no queue, nor for read-only sessions)."""
    bind = factory.kw.get("bind")
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return nullcontext()
    if bind.get_execution_options().get(_READONLY, False):
        return nullcontext()
    key = str(bind.url.database or ":memory:")
    with _WRITER_LOCKS_GUARD:
        return _WRITER_LOCKS.setdefault(key, threading.RLock())


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """``with transaction(factory) as session:`` — commit on success, roll back on error."""
    with _writer_lock(factory), factory() as session, session.begin():
        yield session


def migrate(url_or_engine: str | Engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision`` (default: the latest).

    Safe to call from several processes at once on PostgreSQL: they queue on an advisory
    lock, and the later ones find nothing to do. Alembic is configured in code, so no
    ``alembic.ini`` is needed at run time.
    """
    from alembic import command
    from alembic.config import Config

    engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    try:
        with engine.begin() as conn:
            if not is_sqlite(conn):
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        if isinstance(url_or_engine, str):
            engine.dispose()


def current_revision(bind: Engine | Connection) -> str | None:
    """The Alembic revision the database is at, None when it was never migrated."""
    from alembic.migration import MigrationContext

    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    return MigrationContext.configure(bind).get_current_revision()


def sqlite_path(url: str) -> Path | None:
    """The file a ``sqlite:///PATH`` URL names, None for other URLs and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def core_table(model: Any) -> Table:
    """The table of a mapped class: statements on it skip the ORM's per-row bookkeeping."""
    return cast(Table, model.__table__)


def insert_for(session: Session, table: Any) -> Any:
    """A dialect-specific INSERT for ``table`` offering ``on_conflict_do_nothing/update``.

    Both SQLite (3.24+) and PostgreSQL support ``INSERT ... ON CONFLICT``, which is what makes
    idempotent writes safe under concurrency without catching integrity errors.
    """
    table = getattr(table, "__table__", table)  # a Core statement: no ORM bulk-insert overhead
    if is_sqlite(session):
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    return pg_insert(table)


_UPSERTS: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], Any] = {}


def upsert_statement(session: Session, model: Any, keys: Sequence[str],
                     columns: Sequence[str]) -> Any:
    """``INSERT … ON CONFLICT (keys) DO UPDATE`` of ``columns`` (the non-key ones take the new
    row's values), built once per dialect and shape and executed with a parameter dict:
    building a statement costs more than running it on SQLite."""
    table = core_table(model)
    cache_key = (_dialect_name(session), table.name, tuple(keys), tuple(columns))
    stmt = _UPSERTS.get(cache_key)
    if stmt is None:
        base = insert_for(session, table)
        stmt = base.on_conflict_do_update(
            index_elements=list(keys),
            set_={c: base.excluded[c] for c in columns if c not in keys},
        )
        _UPSERTS[cache_key] = stmt
    return stmt


_IGNORES: dict[tuple[str, str, tuple[str, ...], str | None], Any] = {}


def insert_ignore_statement(session: Session, model: Any, keys: Sequence[str],
                            returning: str | None = None) -> Any:
    """``INSERT … ON CONFLICT (keys) DO NOTHING`` [``RETURNING returning``], built once per
    dialect and executed with a parameter dict (see ``upsert_statement``)."""
    table = core_table(model)
    cache_key = (_dialect_name(session), table.name, tuple(keys), returning)
    stmt = _IGNORES.get(cache_key)
    if stmt is None:
        stmt = insert_for(session, table).on_conflict_do_nothing(index_elements=list(keys))
        if returning is not None:
            stmt = stmt.returning(table.c[returning])
        _IGNORES[cache_key] = stmt
    return stmt
