"""End to end on a real tracd: a finder's Offer → one private security ticket (through the
registry's production adapter); a maintainer's keyword change in Trac → the plugin's signed
webhook → the bridge → the protocol messages at the finder's inbox; an anonymous visitor and
an unprivileged Trac user see none of it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bridge.app import delivery, process
from bridge.app.runtime import Runtime
from bridge.config import load_config_text
from bridge.core.refs import TrackerRef
from bridge.service.app import create_app
from tests.adapters.trac.fixtures import TracProject, trac_server  # noqa: F401 - fixture
from tests.adapters.trac.tracd import TOKEN, TracServer, change, wait_for
from tests.support.servers import Receiver, free_port, running_app

SECRET = "e2e-hook-secret"
CANARY = "CANARY-TRAC-e2e heap overflow in parse_header()"
CONFIG = """
actor: {{name: vendor, base_url: "{bridge}"}}
database_url: "sqlite:///{db}"
trackers:
  trac: {{kind: trac, url: "{trac}", token: "{token}", webhook_secrets: ["{secret}"],
          bot_login: vultron-bot, min_permission: write}}
destinations:
  default: {{tracker: trac, project: "{project}", mode: confidential_issue}}
peers:
  trusted: [{{prefix: "{peer}"}}]
delivery: {{allow_loopback: true, timeout_seconds: 3, retry: {{base: 0.05, cap: 0.5}}}}
"""


@dataclass
class World:
    rt: Runtime
    project: TracProject
    receiver: Receiver
    bridge_url: str
    finder: str


@contextmanager
def world(tmp: Path, server: TracServer) -> Iterator[World]:
    receiver = Receiver()
    with ExitStack() as stack:
        peer = stack.enter_context(running_app(receiver.app()))
        port = free_port()
        bridge_url = f"http://127.0.0.1:{port}"
        server.new_env("e2e", webhook_url=f"{bridge_url}/webhooks/trac", secret=SECRET)
        config = load_config_text(CONFIG.format(
            bridge=bridge_url, db=tmp / "bridge.db", trac=server.url, token=TOKEN,
            secret=SECRET, project="e2e", peer=peer), env={})
        rt = Runtime.from_config(config)  # the production adapter, built by the registry
        stack.enter_context(running_app(create_app(rt), port))
        stop = threading.Event()
        threads = [threading.Thread(target=process.run_forever, args=(rt, "t", stop, 0.02),
                                    daemon=True),
                   threading.Thread(target=delivery.run_delivery, args=(rt, "t", stop),
                                    daemon=True)]
        for thread in threads:
            thread.start()
        try:
            yield World(rt, TracProject(server, "e2e"), receiver, bridge_url,
                        f"{peer}/actors/finder")
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
            if "trac" in rt._adapters:  # the production adapter's HTTP connections
                rt.adapter("trac").disconnect()  # type: ignore[attr-defined]
            rt.engine.dispose()


def _offer(w: World) -> dict[str, object]:
    return {"@context": "https://www.w3.org/ns/activitystreams", "type": "Offer",
            "id": f"{w.finder}/offers/1", "actor": w.finder, "to": [w.rt.actor_id],
            "object": {"type": "VulnerabilityReport", "id": f"{w.finder}/reports/1",
                       "name": "FDR-1", "content": CANARY, "attributedTo": w.finder}}


def test_offer_to_ticket_and_keyword_to_the_finders_inbox(
        tmp_path: Path, trac_server: TracServer) -> None:  # noqa: F811
    with world(tmp_path, trac_server) as w:
        offer = _offer(w)
        answer = httpx.post(f"{w.bridge_url}/actors/vendor/inbox/", content=json.dumps(offer),
                            headers={"Content-Type": "application/activity+json"}, timeout=30)
        assert answer.status_code == 202, answer.text
        wait_for(lambda: w.project.count() == 1, "one ticket", attempts=400)
        [(number, kind, description)] = trac_server.query(
            "e2e", "SELECT id, type, description FROM ticket")
        assert kind == "security" and "CANARY-TRAC-e2e" in description
        assert "vultron:received" in w.project.labels(_ref(number))
        change(trac_server, "e2e", number, "alice",
               keywords=" ".join([*w.project.labels(_ref(number)), "vultron:valid"]))
        wait_for(lambda: len(w.receiver.received) >= 2, "RV and the case at the finder",
                 attempts=600)
        rv, created = w.receiver.received[:2]
        assert rv["type"] == "Accept" and rv["object"]["object"]["id"] == f"{w.finder}/reports/1"
        assert created["type"] == "Create" and created["object"]["type"] == "VulnerabilityCase"
        assert w.project.count() == 1  # no second ticket, whatever the echoes did
        with httpx.Client(base_url=trac_server.url, timeout=30) as anonymous:
            assert CANARY not in anonymous.get(f"/e2e/ticket/{number}").text
            assert CANARY not in anonymous.get("/e2e/timeline?ticket=on&format=rss").text
        with trac_server.login("mallory") as mallory:
            assert mallory.get(f"/e2e/ticket/{number}").status_code == 403
            assert CANARY not in mallory.get(
                "/e2e/query?status=!closed&format=csv&col=summary&col=description").text


def _ref(number: int) -> TrackerRef:
    return TrackerRef("trac", "e2e", number)
