"""Databases for store tests: a temp SQLite file, or a fresh PostgreSQL schema per test.

PostgreSQL runs on 127.0.0.1:5432 (trust auth, database ``test``). Each test gets its own
schema ``vb_test_<hex>``, selected with ``search_path`` in the URL, dropped afterwards. When
the server is unreachable the test fails (it is never skipped): CI guarantees the server.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from bridge.store.db import make_engine, migrate, session_factory

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

#: pytest params for a fixture that runs a test on both databases.
BOTH = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass
class Database:
    kind: str
    url: str
    engine: Engine
    factory: sessionmaker[Session]
    """Writer sessions."""
    reader: sessionmaker[Session]
    """Read-only sessions."""


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh, empty schema; yields a URL whose connections use it."""
    schema = f"vb_test_{secrets.token_hex(6)}"
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@contextmanager
def empty_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A URL for an empty database of ``kind`` (not migrated)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        with postgres_schema() as url:
            yield url


@contextmanager
def database(kind: str, tmp_path: Path, *, pool_size: int = 5) -> Iterator[Database]:
    """A migrated database of ``kind`` with writer and reader session factories."""
    with empty_url(kind, tmp_path) as url:
        engine = make_engine(url, pool_size=pool_size, max_overflow=30)
        try:
            migrate(engine)
            yield Database(kind, url, engine, session_factory(engine),
                           session_factory(engine, readonly=True))
        finally:
            engine.dispose()
