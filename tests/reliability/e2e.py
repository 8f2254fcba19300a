"""A whole bridge for the privacy runs: ``tests/service/bridge_env.py``'s bridge (fake GitHub
with a private and a public repository sending signed webhooks, the app with its processing
and delivery workers, a reference-like receiver) with the receiver's actors trusted peers (they
post unsigned, like the reference implementation), a configurable destination and a loopback
capture of the operators' alarm webhook.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from adapters.github.signature import sign
from bridge.store import inbound, outbox
from tests.fakes.github.harness import BOT, PRIVATE_REPO, WEBHOOK_SECRET
from tests.fakes.github.model import User
from tests.service.bridge_env import HUMAN, BridgeEnv, bridge_env
from tests.support.servers import Answer, Receiver, Seen, wait_for


@dataclass
class PrivacyEnv(BridgeEnv):
    alarms: list[str] | None = None
    http: httpx.Client | None = None
    alarm_hook: Receiver | None = None
    """The operators' alarm webhook (``alarms`` are the bodies it was sent)."""

    def alarmed(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Wait until at least ``count`` alarms have arrived (woken by each one)."""
        assert self.alarm_hook is not None
        return self.alarm_hook.wait_until(lambda: len(self.alarms or []) >= count, timeout)

    def _emit(self, repo: Any, event: str, payload: dict[str, Any]) -> None:
        """Send a person's webhook as the fake would (signed), over one kept-alive client."""
        fake = self.gh.fake
        full = {**payload, "repository": fake.render.repo(repo),
                "sender": fake.render.user(User(HUMAN))}
        body = json.dumps(full, separators=(",", ":")).encode()
        if self.http is None:
            self.http = httpx.Client(timeout=10)
        answer = self.http.post(f"{self.bridge_url}/webhooks/github", content=body, headers={
            "Content-Type": "application/json", "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": sign(WEBHOOK_SECRET, body)})
        assert answer.status_code == 202, answer.text

    def peer(self, name: str) -> str:
        return f"{self.receiver_url}/actors/{name}"

    def post_activity(self, doc: dict[str, Any]) -> httpx.Response:
        return httpx.post(f"{self.rt.actor_id}/inbox/", content=json.dumps(doc).encode(),
                          headers={"Content-Type": "application/activity+json"}, timeout=10)

    def offer(self, n: int, content: str, finder: str = "finder", **report: Any) -> dict[str, Any]:
        actor = self.peer(finder)
        return {
            "@context": "https://www.w3.org/ns/activitystreams", "type": "Offer",
            "id": f"{actor}/offers/{n}", "actor": actor, "to": [self.rt.actor_id],
            "object": {"type": "VulnerabilityReport", "id": f"{actor}/reports/{n}",
                       "name": f"R-{n}", "content": content, **report},
        }

    def settled(self, timeout: float = 30) -> bool:
        def done() -> bool:
            with self.rt.sessions() as s:
                return (inbound.inbound_counts(s)["pending"] == 0
                        and outbox.outbox_counts(s)["pending"] == 0)
        return wait_for(done, timeout=timeout)

    def inbound_failed(self) -> int:
        return self.inbound_statuses()["failed"]


@dataclass
class RecordingAdapter:
    """A tracker that records the bridge's writes and answers at once (for volume runs)."""

    name: str = "github"
    bot: str = BOT
    writes: list[tuple[str, str]] | None = None

    def bot_identity(self) -> str:
        return self.bot

    def _record(self, op: str, ref: object) -> None:
        if self.writes is None:
            self.writes = []
        self.writes.append((op, str(ref)))

    def check_private(self, destination: object) -> None:
        self._record("check_private", destination)

    def set_labels(self, ref: object, add: object, remove: object) -> None:
        self._record("set_labels", ref)

    def comment(self, ref: object, body: str, *, marker_id: str | None = None) -> None:
        self._record("comment", ref)

    def close(self, ref: object) -> None:
        self._record("close", ref)

    def reopen(self, ref: object) -> None:
        self._record("reopen", ref)

    def link(self, ref: object, other: object) -> None:
        self._record("link", ref)

    def actor_can_write(self, target: object, login: str) -> bool:
        return True  # everyone who triages here may (tracker-side authority is not the point)


@contextmanager
def privacy_env(tmp: Path, *, repo: str = PRIVATE_REPO, workers: bool = True,
                adapter: Any = None) -> Iterator[PrivacyEnv]:
    """``adapter``: what the bridge writes through instead of the real adapter (the fake
    GitHub then only renders and sends the people's webhooks)."""
    alarms: list[str] = []

    def capture(seen: Seen) -> Answer:
        alarms.append(seen.body.decode("utf-8", "replace"))
        return Answer(200)

    with Receiver(answers={"/": capture}) as alarm_server, bridge_env(
            tmp, workers=workers, repo=repo, adapter=adapter, trust_receiver=True,
            extra=f'notifier: {{webhook_url: "{alarm_server.base}/alarm"}}\n') as base:
        env = PrivacyEnv(base.rt, base.gh, base.receiver, base.bridge_url, base.receiver_url,
                         alarms=alarms, alarm_hook=alarm_server)
        try:
            yield env
        finally:
            if env.http is not None:
                env.http.close()
