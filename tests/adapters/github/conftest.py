"""Fixtures: a running fake GitHub and a GitHubAdapter speaking real HTTP to it.

Every answer the fake gave during a test is checked against the GitHub REST contract when
the fixture is torn down (a mismatch fails the test's teardown).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.github.harness import GitHubHarness, github_harness


@pytest.fixture
def github() -> Iterator[GitHubHarness]:
    with github_harness() as harness:
        yield harness
