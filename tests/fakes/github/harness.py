"""A running fake GitHub plus a configured ``GitHubAdapter``, with the contract check.

Used by ``tests/adapters/github/conftest.py`` and reusable by a shared tracker contract suite:

    with github_harness() as h:
        h.adapter.ensure_private_issue(...)
    # leaving the block stops the fake and asserts every answer matched the contract
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from adapters.github.adapter import GitHubAdapter
from adapters.github.webhooks import parse_webhook
from bridge.core.effects import Destination, DestinationMode
from bridge.core.events import WebhookResult
from tests.fakes.github.server import FakeGitHub
from tests.fakes.github_contract import Contract, Verdict

TOKEN = "fake-token-for-tests"
WEBHOOK_SECRET = "fake webhook secret"
BOT = "vultron-bot"
PRIVATE_REPO = "acme/embargoed"
PUBLIC_REPO = "acme/widget"
MAINTAINER = "maintainer"
"""The person the tests triage as: a collaborator with write access to both repositories."""
NOW = 1_800_000_000.0
"""The adapter's clock in tests (epoch seconds): rate-limit arithmetic is exact."""

_CONTRACT: list[Contract] = []


def contract() -> Contract:
    """The parsed contract, loaded once per test run."""
    if not _CONTRACT:
        _CONTRACT.append(Contract())
    return _CONTRACT[0]


@dataclass
class GitHubHarness:
    fake: FakeGitHub
    adapter: GitHubAdapter
    deliveries: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    @property
    def private_issue_destination(self) -> Destination:
        return Destination(
            tracker="github", project=PRIVATE_REPO, mode=DestinationMode.PRIVATE_ISSUE
        )

    @property
    def advisory_destination(self) -> Destination:
        return Destination(tracker="github", project=PUBLIC_REPO, mode=DestinationMode.ADVISORY)

    def parsed_webhooks(self) -> list[WebhookResult]:
        """Every webhook the fake sent, verified and parsed by the real parser."""
        return [parse_webhook(h, b, [WEBHOOK_SECRET]) for h, b in self.deliveries]

    def verdicts(self) -> list[Verdict]:
        return [contract().check(rec) for rec in self.fake.recorded]

    def requests_to(self, method: str, path_suffix: str) -> int:
        return sum(1 for m, p in self.fake.requests if m == method and p.endswith(path_suffix))


@contextmanager
def github_harness(
    *, timeout: int = 1, clock: Callable[[], float] = lambda: NOW, **adapter_options: object
) -> Iterator[GitHubHarness]:
    """Start a fake (one private and one public repository, ``MAINTAINER`` may write to
    both) and an adapter pointed at it."""
    deliveries: list[tuple[dict[str, str], bytes]] = []
    fake = FakeGitHub(
        token=TOKEN,
        login=BOT,
        webhook_secret=WEBHOOK_SECRET,
        webhook_sink=lambda headers, body: deliveries.append((headers, body)),
    )
    with fake:
        fake.add_repo(PRIVATE_REPO, private=True)
        fake.add_repo(PUBLIC_REPO, private=False)
        for repo in (PRIVATE_REPO, PUBLIC_REPO):
            fake.grant(repo, MAINTAINER, "write")
        adapter = GitHubAdapter.connect(
            fake.base_url, token=TOKEN, timeout=timeout, clock=clock, **adapter_options
        )
        harness = GitHubHarness(fake, adapter, deliveries)
        yield harness
    verdicts = harness.verdicts()
    problems = [
        f"{v.recorded.method} {v.recorded.path} -> {v.recorded.status}: {'; '.join(v.problems)}"
        for v in verdicts
        if v.problems
    ]
    assert not problems, "answers outside the GitHub contract:\n" + "\n".join(problems[:20])
