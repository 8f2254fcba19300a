"""Attack 1 of the authorization review: a stranger with a valid identity (here: a trusted
peer prefix, so every request authenticates) speaks about a report or case that is not theirs.

Each attempt is posted through the real inbox and processed by the real worker. What must
hold: the store is the same before and after (cases, participants, links, objects but the
audit and the input itself), the tracker got no report content, the stranger is not among
the report's members — the audience of anything about it (so the ``Accept`` carrying the
report, sent when the maintainer validates, never reaches them), and the refusal is
recorded with its rule. Every test prints its matrix (attempts, refused, leaked)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bridge.app.subjects import members
from bridge.store import links, state
from bridge.store.models import CaseState, Link, Participant, StoredObject
from bridge.store.state import case_data
from tests.support.app_env import FINDER, VENDOR_BASE, Env, make_env, offer

STRANGER = "https://stranger.example/actors/mallory"
COORD = "https://coord.example/actors/coordinator"
REPORT = "https://finder.example/reports/1"
CASE = "https://coord.example/cases/1"
THEIR_CASE = "https://stranger.example/cases/evil"
OURS = f"{VENDOR_BASE}/actors/vendor"
AS = "https://www.w3.org/ns/activitystreams"


def act(kind: str, obj: Any, n: str, actor: str = STRANGER, **extra: Any) -> dict[str, Any]:
    return {"@context": AS, "type": kind, "id": f"{actor}/activities/{n}", "actor": actor,
            "object": obj, **extra}


def snapshot(env: Env) -> dict[str, Any]:
    """Everything an inbound activity may change about what is ours — but the audit log, the
    inputs, and a case the stranger owns (it may own cases; it may not touch ours)."""
    def ours(ident: str) -> bool:
        return not ident.startswith(THEIR_CASE) and not ident.startswith("mirror-plan:")

    with env.rt.sessions() as session:
        return {
            "cases": sorted((r.case_id, r.em_state, r.cs_state, str(sorted(r.data.items())))
                            for r in session.execute(select(CaseState)).scalars()
                            if ours(r.case_id)),
            "participants": sorted((p.case_id, p.actor, p.rm_state, str(p.roles))
                                   for p in session.execute(select(Participant)).scalars()
                                   if ours(p.case_id)),
            "links": sorted((x.subject, x.ref) for x in session.execute(select(Link)).scalars()),
            "objects": sorted(o.id for o in session.execute(select(StoredObject)).scalars()
                              if ours(o.id)),
        }


REFUSALS = ("mirror.refused", "mirror.refused_reports")


def issue_bodies(env: Env) -> list[str]:
    issues = env.tracker.fake.repos["acme/embargoed"].issues
    return [i.body for i in issues.values()] + [c.body for i in issues.values()
                                                for c in i.comments]


@pytest.fixture
def senv(tmp_path: Path) -> Iterator[Env]:
    trusted = [(FINDER, None), ("https://stranger.example/actors/", None),
               ("https://coord.example/actors/", None)]
    with make_env(tmp_path, trusted=trusted) as env:
        env.post(offer(content="EMBARGOED-CANARY secret detail"))
        assert env.work() == ["done"]
        yield env


def case_doc(case_id: str, owner: str, reports: list[str]) -> dict[str, Any]:
    return {"type": "VulnerabilityCase", "id": case_id, "attributedTo": owner,
            "caseParticipants": [{"type": "CaseParticipant", "attributedTo": owner,
                                  "context": case_id, "caseRoles": ["case_owner", "vendor"]}],
            "vulnerabilityReports": reports}


ATTEMPTS: dict[str, list[dict[str, Any]]] = {
    "Join(report)": [act("Join", {"type": "VulnerabilityCase", "id": REPORT}, "j1")],
    "Join(case)": [act("Join", CASE, "j2")],
    "Add(CaseParticipant) of itself": [act("Add", {
        "type": "CaseParticipant", "attributedTo": STRANGER, "context": REPORT,
        "caseRoles": ["vendor"]}, "p1", target=REPORT)],
    "second Offer of the report id": [act("Offer", {
        "type": "VulnerabilityReport", "id": REPORT, "content": "merged?"}, "o1",
        target=OURS, to=[OURS])],
    "Create(VulnerabilityCase) naming our report": [
        act("Create", case_doc(THEIR_CASE, STRANGER, [REPORT]), "c1")],
    "Remove(EmbargoEvent)": [act("Remove", {"type": "EmbargoEvent", "id": "urn:e:1",
                                            "context": REPORT}, "r1", target=REPORT)],
    "Add(ParticipantStatus) for the finder": [act("Add", {
        "type": "ParticipantStatus", "context": REPORT, "attributedTo": FINDER,
        "rmState": "CLOSED"}, "s1")],
    "Create(Note) on the report": [act("Create", {
        "type": "Note", "id": "urn:n:1", "context": REPORT, "content": "/close"}, "n1",
        target=REPORT)],
    "Invite(EmbargoEvent) on the report": [act("Invite", {
        "type": "EmbargoEvent", "id": "urn:e:2", "context": REPORT,
        "endTime": "2030-01-01T00:00:00Z"}, "i1", target=REPORT)],
}


@pytest.mark.parametrize("name", sorted(ATTEMPTS))
def test_a_stranger_changes_nothing_and_receives_nothing(senv: Env, name: str) -> None:
    before = snapshot(senv)
    bodies_before = issue_bodies(senv)
    audits_before = [k for k in senv.audit_kinds() if k in REFUSALS]
    for activity in ATTEMPTS[name]:
        assert senv.post(activity).status_code == 202
    senv.work()
    assert snapshot(senv) == before
    refused = [k for k in senv.audit_kinds() if k in REFUSALS][len(audits_before):]
    with senv.rt.sessions() as session:
        audience = set(members(session, REPORT, case_data(session, REPORT)))
        linked = [x.ref for x in links.links_for_subject(session, THEIR_CASE)]
    leaked = int(STRANGER in audience) + len(linked) + sum(
        "EMBARGOED-CANARY" in b for b in issue_bodies(senv)[len(bodies_before):])
    attempts = len(ATTEMPTS[name])
    print(f"\n{name}: attempts={attempts} refused={len(refused)} leaked={leaked}")
    assert len(refused) == attempts and leaked == 0


def test_refusals_are_told_privately_on_the_report_issue(senv: Env) -> None:
    senv.post(ATTEMPTS["Join(report)"][0])
    senv.work()
    issue = senv.tracker.fake.repos["acme/embargoed"].issues[1]
    told = [c.body for c in issue.comments if "refused a protocol message" in c.body]
    assert len(told) == 1 and STRANGER in told[0] and "Nothing was changed" in told[0]
    assert "EMBARGOED-CANARY" not in told[0]


def test_a_legitimate_owner_still_creates_its_case_with_our_report(senv: Env) -> None:
    """The control: the same Create from a coordinator whose case takes in the report's
    finder is accepted and linked (so the refusals above are about who, not about shape)."""
    doc = case_doc(CASE, COORD, [REPORT])
    doc["caseParticipants"].append({"type": "CaseParticipant", "attributedTo": FINDER,
                                    "context": CASE, "caseRoles": ["finder"]})
    senv.post(act("Create", doc, "c1", actor=COORD))
    senv.work()
    with senv.rt.sessions() as session:
        refs = [x.ref for x in links.links_for_subject(session, CASE)]
        record = state.get_case(session, CASE)
    assert refs == ["github:acme/embargoed#1"]
    assert record is not None and record.data["owner"] == COORD


def test_a_strangers_case_never_holds_another_partys_report(senv: Env) -> None:
    """The stranger may own a case of its own; it cannot pull our report into it — neither
    in the case document nor by a later Add(report → case)."""
    senv.post(act("Create", case_doc(THEIR_CASE, STRANGER, []), "c1"))
    senv.post(act("Add", {"type": "VulnerabilityReport", "id": REPORT}, "a1",
                  target=THEIR_CASE))
    senv.work()
    with senv.rt.sessions() as session:
        refs = [x.ref for x in links.links_for_subject(session, THEIR_CASE)]
        report = state.get_case(session, REPORT)
        audience = set(members(session, REPORT, case_data(session, REPORT)))
    rows = senv.inbound_rows()[-2:]
    print(f"\nAdd(report -> stranger's case): attempts=1 "
          f"refused={int('report_owner' in (rows[1][1] or ''))} leaked={len(refs)}")
    assert refs == [] and report is not None and "case_id" not in report.data
    assert STRANGER not in audience
    assert "refused (report_owner)" in (rows[1][1] or "")
