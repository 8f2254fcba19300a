"""Cases, statuses, participants, notes and engagement → state, links, labels, comments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bridge.core.markers import has_marker
from bridge.store import cases, db, links, state
from bridge.store.cases import INVITATION, seed_invited_case
from tests.support.app_env import FINDER, VENDOR_BASE, Env, make_env, offer

COORD = "https://coord.example/actors/coordinator"
OTHER = "https://other.example/actors/vendor2"
CASE = "https://coord.example/cases/1"
REPORT = "https://finder.example/reports/1"
OURS = f"{VENDOR_BASE}/actors/vendor"
AS = "https://www.w3.org/ns/activitystreams"


@pytest.fixture
def cenv(tmp_path: Path) -> Iterator[Env]:
    trusted = [(FINDER, None), ("https://coord.example/actors/", None),
               ("https://other.example/actors/", None)]
    with make_env(tmp_path, trusted=trusted) as env:
        env.post(offer())
        assert env.work() == ["done"]
        yield env


def participant(actor: str, roles: list[str], rm: str, n: int) -> dict[str, Any]:
    return {"type": "CaseParticipant", "id": f"{CASE}/participants/{n}", "attributedTo": actor,
            "context": CASE, "caseRoles": roles,
            "participantStatuses": [{"type": "ParticipantStatus", "context": CASE,
                                     "attributedTo": actor, "rmState": rm}]}


def case_doc(em: str = "NONE", pxa: str = "pxa") -> dict[str, Any]:
    return {
        "type": "VulnerabilityCase", "id": CASE, "attributedTo": COORD,
        "caseParticipants": [participant(COORD, ["coordinator"], "ACCEPTED", 1),
                             participant(FINDER, ["finder"], "ACCEPTED", 2),
                             participant(OURS, ["vendor"], "CLOSED", 3)],
        "vulnerabilityReports": [REPORT],
        "caseStatuses": [{"type": "CaseStatus", "context": CASE, "emState": em,
                          "pxaState": pxa}],
    }


def activity(kind: str, obj: Any, n: str, actor: str = COORD, **extra: Any) -> dict[str, Any]:
    return {"@context": AS, "type": kind, "id": f"https://coord.example/activities/{n}",
            "actor": actor, "object": obj, **extra}


def issue(env: Env) -> Any:
    return env.tracker.fake.repos["acme/embargoed"].issues[1]


def test_create_case_links_the_report_issue_and_sets_state(cenv: Env) -> None:
    assert cenv.post(activity("Create", case_doc(em="ACTIVE", pxa="Pxa"), "c1")).status_code \
        == 202
    assert cenv.work() == ["done"]
    with cenv.rt.sessions() as session:
        found = {(link.ref, link.relation.value) for link in links.links_for_subject(
            session, CASE)}
        record = state.get_case(session, CASE)
        report = state.get_case(session, REPORT)
        people = {p.actor: (p.rm_state, p.roles) for p in state.participants_for_case(
            session, CASE)}
    assert found == {("github:acme/embargoed#1", "tracks")}
    assert record is not None and record.data["kind"] == "case"
    assert record.data["reports"] == [REPORT] and record.data["case_object_id"] == CASE
    assert (record.em_state, record.cs_state) == ("ACTIVE", "Vfd.Pxa")
    assert record.data["finder"] == FINDER
    assert report is not None and report.data["case_id"] == CASE
    assert people[COORD] == ("ACCEPTED", ["coordinator"])
    assert people[FINDER][0] == "ACCEPTED"
    assert people[OURS][0] == "RECEIVED"  # our RM is ours, not the peer's view of it
    labels = issue(cenv).labels
    assert "vultron:embargo-active" in labels and "vultron:public" in labels
    tables = [c for c in issue(cenv).comments if "participants of" in c.body]
    assert len(tables) == 1 and COORD in tables[0].body and "(this bridge)" in tables[0].body
    # the same case again: no new comment, no second link
    cenv.post(activity("Update", case_doc(em="ACTIVE", pxa="Pxa"), "c2"))
    assert cenv.work() == ["done"]
    assert len([c for c in issue(cenv).comments if "participants of" in c.body]) == 1


def test_add_report_to_case_before_the_offer_links_when_the_offer_comes(
        tmp_path: Path) -> None:
    with make_env(tmp_path, trusted=[(FINDER, None), ("https://coord.example/", None)]) as env:
        doc = {**case_doc(), "vulnerabilityReports": []}
        env.post(activity("Create", doc, "c0"))
        report = {"type": "VulnerabilityReport", "id": REPORT}
        env.post(activity("Add", report, "a1", target=CASE))
        env.post(offer())
        assert env.work() == ["done", "done", "done"]
        with env.rt.sessions() as session:
            refs = [link.ref for link in links.links_for_subject(session, CASE)]
        assert refs == ["github:acme/embargoed#1"]  # the finder takes part in the case


def test_a_case_that_claimed_a_report_early_is_not_linked_when_its_finder_is_not_in_it(
        tmp_path: Path) -> None:
    with make_env(tmp_path, trusted=[(FINDER, None), ("https://coord.example/", None)]) as env:
        doc = {**case_doc(), "vulnerabilityReports": [],
               "caseParticipants": [participant(COORD, ["coordinator"], "ACCEPTED", 1)]}
        env.post(activity("Create", doc, "c0"))
        env.post(activity("Add", {"type": "VulnerabilityReport", "id": REPORT}, "a1",
                          target=CASE))
        env.post(offer())
        assert env.work() == ["done", "done", "done"]
        with env.rt.sessions() as session:
            refs = [link.ref for link in links.links_for_subject(session, CASE)]
        assert refs == []  # the report's finder never took part in that case


def test_participant_status_updates_the_table(cenv: Env) -> None:
    cenv.post(activity("Create", case_doc(), "c1"))
    status = {"type": "ParticipantStatus", "context": CASE, "attributedTo": OTHER,
              "rmState": "VALID", "cvdRole": ["vendor"]}
    cenv.post(activity("Add", status, "s1", target=f"{CASE}/participants/9"))
    assert cenv.work() == ["done", "done"]
    with cenv.rt.sessions() as session:
        other = state.get_participant(session, CASE, OTHER)
    assert other is not None and (other.rm_state, other.roles) == ("VALID", ["vendor"])
    tables = [c.body for c in issue(cenv).comments if "participants of" in c.body]
    assert len(tables) == 2 and OTHER in tables[-1]


def test_a_status_arriving_after_a_later_one_does_not_move_rm_back(cenv: Env) -> None:
    """The case actor replays its ledger concurrently (live: the case actor's ACCEPTED before
    its VALID): an RM no transition reaches from the stored one is carried forward, as the
    reference does; the rest of the status still applies."""
    cenv.post(activity("Create", case_doc(), "c1"))
    for n, rm in enumerate(("ACCEPTED", "VALID")):
        status = {"type": "ParticipantStatus", "context": CASE, "attributedTo": OTHER,
                  "rmState": rm, "cvdRole": ["vendor"]}
        cenv.post(activity("Add", status, f"s{n}", target=f"{CASE}/participants/9"))
    assert cenv.work() == ["done", "done", "done"]
    with cenv.rt.sessions() as session:
        other = state.get_participant(session, CASE, OTHER)
    assert other is not None and (other.rm_state, other.roles) == ("ACCEPTED", ["vendor"])


def test_case_status_sets_em_and_pxa_labels(cenv: Env) -> None:
    cenv.post(activity("Create", case_doc(), "c1"))
    status = {"type": "CaseStatus", "context": CASE, "emState": "ACTIVE", "pxaState": "pXa"}
    cenv.post(activity("Add", status, "s2", target=CASE))
    assert cenv.work() == ["done", "done"]
    labels = issue(cenv).labels
    assert "vultron:embargo-active" in labels and "vultron:exploit-public" in labels
    with cenv.rt.sessions() as session:
        record = state.get_case(session, CASE)
    assert record is not None and record.cs_state == "Vfd.pXa"


def test_a_note_becomes_one_private_comment(cenv: Env) -> None:
    cenv.post(activity("Create", case_doc(), "c1"))
    note = {"type": "Note", "id": f"{CASE}/notes/1", "context": CASE,
            "attributedTo": COORD, "content": "Patch attached <!-- vultron-bridge vb00 --> @team"}
    cenv.post(activity("Create", note, "n1", target=CASE))
    cenv.post(activity("Add", note, "n2", target=CASE))
    assert cenv.work() == ["done", "done", "done"]
    notes = [c.body for c in issue(cenv).comments if "note from" in c.body]
    assert len(notes) == 1
    assert "Patch attached" in notes[0] and "<!-- vultron-bridge vb00" not in notes[0]
    assert "@team" not in notes[0]  # mentions are defused
    assert has_marker(notes[0], f"note:{CASE}/notes/1")


@pytest.mark.parametrize(("kind", "rm"), [("Join", "ACCEPTED"), ("Ignore", "DEFERRED"),
                                         ("Leave", "CLOSED")])
def test_engagement_of_another_participant(cenv: Env, kind: str, rm: str) -> None:
    doc = case_doc()
    doc["caseParticipants"].append(participant(OTHER, ["vendor"], "RECEIVED", 4))
    cenv.post(activity("Create", doc, "c1"))
    cenv.post(activity(kind, CASE, f"e-{kind}", actor=OTHER))
    assert cenv.work() == ["done", "done"]
    with cenv.rt.sessions() as session:
        other = state.get_participant(session, CASE, OTHER)
    assert other is not None and other.rm_state == rm


@pytest.mark.parametrize("kind", ["Join", "Ignore", "Leave"])
def test_engagement_of_a_stranger_is_refused_and_changes_nothing(cenv: Env, kind: str) -> None:
    cenv.post(activity("Create", case_doc(), "c1"))
    cenv.work()
    with cenv.rt.sessions() as session:
        before = [(p.actor, p.rm_state) for p in state.participants_for_case(session, CASE)]
    cenv.post(activity(kind, CASE, f"e-{kind}", actor=OTHER))
    cenv.work()
    with cenv.rt.sessions() as session:
        after = [(p.actor, p.rm_state) for p in state.participants_for_case(session, CASE)]
    assert after == before
    status, reason = cenv.inbound_rows()[-1]
    assert status == "ignored" and "refused (not_participant)" in (reason or "")
    refusals = [c.body for c in issue(cenv).comments if "refused a protocol message" in c.body]
    assert len(refusals) == 1 and OTHER in refusals[0]


def test_unmapped_activities_are_ignored_with_a_reason(cenv: Env) -> None:
    cenv.post(activity("Like", CASE, "l1"))
    cenv.post(activity("Read", {"type": "Offer", "id": "x", "actor": FINDER,
                                "object": {"type": "VulnerabilityReport", "id": REPORT}}, "r1"))
    assert cenv.work() == ["done", "done"]
    rows = cenv.inbound_rows()[1:]
    assert [status for status, _ in rows] == ["ignored", "ignored"]
    assert all("no inbound mapping" in (reason or "") for _, reason in rows)
    assert cenv.audit_kinds().count("mirror.ignored") == 2


@pytest.mark.parametrize("spelled", ["Organization", "CoreActor"])
def test_a_replayed_invitation_neither_prompts_again_nor_reopens_an_answered_one(
        cenv: Env, spelled: str) -> None:
    """Live, the case actor replays its ledger once we joined — the Invite that brought us
    included: it must leave the answered invitation answered and post no second prompt. Its
    snapshot may name us by the reference's internal actor type (live: ``CoreActor``)."""
    invite = activity("Invite", {"id": OURS, "type": "Organization"}, "invite-1", to=[OURS],
                      cc=[COORD], target=CASE, roles=["vendor"])
    cenv.post(invite)
    assert cenv.work() == ["done"]
    key = INVITATION + CASE
    with db.transaction(cenv.rt.sessions) as s:
        record = state.get_object(s, key)
        assert record is not None and record.data["state"] == "pending"
        state.put_object(s, key, record.type, {**record.data, "state": "accepted"},
                         cenv.rt.clock())
        seed_invited_case(s, CASE, OURS, ["vendor"], cenv.rt.clock())
    prompts = len(cenv.tracker.fake.repos["acme/embargoed"].issues)
    replay = activity("Announce", {"type": "CaseLedgerEntry", "id": f"{CASE}/log/9",
                                   "caseId": CASE, "eventType": "invite_actor_to_case",
                                   "payloadSnapshot": {**invite, "object": {
                                       "id": OURS, "type": spelled}}},
                      "announce-9", to=[OURS])
    cenv.post(replay)
    assert cenv.work() == ["done"]
    (row,) = cenv.inbound_rows()[2:]
    assert row[0] == "ignored" and "a replay of an invitation already received" in str(row[1])
    with cenv.rt.sessions() as s:
        record = state.get_object(s, key)
    assert record is not None and record.data["state"] == "accepted"
    issues = cenv.tracker.fake.repos["acme/embargoed"].issues
    assert len(issues) == prompts
    assert sum("invites us" in c.body for i in issues.values() for c in i.comments) == 0


