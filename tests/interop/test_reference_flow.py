"""Interoperability: the reference implementation's whole flow, replayed through the inbox
with the exact bytes and headers it sends (``corpus/vultron/reference-server``), after the
finder's ``Offer(VulnerabilityReport)`` for the report those captures name.

The reference server signs nothing: its actors are configured as a trusted peer
(``http://127.0.0.1:7999/api/v2/actors/``). The captures were posted to the finder's inbox;
here they go to the bridge's (only the path differs)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bridge.store import links, state
from bridge.store.models import Outbox
from tests.fakes.github.model import User
from tests.paths import VULTRON_CORPUS
from tests.support.app_env import VENDOR_BASE, Env, make_env

CAPTURES = VULTRON_CORPUS / "reference-server"
REFERENCE = "http://127.0.0.1:7999/api/v2/actors/"
FINDER = "http://127.0.0.1:8123/actors/ext-finder"
REPORT = "http://127.0.0.1:8123/reports/report-ced0139d"
OFFER = "http://127.0.0.1:8123/activities/offer-ced0139d"
CASE = "urn:uuid:c0512da9-a967-4bde-9cb0-e0c203654a49"
CASE_ACTOR = f"{REFERENCE}case-actor-33fffab5c10f"
VENDOR = f"{REFERENCE}vendor"
OURS = f"{VENDOR_BASE}/actors/vendor"


def captures() -> list[tuple[str, bytes, dict[str, str]]]:
    """(name, body bytes, headers) in the order the server sent them (ledger index, then the
    case itself); the bytes are the server's (Content-Length checks it)."""
    out = []
    for path in CAPTURES.glob("*.json"):
        data: dict[str, Any] = json.loads(path.read_bytes())
        body = json.dumps(data["body"], separators=(",", ":"), ensure_ascii=False).encode()
        assert len(body) == int(data["headers"]["Content-Length"]), path.name
        obj = data["body"]["object"]
        order = obj.get("logIndex", 10**6) if obj.get("type") == "CaseLedgerEntry" else 10**6
        out.append((order, path.name, body, dict(data["headers"])))
    return [(name, body, headers) for _, name, body, headers in sorted(out)]


def finder_offer() -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Offer", "id": OFFER,
        "actor": FINDER, "to": [OURS],
        "object": {"type": "VulnerabilityReport", "id": REPORT, "name": "finding-ced0139d",
                   "content": "I found a vulnerability!", "attributedTo": FINDER},
    }


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[Env]:
    with make_env(tmp_path, trusted=[(REFERENCE, None), (FINDER, None)]) as env:
        assert env.post(finder_offer()).status_code == 202
        assert env.work() == ["done"]
        for name, body, headers in captures():
            response = env.post(body, headers)
            assert response.status_code == 202, (name, response.text)
            assert response.json()["status"] == "accepted", name
        env.work()
        yield env


def test_the_reference_flow_mirrors_into_one_issue(flow: Env) -> None:
    assert [status for status, _ in flow.inbound_rows()] == ["done"] * 6
    repo = flow.tracker.fake.repos["acme/embargoed"]
    assert len(repo.issues) == 1
    issue = repo.issues[1]
    assert "I found a vulnerability!" in issue.body
    assert {"vultron:received", "vultron:embargo-active"} <= set(issue.labels)
    tables = [c.body for c in issue.comments if "participants of" in c.body]
    assert tables and all(a in tables[-1] for a in (CASE_ACTOR, VENDOR, FINDER, OURS))


def test_links_and_state(flow: Env) -> None:
    with flow.rt.sessions() as session:
        report_links = {(x.ref, x.relation.value) for x in links.links_for_subject(session, REPORT)}
        case_links = {(x.ref, x.relation.value) for x in links.links_for_subject(session, CASE)}
        case = state.get_case(session, CASE)
        report = state.get_case(session, REPORT)
        people = {p.actor: (p.rm_state, p.roles, p.em_consent)
                  for p in state.participants_for_case(session, CASE)}
    assert report_links == {("github:acme/embargoed#1", "mirrors")}
    assert case_links == {("github:acme/embargoed#1", "tracks")}
    assert case is not None and case.em_state == "ACTIVE" and case.cs_state == "Vfd.pxa"
    assert case.data["kind"] == "case" and case.data["reports"] == [REPORT]
    assert case.data["finder"] == FINDER and case.data["offer_id"] == OFFER
    assert report is not None and report.data["case_id"] == CASE
    assert people[CASE_ACTOR] == ("ACCEPTED", ["coordinator", "case_manager"], "SIGNATORY")
    assert people[VENDOR] == ("RECEIVED", ["vendor", "case_owner"], "SIGNATORY")
    assert people[FINDER][0:2] == ("ACCEPTED", ["reporter"])
    assert people[OURS][0] == "RECEIVED"


def test_triage_after_the_flow_answers_the_case(flow: Env) -> None:
    """The mirrored state drives the outbound path: validating the issue sends RV (carrying
    the finder's Offer) to whom it answers, the finder, with the case's case actor in cc (the
    reference routes participants' messages through it) — not to the other vendor."""
    fake = flow.tracker.fake
    repo = fake.repos["acme/embargoed"]
    issue = repo.issues[1]
    issue.labels.append("vultron:valid")
    fake.hooks.emit("issues", {
        "action": "labeled", "issue": fake.render.issue(repo, issue),
        "label": {"name": "vultron:valid", "color": "0e8a16", "id": 1, "default": False,
                  "node_id": "x", "url": "u", "description": None},
        "repository": fake.render.repo(repo), "sender": fake.render.user(User("maintainer"))})
    headers, body = flow.tracker.deliveries[-1]
    assert flow.client.post("/webhooks/github", content=body, headers=headers).status_code == 202
    flow.work()
    with flow.rt.sessions() as session:
        rows = session.execute(select(Outbox.recipient, Outbox.activity)).all()
    recipients = {r.recipient for r in rows}
    assert recipients == {CASE_ACTOR, FINDER}
    assert {r.activity["type"] for r in rows} == {"Accept"}
    assert {(tuple(r.activity["to"]), tuple(r.activity["cc"])) for r in rows} == {
        ((FINDER,), (CASE_ACTOR,))}
    assert {r.activity["context"] for r in rows} == {CASE}
    assert {r.activity["object"]["id"] for r in rows} == {OFFER}
