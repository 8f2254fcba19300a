"""Scaled out: two ``serve --no-worker`` and two ``worker`` processes on one PostgreSQL
database (a fresh schema). Every message is delivered exactly once, even when every webhook
is delivered to both HTTP nodes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from adapters.github.signature import sign
from bridge.app.runtime import Runtime
from bridge.config import load_config_text
from bridge.httpsig.keys import new_key_file
from tests.fakes.github.harness import BOT, PRIVATE_REPO, WEBHOOK_SECRET, github_harness
from tests.fakes.github.model import Label, User
from tests.service.bridge_env import BridgeEnv
from tests.store.dbutil import postgres_schema
from tests.support.servers import Receiver, free_port, running_app, wait_for

pytestmark = pytest.mark.postgres
REPORTS = 12

CONFIG = """
actor: {{name: vendor, base_url: "http://127.0.0.1:{port}", key_file: "{key}"}}
database_url: "{db}"
trackers:
  github:
    kind: github
    url: "{github}"
    token: fake-token-for-tests
    webhook_secrets: ["{secret}"]
    bot_login: {bot}
destinations:
  default: {{tracker: github, project: {repo}, mode: private_issue}}
delivery: {{allow_loopback: true, timeout_seconds: 3, retry: {{base: 0.1, cap: 1}}}}
"""


def _start(args: list[str], cfg: Path, cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bridge.cli.main", *args, "--config", str(cfg)],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


def test_two_serve_and_two_workers_deliver_exactly_once(tmp_path: Path) -> None:
    receiver = Receiver()
    procs: list[subprocess.Popen[bytes]] = []
    with postgres_schema() as db_url, github_harness(timeout=3) as gh, \
            running_app(receiver.app()) as receiver_url:
        ports = [free_port(), free_port()]
        cfg = tmp_path / "bridge.yml"
        cfg.write_text(CONFIG.format(
            port=ports[0], key=new_key_file(tmp_path / "actor.pem"), db=db_url,
            github=gh.fake.base_url, secret=WEBHOOK_SECRET, bot=BOT, repo=PRIVATE_REPO))
        config = load_config_text(cfg.read_text(), env={})
        rt = Runtime.from_config(config, adapter_factory=lambda name, tracker: gh.adapter)
        env = BridgeEnv(rt, gh, receiver, f"http://127.0.0.1:{ports[0]}", receiver_url)
        refs = [env.seed_report(n)[1] for n in range(1, REPORTS + 1)]
        try:
            for port in ports:
                procs.append(_start(["serve", "--no-worker", "--port", str(port)], cfg, tmp_path))
            for _ in range(2):
                procs.append(_start(["worker"], cfg, tmp_path))
            for port in ports:
                assert wait_for(lambda p=port: _up(p), timeout=30), "serve did not start"
            fake = gh.fake
            for ref in refs:
                repo = fake.repos[ref.project]
                assert ref.number is not None
                issue = repo.issues[ref.number]
                label = repo.labels.setdefault(
                    "vultron:valid", Label("vultron:valid", "0e8a16", None)
                )
                issue.labels.append("vultron:valid")
                payload = {"action": "labeled", "issue": fake.render.issue(repo, issue),
                           "label": fake.render.label(repo, label),
                           "repository": fake.render.repo(repo),
                           "sender": fake.render.user(User("maintainer"))}
                body = json.dumps(payload).encode()
                headers = {"Content-Type": "application/json", "X-GitHub-Event": "issues",
                           "X-GitHub-Delivery": str(uuid.uuid4()),
                           "X-Hub-Signature-256": sign(WEBHOOK_SECRET, body)}
                # GitHub redelivers; a load balancer may send each copy to another node
                for port in ports:
                    answer = httpx.post(f"http://127.0.0.1:{port}/webhooks/github",
                                        content=body, headers=headers, timeout=10)
                    assert answer.status_code == 202, answer.text
            # each validation: RV, then the Create(VulnerabilityCase) of the case it opens
            wanted = 2 * REPORTS
            assert wait_for(lambda: len(receiver.received) == wanted, timeout=60), (
                f"{len(receiver.received)}/{wanted} delivered")
            assert wait_for(lambda: env.outbox_count() == wanted, timeout=10)
            # give the workers time to (wrongly) deliver anything twice
            wait_for(lambda: False, timeout=1.5)
            assert all(n == 1 for n in receiver.posts.values()), receiver.posts
            assert len(receiver.received) == wanted
            assert sorted(a["type"] for a in receiver.received) == (
                ["Accept"] * REPORTS + ["Create"] * REPORTS)
            print(f"scale-out: {REPORTS} webhooks x 2 nodes -> {len(receiver.received)} "
                  f"deliveries, max posts per activity {max(receiver.posts.values())}")
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            rt.engine.dispose()


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
