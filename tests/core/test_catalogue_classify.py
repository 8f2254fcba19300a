"""Each classifier row, the pairs told apart only by case state, and the legacy shapes."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.core.catalogue import MessageType as M
from bridge.core.catalogue import classify, explain
from bridge.core.vocab import (
    EM,
    PXA,
    VFD,
    ASObject,
    CaseStatus,
    ParticipantStatus,
    parse_document,
)
from tests.core.test_catalogue_factories import build

REPORT = {"type": "VulnerabilityReport", "id": "r"}
CASE = {"type": "VulnerabilityCase", "id": "c"}
EMBARGO = {"type": "EmbargoEvent", "id": "e", "context": "c"}
ACTOR = {"type": "Organization", "id": "https://coord.example"}
OFFER_REPORT = {"type": "Offer", "id": "o", "actor": "f", "object": REPORT}
INVITE_EMBARGO = {"type": "Invite", "id": "i", "actor": "v", "object": EMBARGO, "context": "c"}
INVITE_ACTOR = {"type": "Invite", "actor": "v", "object": ACTOR, "target": CASE}
OFFER_ACTOR = {"type": "Offer", "actor": "f", "object": ACTOR, "target": CASE}
OFFER_CASE = {"type": "Offer", "actor": "v", "object": CASE, "target": ACTOR}


def act(kind: str, obj: Any = None, **extra: Any) -> ASObject:
    doc = {"type": kind, "actor": "https://a.example", **extra}
    if obj is not None:
        doc["object"] = obj
    return parse_document(doc).document


ROWS: list[tuple[str, Any, dict[str, Any], M | None]] = [
    ("Create", REPORT, {}, M.CREATE_REPORT),
    ("Create", CASE, {}, M.CREATE_CASE),
    ("Create", {"type": "Note", "id": "n"}, {}, M.CREATE_NOTE),
    ("Create", {"type": "CaseParticipant"}, {}, M.CREATE_PARTICIPANT),
    ("Create", {"type": "ParticipantStatus"}, {}, M.CREATE_PARTICIPANT_STATUS),
    ("Create", {"type": "CaseStatus"}, {}, M.CREATE_CASE_STATUS),
    ("Create", EMBARGO, {}, M.CREATE_EMBARGO),
    ("Offer", REPORT, {}, M.RS),
    ("Offer", CASE, {"target": "https://new.owner"}, M.OFFER_CASE_OWNERSHIP),
    ("Offer", ACTOR, {"target": CASE}, M.SUGGEST_ACTOR),
    ("Read", OFFER_REPORT, {}, M.RK),
    ("Accept", OFFER_REPORT, {}, M.RV),
    ("TentativeReject", OFFER_REPORT, {}, M.RI),
    ("Reject", OFFER_REPORT, {}, M.RC),
    ("Read", INVITE_EMBARGO, {}, M.EK),
    ("Accept", INVITE_ACTOR, {}, M.ACCEPT_INVITE_TO_CASE),
    ("Reject", INVITE_ACTOR, {}, M.REJECT_INVITE_TO_CASE),
    ("Accept", OFFER_ACTOR, {}, M.ACCEPT_SUGGESTED_ACTOR),
    ("Reject", OFFER_ACTOR, {}, M.REJECT_SUGGESTED_ACTOR),
    ("Accept", OFFER_CASE, {}, M.ACCEPT_CASE_OWNERSHIP),
    ("Reject", OFFER_CASE, {}, M.REJECT_CASE_OWNERSHIP),
    ("Reject", {"type": "CaseLedgerEntry", "id": "l"}, {}, M.REJECT_LEDGER_ENTRY),
    ("Join", CASE, {}, M.RA),
    ("Ignore", CASE, {}, M.RD),
    ("Leave", CASE, {}, M.CLOSE_CASE),
    ("Undo", {"type": "Ignore", "actor": "v", "object": CASE}, {}, M.REENGAGE_CASE),
    ("Update", CASE, {}, M.UPDATE_CASE),
    ("Invite", ACTOR, {"target": CASE}, M.INVITE_TO_CASE),
    ("Add", REPORT, {"target": CASE}, M.ADD_REPORT_TO_CASE),
    ("Add", {"type": "CaseParticipant"}, {"target": CASE}, M.ADD_PARTICIPANT),
    ("Add", {"type": "Note"}, {"target": CASE}, M.ADD_NOTE_TO_CASE),
    ("Add", EMBARGO, {"target": CASE}, M.ADD_EMBARGO_TO_CASE),
    ("Add", {"type": "ParticipantStatus", "vfdState": "vfd"}, {}, M.ADD_PARTICIPANT_STATUS),
    ("Add", {"type": "ParticipantStatus", "vfdState": "Vfd"}, {}, M.CV),
    ("Add", {"type": "ParticipantStatus", "vfdState": "VFd"}, {}, M.CF),
    ("Add", {"type": "ParticipantStatus", "vfdState": "VFD"}, {}, M.CD),
    ("Add", {"type": "CaseStatus", "pxaState": "pxa"}, {}, M.ADD_CASE_STATUS),
    ("Add", {"type": "CaseStatus", "pxaState": "Pxa"}, {}, M.CP),
    ("Add", {"type": "CaseStatus", "pxaState": "PXa"}, {}, M.CX),
    ("Add", {"type": "CaseStatus", "pxaState": "PxA"}, {}, M.CA),
    ("Remove", EMBARGO, {"origin": CASE}, M.ET),
    ("Remove", {"type": "CaseParticipant"}, {"target": CASE}, M.REMOVE_PARTICIPANT),
    ("Remove", {"type": "Note"}, {"target": CASE}, M.REMOVE_NOTE_FROM_CASE),
    ("Announce", {"type": "CaseLedgerEntry", "id": "l"}, {}, M.CASE_LEDGER_ENTRY),
    ("Announce", EMBARGO, {}, M.ANNOUNCE_EMBARGO),
    ("Announce", {"type": "Join", "actor": "v", "object": CASE}, {}, M.RA),
    ("Question", None, {"anyOf": [EMBARGO]}, M.CHOOSE_PREFERRED_EMBARGO),
    # legacy shapes naming the object instead of the Offer/Invite
    ("Accept", EMBARGO, {}, M.EA),
    ("Reject", EMBARGO, {}, M.ER),
    ("Accept", CASE, {}, M.ACCEPT_CASE_OWNERSHIP),
    ("Read", REPORT, {}, M.RK),
    # URI references: named only where the activity type alone decides
    ("Join", "https://v.example/case/1", {}, M.RA),
    ("Ignore", "https://v.example/case/1", {}, M.RD),
    ("Invite", "https://coord.example", {"target": "https://v.example/case/1"}, M.INVITE_TO_CASE),
    ("Accept", "https://f.example/report/1", {}, None),
    ("Leave", "https://f.example/report/1", {}, None),
    ("Add", "https://f.example/report/1", {"target": "https://v.example/case/1"}, None),
    ("Question", None, {}, None),
    ("Like", REPORT, {}, None),
    ("Offer", {"type": "Note"}, {}, None),
]


@pytest.mark.parametrize("kind,obj,extra,expected", ROWS,
                         ids=[f"{r[0]}-{i}-{r[3]}" for i, r in enumerate(ROWS)])
def test_classifier_row(kind: str, obj: Any, extra: dict[str, Any], expected: M | None) -> None:
    assert classify(act(kind, obj, **extra)) == expected


@pytest.mark.parametrize("state,proposal,accept,reject", [
    (None, M.EP, M.EA, M.ER),
    (EM.NONE, M.EP, M.EA, M.ER),
    (EM.PROPOSED, M.EP, M.EA, M.ER),
    (EM.EXITED, M.EP, M.EA, M.ER),
    (EM.ACTIVE, M.EV, M.EC, M.EJ),
    (EM.REVISE, M.EV, M.EC, M.EJ),
])
def test_embargo_pairs_are_told_apart_by_the_em_state(state: EM | None, proposal: M, accept: M,
                                                      reject: M) -> None:
    invite = act("Invite", EMBARGO, context="c")
    assert classify(invite, em_state=state) is proposal
    assert classify(act("Accept", INVITE_EMBARGO), em_state=state) is accept
    assert classify(act("Reject", INVITE_EMBARGO), em_state=state) is reject


def test_the_pairs_look_identical_on_the_wire() -> None:
    assert build(M.EP).model_dump() == build(M.EV).model_dump()
    assert build(M.EA).model_dump() == build(M.EC).model_dump()
    assert build(M.ER).model_dump() == build(M.EJ).model_dump()


@pytest.mark.parametrize("new,old,expected", [
    (VFD.VFd, VFD.Vfd, M.CF),
    (VFD.VFd, VFD.VFd, M.ADD_PARTICIPANT_STATUS),
    (VFD.VFD, VFD.VFd, M.CD),
    (VFD.Vfd, VFD.vfd, M.CV),
    (VFD.VFD, None, M.CD),
])
def test_vfd_messages_compare_with_the_previous_state(new: VFD, old: VFD | None,
                                                      expected: M) -> None:
    activity = act("Add", {"type": "ParticipantStatus", "vfdState": new.value})
    assert classify(activity, vfd_state=old) is expected


@pytest.mark.parametrize("new,old,expected", [
    (PXA.PxA, PXA.Pxa, M.CA),
    (PXA.PxA, PXA.pxA, M.CP),
    (PXA.PXA, PXA.PxA, M.CX),
    (PXA.PXA, PXA.PXA, M.ADD_CASE_STATUS),
    (PXA.PxA, None, M.CA),
])
def test_pxa_messages_compare_with_the_previous_state(new: PXA, old: PXA | None,
                                                      expected: M) -> None:
    activity = act("Add", {"type": "CaseStatus", "pxaState": new.value})
    assert classify(activity, pxa_state=old) is expected


def test_a_resolver_types_uri_references() -> None:
    offer = parse_document(OFFER_REPORT).document
    activity = act("Accept", "o")
    assert classify(activity) is None
    assert classify(activity, resolve={"o": offer}.get) is M.RV
    assert classify(activity, resolve=lambda _: None) is None


def test_plain_objects_are_not_messages() -> None:
    assert classify(ParticipantStatus()) is None
    assert classify(CaseStatus()) is None


def test_explain_names_who_what_and_the_state_change() -> None:
    text = "\n".join(explain(build(M.RV)))
    assert "https://vendor.example/actors/psirt sends RV (validate report)" in text
    assert "the Offer https://bridge.example/activities/0 by https://finder.example/actors/finn" \
        in text
    assert "report https://finder.example/reports/1" in text
    assert "State change: RM RV (sender)." in text
    assert "details" not in text  # report content is never quoted


def test_explain_uses_the_em_state_for_the_pairs() -> None:
    assert "sends EV" in explain(build(M.EP), em_state=EM.ACTIVE)[0]
    assert "sends EP" in explain(build(M.EP))[0]


def test_explain_plain_object_and_unknown_activity() -> None:
    lines = explain(parse_document(REPORT | {"attributedTo": "https://f"}).document)
    assert lines[0].startswith("A VulnerabilityReport object, not an activity")
    assert "no state change" in lines[-1]
    unknown = explain(act("Accept", "https://f.example/report/1"))
    assert "matches no Vultron message type" in unknown[1]