def test_an_older_snapshot_of_the_case_keeps_our_participant_id(cenv: Env) -> None:
    """Live (flow I): the case actor's ledger replays ``create_case`` — the case as it was
    before we joined — after the ``Announce(VulnerabilityCase)`` that named our participant.
    The stored case still names our CaseParticipant: our statuses are added to it."""
    doc = case_doc()
    doc["actorParticipantIndex"] = {COORD: f"{CASE}/participants/1",
                                    FINDER: f"{CASE}/participants/2",
                                    OURS: f"{CASE}/participants/3"}
    cenv.post(activity("Create", doc, "c1"))
    older = case_doc()
    older["caseParticipants"] = older["caseParticipants"][:2]
    older["actorParticipantIndex"] = {COORD: f"{CASE}/participants/1",
                                      FINDER: f"{CASE}/participants/2"}
    cenv.post(activity("Update", older, "c2"))
    assert cenv.work() == ["done", "done"]
    with cenv.rt.sessions() as session:
        stored = state.get_object(session, CASE)
    assert stored is not None
    assert stored.data["actorParticipantIndex"][OURS] == f"{CASE}/participants/3"
    assert stored.data["actorParticipantIndex"][FINDER] == f"{CASE}/participants/2"


def _our_leave_logged(event: str, by: str, n: str) -> dict[str, Any]:
    """A participant's ``Announce(CaseLedgerEntry)`` of our own ``Leave`` (as the reference's
    finder sends its case manager; the snapshot in the reference's ``object_``/``id_``)."""
    entry = {"type": "CaseLedgerEntry", "id": f"{CASE}/log/{n}", "caseId": CASE,
             "eventType": event, "payloadSnapshot": {
                 "type": "Leave", "actor": OURS, "context": CASE,
                 "object_": {"type": "VulnerabilityCase", "id_": CASE}}}
    return activity("Announce", entry, f"ledger-{n}", actor=by, to=[OURS])


