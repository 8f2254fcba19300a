"""Fixtures for the reliability and security proof suite (see docs/reliability.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.appenv import AppEnv, app_env


@pytest.fixture
def env(tmp_path: Path) -> Iterator[AppEnv]:
    """The real app on a fresh SQLite database, driven in process (no worker running)."""
    with app_env(tmp_path) as e:
        yield e
