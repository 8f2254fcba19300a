"""Fixtures: a running fake GitLab and a GitLabAdapter speaking real HTTP to it.

Every answer the fake gave during a test is checked against the GitLab REST contract when
the fixture is torn down (a mismatch fails the test's teardown).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.gitlab import FakeGitLab
from tests.fakes.gitlab.harness import GitLabHarness, gitlab_harness, running_fake


@pytest.fixture
def gitlab() -> Iterator[GitLabHarness]:
    with gitlab_harness() as harness:
        yield harness


@pytest.fixture
def fake_gitlab() -> Iterator[FakeGitLab]:
    """A bare fake (no users, projects or hooks) for tests that configure their own."""
    with running_fake() as fake:
        yield fake
