from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.dbutil import BOTH, Database, database


@pytest.fixture(params=BOTH)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A freshly migrated database: SQLite, then PostgreSQL (marked ``postgres``)."""
    with database(request.param, tmp_path) as d:
        yield d


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    with database("sqlite", tmp_path) as d:
        yield d
