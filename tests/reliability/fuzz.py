"""Run malformed bodies through one endpoint of the real app and tally what happened."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.reliability.appenv import BEARER, INBOX_PATH, AppEnv, github_headers, gitlab_headers
from tests.reliability.asgi import Request
from tests.reliability.mutate import MALFORMED, bodies, github_seeds, gitlab_seeds, vultron_seeds

GITLAB_EVENTS = {"issue": "Issue Hook", "note": "Note Hook", "merge_request": "Merge Request Hook",
                 "push": "Push Hook", "release": "Release Hook", "work_item": "Issue Hook"}


@dataclass
class Tally:
    endpoint: str
    statuses: Counter[int] = field(default_factory=Counter)
    by_mutation: Counter[str] = field(default_factory=Counter)
    escaped: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    accepted: int = 0
    accepted_malformed: list[str] = field(default_factory=list)
    rows_added: int = 0

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


class Endpoint:
    def __init__(self, name: str) -> None:
        self.name = name
        if name == "github":
            self.seeds: list[Any] = github_seeds()
        elif name == "gitlab":
            self.seeds = gitlab_seeds()
        else:
            self.seeds = vultron_seeds()

    def request(self, env: AppEnv, index: int, body: bytes) -> Request:
        if self.name == "github":
            event = self.seeds[index][0]
            return Request("POST", "/webhooks/github", body, github_headers(body, event=event))
        if self.name == "gitlab":
            kind = self.seeds[index].get("object_kind", "issue")
            headers = gitlab_headers(body, msg_id=str(uuid.uuid4()),
                                     event=GITLAB_EVENTS.get(kind, "Issue Hook"))
            return Request("POST", "/webhooks/gitlab", body, headers)
        return Request("POST", INBOX_PATH, body, {
            "Content-Type": "application/activity+json", "Authorization": f"Bearer {BEARER}"})


def run(env: AppEnv, endpoint: Endpoint, count: int, seed: int, batch: int = 500) -> Tally:
    """Send ``count`` mutated bodies; count statuses, escapes, 5xx and stored rows."""
    tally = Tally(endpoint.name)
    before = env.counts().inbound
    pending: list[tuple[str, Request]] = []

    def flush() -> None:
        answers = env.client.many([r for _, r in pending], concurrency=4)
        for (name, req), answer in zip(pending, answers, strict=True):
            tally.statuses[answer.status] += 1
            tally.by_mutation[name] += 1
            if answer.escaped is not None:
                tally.escaped.append(f"{name}: {type(answer.escaped).__name__}")
            if answer.status >= 500:
                tally.server_errors.append(f"{name}: {answer.status} {answer.text[:100]}")
            if answer.status == 202 and answer.json().get("status") == "accepted":
                tally.accepted += 1
                if name in MALFORMED:
                    tally.accepted_malformed.append(f"{name}: {req.body[:80]!r}")
        pending.clear()

    for name, index, body in bodies(endpoint.seeds, count, seed):
        pending.append((name, endpoint.request(env, index, body)))
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    tally.rows_added = env.counts().inbound - before
    return tally


class ErrorLogs(logging.Handler):
    """Collects log records of level ERROR and above (an unhandled error logs one)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
