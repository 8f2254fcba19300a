"""A running fake GitLab plus a configured ``GitLabAdapter``, with the contract check.

Used by ``tests/adapters/gitlab/conftest.py`` and reusable by a shared tracker contract suite
(the same shape as ``tests.fakes.github.harness``):

    with gitlab_harness() as h:
        h.adapter.ensure_private_issue(h.private_issue_destination, ...)
    # leaving the block stops the fake and asserts every answer matched the contract
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from adapters.gitlab.adapter import GitLabAdapter
from adapters.gitlab.webhooks import parse_webhook
from bridge.core.effects import Destination, DestinationMode
from bridge.core.events import WebhookResult
from bridge.core.refs import TrackerRef
from tests.fakes.gitlab.contract import covered, violations
from tests.fakes.gitlab.server import FakeGitLab, Recorded
from tests.fakes.gitlab.state import User

PROJECT = "acme/widgets"
OTHER_PROJECT = "acme/other"
BOT = "vultron-bot"
BOT_TOKEN = "glpat-bot-token-0000"
HUMAN_TOKEN = "glpat-alice-0000"
WEBHOOK_TOKEN = "fake gitlab hook token"
CLIENT_TIMEOUT = 0.5
"""Seconds; injected slow answers take longer than this."""


def contract_violations(responses: list[Recorded]) -> tuple[int, list[str]]:
    """How many recorded responses the contract covers, and every violation among them."""
    checked, problems = 0, []
    for r in responses:
        if r.template is not None and covered(r.method, r.template):
            checked += 1
            problems += violations(r.method, r.template, r.status, r.body)
    return checked, problems


@dataclass
class GitLabHarness:
    fake: FakeGitLab
    adapter: GitLabAdapter
    bot: User
    human: User
    project: str = PROJECT
    tracker: str = "gitlab"
    deliveries: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    """Every webhook the fake sent to the harness's own hook (all triggers ticked)."""

    @property
    def private_issue_destination(self) -> Destination:
        return Destination(
            tracker=self.tracker, project=self.project, mode=DestinationMode.CONFIDENTIAL_ISSUE
        )

    destination = private_issue_destination

    def ref(self, number: int, project: str | None = None) -> TrackerRef:
        return TrackerRef(self.tracker, project or self.project, number)

    def parsed_webhooks(self) -> list[WebhookResult]:
        """Every webhook the fake sent, verified and parsed by the real parser."""
        return [parse_webhook(h, b, tokens=[WEBHOOK_TOKEN]) for h, b in self.deliveries]

    def requests_to(self, method: str, path_suffix: str) -> int:
        return sum(1 for m, p in self.fake.requests if m == method and p.endswith(path_suffix))


@contextmanager
def running_fake() -> Iterator[FakeGitLab]:
    """A started fake; on exit: stopped, no handler errors, every answer within the contract."""
    fake = FakeGitLab().start()
    try:
        yield fake
    finally:
        fake.stop()
    assert not fake.errors, fake.errors
    _, problems = contract_violations(fake.responses)
    assert not problems, "answers outside the GitLab contract:\n" + "\n".join(problems[:20])


@contextmanager
def gitlab_harness(**adapter_options: Any) -> Iterator[GitLabHarness]:
    """Two private projects, a Reporter bot, a Maintainer human, and an adapter for the bot."""
    with running_fake() as fake:
        bot = fake.add_user(BOT, BOT_TOKEN, role="reporter")
        human = fake.add_user("alice", HUMAN_TOKEN, role="maintainer")
        fake.add_project(PROJECT, visibility="private")
        fake.add_project(OTHER_PROJECT, visibility="private")
        deliveries: list[tuple[dict[str, str], bytes]] = []

        def sink(headers: dict[str, str], body: bytes) -> int:
            deliveries.append((headers, body))
            return 200

        fake.add_hook(
            sink=sink,
            token=WEBHOOK_TOKEN,
            confidential_issues_events=True,
            confidential_note_events=True,
        )
        options: dict[str, Any] = {"timeout": CLIENT_TIMEOUT, **adapter_options}
        adapter = GitLabAdapter(fake.url, private_token=BOT_TOKEN, **options)
        try:
            yield GitLabHarness(fake, adapter, bot, human, deliveries=deliveries)
        finally:
            adapter.shutdown()