def test_our_own_leave_relayed_by_a_participant_closing_the_case_closes_it(
        cenv: Env) -> None:
    """Live (flow A7): the finder closes when the case is fully closed and tells us only by
    announcing that ledger entry — our own Leave. That participant is CLOSED; our Leave
    changes nothing and nothing is refused. Another entry of ours, or one relayed by an
    actor not in the case, is only ignored as ours."""
    cenv.post(activity("Create", case_doc(), "c1"))
    cenv.post(_our_leave_logged("close_case", FINDER, "1"))
    cenv.post(_our_leave_logged("case_fully_closed", OTHER, "2"))
    cenv.post(_our_leave_logged("case_fully_closed", FINDER, "3"))
    cenv.work()
    rows = cenv.inbound_rows()
    assert [status for status, _ in rows] == ["done", "done", "ignored", "ignored", "done"]
    assert all(str(reason).startswith("our own Leave came back") for _, reason in rows[2:4])
    with cenv.rt.sessions() as session:
        finder = state.get_participant(session, CASE, FINDER)
        other = state.get_participant(session, CASE, OTHER)
        ours = state.get_participant(session, CASE, OURS)
    assert finder is not None and finder.rm_state == "CLOSED"
    assert other is None
    assert ours is not None and ours.rm_state == "RECEIVED"  # ours: from our tracker only
    assert not [c for c in issue(cenv).comments if "refused" in c.body]


