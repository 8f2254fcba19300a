"""The plugin's webhooks, against a real tracd: each ticket change reaches the bridge signed
like GitHub and parses into the events of docs/trac.md; a bridge that is down or failing
loses nothing (the row waits in vultron_outbox and is sent, with the same delivery id, once
the bridge answers)."""

from __future__ import annotations

import httpx
import pytest

from adapters.spec import WebhookSettings
from adapters.trac.webhooks import verify_and_parse
from bridge.core.errors import AuthenticationError
from bridge.core.events import EventKind, WebhookResult
from tests.adapters.trac.fixtures import TracProject
from tests.adapters.trac.tracd import TOKEN, TracServer, change, wait_for
from tests.support.servers import Answer, Receiver

SECRET = "hook-secret-for-tests"
HOOK = "/webhooks/trac"


def _parse(delivery: object, secret: str = SECRET) -> WebhookResult:
    return verify_and_parse(delivery.headers, delivery.body,  # type: ignore[attr-defined]
                            WebhookSettings(tracker="trac", secrets=(secret,)))


def _bridge(status: int = 202) -> Receiver:
    """The bridge's ``/webhooks/trac`` on loopback: records every delivery, answers ``status``."""
    return Receiver(answers={HOOK: Answer(status)})


def _project(server: TracServer, name: str, url: str) -> TracProject:
    server.new_env(name, webhook_url=url, secret=SECRET)
    return TracProject(server, name)


def _queued(project: TracProject) -> list[tuple[int, int]]:
    return [(int(a), int(d)) for a, d in project.server.query(
        project.name, "SELECT attempts, dead FROM vultron_outbox ORDER BY id")]


def test_a_keyword_change_and_a_command_reach_the_bridge_signed(
        trac_server: TracServer) -> None:
    with _bridge() as bridge, _project(trac_server, "hooks1", bridge.base + HOOK) as project:
        adapter = project.adapter()
        ref = adapter.ensure_private_issue(project.destination, "urn:report:h1", "R", "body",
                                           ["vultron:received"]).ref
        assert ref.number is not None
        change(trac_server, project.name, ref.number, "alice",
               keywords="vultron:received vultron:valid", comment="/vultron engage")
        assert bridge.wait_until(lambda: len(bridge.requests) >= 2, timeout=15), "two deliveries"
    created, changed = (_parse(d) for d in bridge.requests[:2])
    assert created.event_name == "ticket.created"
    assert created.events[0].kind is EventKind.OPENED and created.events[0].actor == "vultron-bot"
    kinds = {(e.kind, e.label) for e in changed.events}
    assert (EventKind.LABELED, "vultron:valid") in kinds
    command = next(e for e in changed.events if e.kind is EventKind.COMMAND)
    assert command.command is not None and command.command.name == "engage"
    assert all(e.ref == ref and e.actor == "alice" and e.private for e in changed.events)
    assert changed.delivery_id and changed.delivery_id != created.delivery_id
    with pytest.raises(AuthenticationError):
        _parse(bridge.requests[1], secret="another-secret")
    assert _queued(project) == []


def test_a_bridge_that_is_down_loses_nothing(trac_server: TracServer) -> None:
    with _bridge(503) as bridge, _project(trac_server, "hooks2", bridge.base + HOOK) as project:
        adapter = project.adapter()
        ref = adapter.ensure_private_issue(project.destination, "urn:report:h2", "R", "b").ref
        assert ref.number is not None
        change(trac_server, project.name, ref.number, "alice", keywords="vultron:invalid")
        # both kept; the first tried (and retried), the second waiting behind it, in order
        wait_for(lambda: len(queued := _queued(project)) == 2 and queued[0][0] >= 1,
                 "both changes queued, the first tried")
        queued = _queued(project)
        assert not any(dead for _, dead in queued)
        assert queued[1][0] == 0  # never tried ahead of the first
        first_try = bridge.requests[0].headers["x-trac-delivery"]
        with bridge.lock:
            bridge.answers[HOOK] = Answer(202)
        httpx.get(f"{trac_server.url}/{project.name}/wiki", timeout=30)  # tracd resumes sending
        wait_for(lambda: _queued(project) == [], "the queue drained", attempts=600)
    accepted = [d for d in bridge.requests if d.headers.get("x-trac-delivery")]
    ids = [d.headers["x-trac-delivery"] for d in accepted]
    assert first_try in ids and ids.count(first_try) >= 2  # retried under the same id
    parsed = [_parse(d) for d in accepted]
    order = [p.event_name for p in parsed if p.delivery_id in dict.fromkeys(ids)]
    assert order.index("ticket.created") < order.index("ticket.changed")
    labels = [e.label for p in parsed for e in p.events if e.kind is EventKind.LABELED]
    assert "vultron:invalid" in labels


def test_the_api_token_is_checked_by_hash(trac_server: TracServer) -> None:
    project = _project(trac_server, "hooks3", "")
    url = f"{trac_server.url}/{project.name}/vultron/api/whoami"
    mine = httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert mine.status_code == 200 and mine.json()["user"] == "vultron-bot"
    assert "SECURITY_VIEW" in mine.json()["permissions"]
    assert httpx.get(url, headers={"Authorization": "Bearer x"}, timeout=30).status_code == 401
