"""A whole bridge for the privacy runs: fake GitHub (a private and a public repository) sending
signed webhooks, the app with its processing and delivery workers, a reference-like receiver
whose actors are trusted peers (they post unsigned, like the reference implementation), and a
loopback capture of the operators' alarm webhook.

Like ``tests/service/bridge_env.py``, with the inbox, a configurable destination and alarms.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx

from adapters.github.signature import sign
from bridge.app import delivery, process
from bridge.app.runtime import Runtime
from bridge.config import load_config_text
from bridge.service.app import create_app
from bridge.store import inbound, outbox
from tests.delivery.ssrf_helpers import LoopbackServer, reply
from tests.fakes.github.harness import (
    BOT,
    PRIVATE_REPO,
    WEBHOOK_SECRET,
    GitHubHarness,
    github_harness,
)
from tests.fakes.github.model import User
from tests.service.bridge_env import HUMAN, BridgeEnv
from tests.support.servers import Receiver, free_port, running_app, wait_for

CONFIG = """
actor: {{name: vendor, base_url: "{bridge}"}}
database_url: "sqlite:///{db}"
trackers:
  github:
    {{kind: github, url: "{github}", token: t, webhook_secrets: ["{secret}"], bot_login: {bot}}}
destinations:
  default: {{tracker: github, project: {repo}, mode: private_issue}}
peers:
  trusted: [{{prefix: "{receiver}/actors/"}}]
delivery: {{allow_loopback: true, timeout_seconds: 3, retry: {{base: 0.05, cap: 0.5}}}}
notifier: {{webhook_url: "{alarms}/alarm"}}
"""


@dataclass
class PrivacyEnv(BridgeEnv):
    alarms: list[str] | None = None
    http: httpx.Client | None = None

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
    receiver = Receiver()
    alarms: list[str] = []

    def capture(handler: BaseHTTPRequestHandler, body: bytes) -> None:
        alarms.append(body.decode("utf-8", "replace"))
        reply(handler, 200)

    with ExitStack() as stack:
        gh: GitHubHarness = stack.enter_context(github_harness(timeout=3))
        receiver_url = stack.enter_context(running_app(receiver.app()))
        alarm_server = stack.enter_context(LoopbackServer(capture).running())
        port = free_port()
        bridge_url = f"http://127.0.0.1:{port}"
        config = load_config_text(CONFIG.format(
            bridge=bridge_url, db=tmp / "bridge.db", github=gh.fake.base_url,
            secret=WEBHOOK_SECRET, bot=BOT, repo=repo, receiver=receiver_url,
            alarms=alarm_server.base), env={})
        rt = Runtime.from_config(
            config, adapter_factory=lambda name, tracker: adapter or gh.adapter)
        stack.enter_context(running_app(create_app(rt), port))
        gh.fake.hooks.sink = f"{bridge_url}/webhooks/github"
        stop = threading.Event()
        threads = []
        if workers:
            threads = [
                threading.Thread(target=process.run_forever, args=(rt, "p-process", stop, 0.02),
                                 daemon=True),
                threading.Thread(target=delivery.run_delivery, args=(rt, "p-deliver", stop),
                                 daemon=True),
            ]
            for thread in threads:
                thread.start()
        env = PrivacyEnv(rt, gh, receiver, bridge_url, receiver_url, alarms=alarms)
        try:
            yield env
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
            if env.http is not None:
                env.http.close()
            rt.engine.dispose()