def test_an_embargo_named_by_id_keeps_the_end_the_invitation_carried(cenv: Env) -> None:
    """Live (flow I): the Invite to the case carries the case inline, its active embargo with
    its end; the case actor's later documents name that embargo by id only. The case we
    joined holds that embargo with the end it was told — never a bare id."""
    embargo = {"type": "EmbargoEvent", "id": "urn:uuid:embargo-1", "context": CASE,
               "startTime": "2026-12-02T00:00:00Z", "endTime": "2027-03-02T19:27:13Z"}
    inline = {**case_doc("ACTIVE"), "activeEmbargo": embargo}
    invite = activity("Invite", {"id": OURS, "type": "Organization"}, "invite-1", to=[OURS],
                      cc=[COORD], target=inline, roles=["vendor"])
    cenv.post(invite)
    cenv.work()
    with db.transaction(cenv.rt.sessions) as s:
        seed_invited_case(s, CASE, OURS, ["vendor"], cenv.rt.clock())
    named = {**case_doc("ACTIVE"), "activeEmbargo": embargo["id"]}
    cenv.post(activity("Announce", named, "announce-case"))
    cenv.post(activity("Update", named, "update-case"))
    cenv.work()
    assert [status for status, _ in cenv.inbound_rows()] == ["done"] * 4
    with cenv.rt.sessions() as s:
        case = cases.load_case(s, CASE)
    assert case is not None and case.active_embargo is not None
    assert case.active_embargo.id == "urn:uuid:embargo-1"
    assert case.active_embargo.end == datetime(2027, 3, 2, 19, 27, 13, tzinfo=UTC)


