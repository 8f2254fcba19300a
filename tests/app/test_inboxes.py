"""Deliveries go to the inbox the recipient's actor document names (fetched, cached in the
peers table), and to ``{actor}/inbox/`` only when the document cannot be had — said in the
audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bridge.app.inboxes import Inboxes, default_inbox, inbox_from_document
from bridge.core.errors import TransientError
from bridge.store import audit, outbox, peers
from tests.service.bridge_env import bridge_env
from tests.service.test_e2e_case_owner import step

ACTOR = "https://peer.example/actors/p"


def test_the_document_names_the_inbox() -> None:
    assert inbox_from_document(ACTOR, {"id": ACTOR, "inbox": "https://peer.example/in"}) == (
        "https://peer.example/in", "document")
    assert inbox_from_document(ACTOR, {"id": ACTOR, "inbox": {"id": ACTOR + "/box"}})[0] == (
        ACTOR + "/box")


def test_the_reference_spelling_without_slash_is_posted_with_it() -> None:
    assert inbox_from_document(ACTOR, {"id": ACTOR, "inbox": ACTOR + "/inbox"})[0] == (
        ACTOR + "/inbox/")


@pytest.mark.parametrize("document", [
    {"id": "https://elsewhere.example/actors/p", "inbox": ACTOR + "/inbox/"},
    {"id": ACTOR}, {"id": ACTOR, "inbox": "ftp://peer.example/in"}, {"id": ACTOR, "inbox": 3},
])
def test_a_document_that_is_not_the_actors_or_names_no_inbox_gives_none(
        document: dict[str, Any]) -> None:
    inbox, why = inbox_from_document(ACTOR, document)
    assert inbox is None and why


def test_delivery_goes_to_the_inbox_the_document_names_and_caches_it(tmp_path: Path) -> None:
    with bridge_env(tmp_path, workers=False) as env:
        env.receiver.inbox_paths["finder"] = "/inboxes/finder"
        _, ref = env.seed_report()
        env.human_label(ref, "vultron:valid")
        got = step(env)
        assert [a["type"] for a in got] == ["Accept", "Create"]
        assert env.receiver.paths == ["/inboxes/finder", "/inboxes/finder"]
        with env.rt.sessions() as s:
            rows = outbox.list_outbox(s, status="delivered")
            peer = peers.get_peer(s, env.finder)
            kinds = [e["kind"] for e in audit.export(s)]
            delivered = [e["data"]["inbox"] for e in audit.export(s)
                         if e["kind"] == "delivery.delivered"]
        wanted = f"{env.receiver_url}/inboxes/finder"
        assert {r.inbox_url for r in rows} == {wanted}
        assert {r.destination for r in rows} == {default_inbox(env.finder)}  # the order key
        assert delivered == [wanted, wanted]
        assert peer is not None and peer.inbox_url == wanted and peer.fetched_at is not None
        assert "delivery.inbox_guessed" not in kinds


def test_without_a_document_the_default_inbox_is_used_and_audited(tmp_path: Path) -> None:
    with bridge_env(tmp_path, workers=False) as env:
        env.receiver.documents = False
        _, ref = env.seed_report()
        env.human_label(ref, "vultron:valid")
        assert [a["type"] for a in step(env)] == ["Accept", "Create"]
        assert env.receiver.paths == ["/actors/finder/inbox/"] * 2
        with env.rt.sessions() as s:
            guessed = [e for e in audit.export(s) if e["kind"] == "delivery.inbox_guessed"]
        # asked once, then not again within the retry period (the fallback is remembered)
        assert len(guessed) == 1
        assert guessed[0]["data"]["inbox"] == default_inbox(env.finder)
        assert "404" in guessed[0]["data"]["reason"]


class _Rt:
    """Just enough Runtime for ``Inboxes`` with a fixed clock."""

    def __init__(self, real: Any, t: float) -> None:
        self._real, self.t = real, t
        self.sessions, self.readers = real.sessions, real.readers

    def clock(self) -> float:
        return self.t


def test_a_failed_fetch_is_retried_after_the_period_and_a_good_one_is_kept(
        tmp_path: Path) -> None:
    with bridge_env(tmp_path, workers=False) as env:
        rt = _Rt(env.rt, 1000.0)
        calls: list[str] = []
        answers: list[Any] = [TransientError("down"), {"id": ACTOR, "inbox": ACTOR + "/in"}]

        def fetch(actor: str) -> dict[str, Any]:
            calls.append(actor)
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return dict(answer)

        inboxes = Inboxes(rt, fetch, ttl=3600, retry_after=300)  # type: ignore[arg-type]
        assert inboxes.resolve(ACTOR) == default_inbox(ACTOR)
        rt.t += 299
        assert inboxes.resolve(ACTOR) == default_inbox(ACTOR) and len(calls) == 1
        rt.t += 2
        assert inboxes.resolve(ACTOR) == ACTOR + "/in" and len(calls) == 2
        rt.t += 3000
        assert inboxes.resolve(ACTOR) == ACTOR + "/in" and len(calls) == 2  # cached
