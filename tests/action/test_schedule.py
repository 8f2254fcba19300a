"""``schedule``: polling peers' outboxes (paged, cursor kept in the tracker) and retrying
deliveries that failed in earlier runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from bridge.core import stateblock
from tests.action.harness import OUR_ACTOR, action_env
from tests.support.servers import Receiver, running_app


class Outbox:
    """A peer's outbox, newest first, two items a page, paged through first/next."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.gets = 0
        self.base = ""

    def add(self, n: int, *, to: str = OUR_ACTOR) -> None:
        actor = f"{self.base}/actors/coord"
        self.items.insert(0, {
            "@context": "https://www.w3.org/ns/activitystreams", "type": "Offer",
            "id": f"{self.base}/activities/offer-{n}", "actor": actor, "to": [to],
            "object": {"type": "VulnerabilityReport", "id": f"{self.base}/reports/{n}",
                       "name": f"R-{n}", "content": f"polled report {n}"},
        })

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/actors/coord/outbox")
        def collection(page: int = 0) -> dict[str, Any]:
            self.gets += 1
            url = f"{self.base}/actors/coord/outbox"
            if page == 0:
                return {"type": "OrderedCollection", "id": url, "totalItems": len(self.items),
                        "first": f"{url}?page=1"}
            chunk = self.items[(page - 1) * 2: page * 2]
            body: dict[str, Any] = {"type": "OrderedCollectionPage", "id": f"{url}?page={page}",
                                    "partOf": url, "orderedItems": chunk}
            if page * 2 < len(self.items):
                body["next"] = f"{url}?page={page + 1}"
            return body

        return app


def test_poll_mirrors_new_activities_once_and_keeps_the_cursor(tmp_path: Path) -> None:
    outbox = Outbox()
    with running_app(outbox.app()) as base, action_env(tmp_path) as env:
        outbox.base = base
        outbox.add(1)
        outbox.add(2, to=f"{base}/actors/someone-else")
        outbox.add(3)
        env.poll = [f"{base}/actors/coord/outbox"]
        first = env.run("schedule", {})
        assert first.code == 0, first.output
        reports = sorted(i.title for i in env.issues() if "Vulnerability report" in i.title)
        assert reports == ["Vulnerability report: R-1", "Vulnerability report: R-3"]
        assert "2 page(s), 2 new activities for us" in first.summary
        holder = [i for i in env.issues() if "vultron-bridge state" in i.title]
        assert len(holder) == 1 and stateblock.BEGIN in (holder[0].body or "")
        report_numbers = {str(i.number) for i in env.issues() if i not in holder}
        assert first.outputs["issue"] in report_numbers  # never the state holder
        second = env.run("schedule", {})
        assert second.code == 0, second.output
        assert len(env.issues()) == 3
        assert "1 page(s), 0 new activities" in second.summary
        outbox.add(4)
        third = env.run("schedule", {})
        assert third.code == 0, third.output
        assert len(env.issues()) == 4
        assert "1 new activities for us" in third.summary


def test_poll_refuses_activities_of_another_server(tmp_path: Path) -> None:
    outbox = Outbox()
    with running_app(outbox.app()) as base, action_env(tmp_path) as env:
        outbox.base = base
        outbox.add(1)
        outbox.items[0]["actor"] = "https://elsewhere.example/actors/mallory"
        env.poll = [f"{base}/actors/coord/outbox"]
        result = env.run("schedule", {})
        assert result.code == 0, result.output
        assert not [i for i in env.issues() if "Vulnerability report" in i.title]
        assert "not on the outbox's server" in result.summary


def test_failed_delivery_is_retried_by_the_next_schedule_run(tmp_path: Path) -> None:
    receiver = Receiver(faults=[(500, None)] * 100)
    with action_env(tmp_path, receiver=receiver) as env:
        env.dispatch(env.offer())
        number = env.issues()[0].number
        triage = env.run("issues", env.label_event(number, "vultron:valid"))
        assert triage.code == 0, triage.output
        tried = receiver.attempts  # one per delivery round at least (more when a retry is due)
        assert receiver.received == [] and tried >= 3
        assert "retried by a later run" in triage.summary
        assert triage.outputs["messages-sent"] == "0"
        receiver.faults.clear()  # the peer is back
        retry = env.run("schedule", {})
        assert retry.code == 0, retry.output
        # RV, then the case it created (which waited behind RV for its inbox)
        assert [a["type"] for a in receiver.received] == ["Accept", "Create"]
        assert retry.outputs["messages-sent"] == "2"
        assert f"attempt {tried + 1}" in retry.summary
        calm = env.run("schedule", {})
        assert calm.code == 0 and receiver.attempts == tried + 2