def test_an_embargo_named_by_id_gets_the_end_a_replayed_invitation_carries(
        cenv: Env) -> None:
    """Live (flow I), the order it came in: the Invite names the case by id; the case's
    documents name its embargo by id; only the ledger's replay of the Invite carries the case
    inline, with the embargo's end. That end is the case's embargo's (same id only), and the
    replay still prompts nothing."""
    invite = activity("Invite", {"id": OURS, "type": "Organization"}, "invite-1", to=[OURS],
                      cc=[COORD], target=CASE, roles=["vendor"])
    cenv.post(invite)
    cenv.work()
    with db.transaction(cenv.rt.sessions) as s:
        seed_invited_case(s, CASE, OURS, ["vendor"], cenv.rt.clock())
    cenv.post(activity("Announce", {**case_doc("ACTIVE"), "activeEmbargo": "urn:uuid:e-1"},
                       "announce-case"))
    cenv.work()
    issues = cenv.tracker.fake.repos["acme/embargoed"].issues
    prompts = [c.body for i in issues.values() for c in i.comments]
    for n, embargo_id in enumerate(("urn:uuid:other", "urn:uuid:e-1")):
        embargo = {"type": "EmbargoEvent", "id": embargo_id, "context": CASE,
                   "endTime": f"2027-03-0{n + 1}T12:00:00Z"}
        snapshot = {**invite, "object": {"id": OURS, "type": "CoreActor"},
                    "target": {**case_doc("ACTIVE"), "activeEmbargo": embargo}}
        cenv.post(activity("Announce", {"type": "CaseLedgerEntry", "id": f"{CASE}/log/{n}",
                                        "caseId": CASE, "eventType": "invite_actor_to_case",
                                        "payloadSnapshot": snapshot}, f"ledger-{n}", to=[OURS]))
        cenv.work()
        with cenv.rt.sessions() as s:
            case = cases.load_case(s, CASE)
        assert case is not None and case.active_embargo is not None
        assert case.active_embargo.id == "urn:uuid:e-1"
        assert case.active_embargo.end == (
            None if n == 0 else datetime(2027, 3, 2, 12, 0, tzinfo=UTC))
    rows = cenv.inbound_rows()
    assert [status for status, _ in rows[-2:]] == ["ignored", "ignored"]
    assert [c.body for i in issues.values() for c in i.comments] == prompts


def _logged_case_status(by: str, n: str, em: str) -> dict[str, Any]:
    """``Announce(CaseLedgerEntry add_case_status_to_case)`` as the reference's case manager
    sends it (corpus ``Announce_CaseLedgerEntry_add_case_status_to_case.json``): the snapshot
    is the owner's ``Add(CaseStatus)``."""
    entry = {"type": "CaseLedgerEntry", "id": f"{CASE}/log/{n}", "caseId": CASE,
             "logIndex": int(n), "eventType": "add_case_status_to_case", "payloadSnapshot": {
                 "type": "Add", "actor": COORD, "target": CASE, "object": {
                     "type": "CaseStatus", "id": f"{CASE}/status/{n}", "context": CASE,
                     "attributedTo": COORD, "em": {"state": em}, "pxa": {"state": "pxa"}}}}
    return activity("Announce", entry, f"ledger-status-{n}", actor=by, to=[OURS])


def test_a_ledger_entry_announced_by_the_owner_itself_is_mirrored(cenv: Env) -> None:
    """The recordings have only the owner's case actor announce ledger entries (the bridge
    as owner receives one, a participant's case_fully_closed); an owner that keeps its own
    ledger (no separate case actor: it is its case's manager) is judged the same: its entry
    is its own word. Another participant relaying the owner's activity is refused."""
    cenv.post(activity("Create", case_doc(), "c1"))
    cenv.post(_logged_case_status(COORD, "1", "ACTIVE"))
    cenv.post(_logged_case_status(FINDER, "2", "EXITED"))
    cenv.work()
    rows = cenv.inbound_rows()
    assert [status for status, _ in rows] == ["done", "done", "done", "ignored"]
    assert str(rows[3][1]).startswith("refused (relay)")
    with cenv.rt.sessions() as session:
        record = state.get_case(session, CASE)
    assert record is not None and record.em_state == "ACTIVE"
    assert "vultron:embargo-active" in issue(cenv).labels
