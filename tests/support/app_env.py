"""Fixtures for the inbox, mirroring and guard tests: a Runtime on a temp SQLite file, the
FastAPI app served on loopback (uvicorn) with an httpx client, a fake tracker (GitHub or
GitLab) behind the real adapter, and a loopback receiver standing in for the notifier."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.app import process
from bridge.app.runtime import Runtime
from bridge.config import load_config_text
from bridge.service.app import create_app
from bridge.store import audit, inbound
from tests.support.servers import Answer, Receiver, running_app

VENDOR_BASE = "http://bridge.test"
FINDER = "https://finder.example/actors/finn"
ACTIVITY_JSON = {"Content-Type": "application/activity+json"}


@dataclass
class Alarms:
    """A Slack-compatible incoming webhook: the shared loopback receiver answering ``ok`` on
    ``/hook/…``; every JSON POST there is an alarm."""

    hook: Receiver = field(default_factory=lambda: Receiver(
        answers={"/hook/": Answer(200, b"ok")}, documents=False))

    @property
    def received(self) -> list[dict[str, Any]]:
        with self.hook.lock:
            return [seen.json() for seen in self.hook.requests
                    if seen.method == "POST" and seen.path.startswith("/hook/")]

    @property
    def texts(self) -> list[str]:
        return [str(m.get("text")) for m in self.received]


def process_all(rt: Runtime) -> list[str]:
    """Process every due input as the worker would (claim, handle, record); their final
    statuses in order."""
    statuses: list[str] = []
    while True:
        with rt.sessions.begin() as session:
            items = inbound.claim_inbound(session, "test", rt.clock(), 60, 50)
        if not items:
            return statuses
        statuses += [process.process_one(rt, item) for item in items]


@dataclass
class Env:
    rt: Runtime
    client: httpx.Client
    tracker: Any
    """The harness (GitHubHarness / GitLabHarness)."""
    alarms: Alarms

    def post(self, activity: dict[str, Any] | bytes, headers: dict[str, str] | None = None,
             path: str = "/actors/vendor/inbox/") -> Any:
        body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
        return self.client.post(path, content=body, headers=headers or ACTIVITY_JSON)

    def post_concurrently(self, activity: dict[str, Any], times: int) -> list[int]:
        """The same activity posted ``times`` times at once (one client each); the statuses."""
        body = json.dumps(activity).encode()

        def send(_: int) -> int:
            with httpx.Client(base_url=str(self.client.base_url), timeout=30) as client:
                return client.post("/actors/vendor/inbox/", content=body,
                                   headers=ACTIVITY_JSON).status_code

        with ThreadPoolExecutor(max_workers=times) as pool:
            return list(pool.map(send, range(times)))

    def work(self) -> list[str]:
        """Process every pending input; returns the final statuses in order."""
        return process_all(self.rt)

    def inbound_rows(self) -> list[tuple[str, str | None]]:
        from sqlalchemy import select

        from bridge.store.models import Inbound

        with self.rt.sessions() as session:
            return [(r.status, r.last_error) for r in session.execute(
                select(Inbound.status, Inbound.last_error).order_by(Inbound.id)).all()]

    def audit_kinds(self) -> list[str]:
        with self.rt.sessions() as session:
            return [e["kind"] for e in audit.export(session)]


CONFIG = """
actor: {{name: vendor, base_url: "{base}"}}
database_url: "sqlite:///{db}"
trackers:
{trackers}
destinations:
  default: {{tracker: {tracker}, project: "{project}", mode: {mode}}}
peers:
  trusted:
{trusted}
delivery: {{allow_loopback: true, timeout_seconds: 3}}
notifier: {{webhook_url: "{hook}/hook/s3cr3t-path"}}
"""


def _trusted(prefixes: list[tuple[str, str | None]]) -> str:
    if not prefixes:
        return "    []"
    lines = []
    for prefix, token in prefixes:
        extra = f", bearer_token: {token}" if token else ""
        lines.append(f'    - {{prefix: "{prefix}"{extra}}}')
    return "\n".join(lines)


@contextmanager
def make_env(tmp: Path, *, kind: str = "github", mode: str = "private_issue",
             project: str | None = None, trusted: list[tuple[str, str | None]] | None = None,
             clock: Callable[[], float] | None = None, extra: str = "") -> Iterator[Env]:
    from tests.fakes.github import harness as gh
    from tests.fakes.gitlab import harness as gl

    alarms = Alarms()
    with ExitStack() as stack:
        hook = stack.enter_context(alarms.hook).base
        if kind == "github":
            h: Any = stack.enter_context(gh.github_harness(timeout=3))
            trackers = (f'  github: {{kind: github, url: "{h.fake.base_url}", token: t, '
                        f'webhook_secrets: ["{gh.WEBHOOK_SECRET}"], bot_login: {gh.BOT}}}')
            default = gh.PRIVATE_REPO if mode == "private_issue" else gh.PUBLIC_REPO
        else:
            h = stack.enter_context(gl.gitlab_harness())
            trackers = (f'  gitlab: {{kind: gitlab, url: "{h.fake.url}", token: t, '
                        f'webhook_secrets: ["{gl.WEBHOOK_TOKEN}"], bot_login: {gl.BOT}}}')
            default = gl.PROJECT
        text = CONFIG.format(
            base=VENDOR_BASE, db=tmp / "bridge.db", trackers=trackers, tracker=kind,
            project=project or default, mode=mode, hook=hook,
            trusted=_trusted([(FINDER, None)] if trusted is None else trusted),
        ) + extra
        config = load_config_text(text, env={})
        options: dict[str, Any] = {"adapter_factory": lambda name, tracker: h.adapter}
        if clock is not None:
            options["clock"] = clock
        rt = Runtime.from_config(config, **options)
        url = stack.enter_context(running_app(create_app(rt)))
        client = stack.enter_context(httpx.Client(base_url=url, timeout=30))
        try:
            yield Env(rt, client, h, alarms)
        finally:
            rt.engine.dispose()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    with make_env(tmp_path) as e:
        yield e


def offer(n: int = 1, *, content: str = "heap overflow in parse()", actor: str = FINDER,
          **report: Any) -> dict[str, Any]:
    """A finder's current-format Offer(VulnerabilityReport)."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Offer",
        "id": f"https://finder.example/activities/offer-{n}", "actor": actor,
        "to": [f"{VENDOR_BASE}/actors/vendor"],
        "object": {"type": "VulnerabilityReport", "id": f"https://finder.example/reports/{n}",
                   "name": f"FDR-{n}", "content": content, "attributedTo": actor, **report},
    }
