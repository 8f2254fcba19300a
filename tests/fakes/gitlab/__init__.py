"""A fake GitLab for tests: REST server on loopback, webhook sender, contract checker."""

from tests.fakes.gitlab.hooks import Delivery, Hook
from tests.fakes.gitlab.server import FakeGitLab, Recorded

__all__ = ["Delivery", "FakeGitLab", "Hook", "Recorded"]
