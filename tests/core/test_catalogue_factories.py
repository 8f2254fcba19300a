"""Every catalogue row: its factory builds the current wire form and classifies back to it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bridge.core.catalogue import CATALOGUE, Machine, MessageType, classify, spec_for
from bridge.core.catalogue import factories as f
from bridge.core.states.cs_names import CSEvent
from bridge.core.states.em import EMEvent
from bridge.core.states.pec import PECEvent
from bridge.core.states.rm import RMEvent
from bridge.core.vocab import (
    EM,
    Activity,
    CaseLedgerEntry,
    CaseParticipant,
    CaseStatus,
    EmbargoEvent,
    Ignore,
    Invite,
    Note,
    Offer,
    ParticipantStatus,
    VulnerabilityCase,
    VulnerabilityReport,
    parse_document,
    to_json,
    to_wire,
)
from tests.core.test_vocab_roundtrip import assert_current_wire_form

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
FINDER = "https://finder.example/actors/finn"
VENDOR = "https://vendor.example/actors/psirt"
COORD = "https://coord.example/actors/cc"
REPORT = VulnerabilityReport(id="https://finder.example/reports/1", name="r1",
                             content="details", attributed_to=FINDER)
CASE = VulnerabilityCase(id="https://vendor.example/cases/1", attributed_to=VENDOR)
EMBARGO = EmbargoEvent(id="https://vendor.example/cases/1/embargo/1", context=CASE.id,
                       start_time=WHEN, end_time=datetime(2026, 3, 1, tzinfo=UTC))
PARTICIPANT = CaseParticipant(id="https://vendor.example/cases/1/p/vendor", attributed_to=VENDOR,
                              context=CASE.id)
P_STATUS = ParticipantStatus(id="https://vendor.example/s/1", context=CASE.id)
C_STATUS = CaseStatus(id="https://vendor.example/cs/1", context=CASE.id)
NOTE = Note(id="https://finder.example/notes/1", content="a comment", context=CASE.id)
ENTRY = CaseLedgerEntry(id=f"{CASE.id}/log/3", case_id=CASE.id, log_index=3,
                        payload_snapshot=None)


def common(n: int = 1, actor: str = VENDOR) -> dict[str, Any]:
    return {"activity_id": f"https://bridge.example/activities/{n}", "published": WHEN,
            "actor": actor}


OFFER = f.submit_report(**common(0, FINDER), report=REPORT, to=[VENDOR])
EMBARGO_INVITE = f.propose_embargo(**common(0, FINDER), embargo=EMBARGO, case=CASE)
CASE_INVITE = f.invite_to_case(**common(0), invitee=COORD, case=CASE)
SUGGESTION = f.suggest_actor(**common(0, FINDER), suggested=COORD, case=CASE)
OWNERSHIP = f.offer_case_ownership(**common(0), case=CASE, new_owner=COORD)
IGNORE = f.defer_case(**common(0), case=CASE)

#: message type -> the arguments its factory needs besides common()
ARGS: dict[MessageType, dict[str, Any]] = {
    MessageType.CREATE_REPORT: {"report": REPORT},
    MessageType.RS: {"report": REPORT, "to": [VENDOR]},
    MessageType.RK: {"offer": OFFER},
    MessageType.RV: {"offer": OFFER},
    MessageType.RI: {"offer": OFFER},
    MessageType.RC: {"offer": OFFER},
    MessageType.RA: {"case": CASE},
    MessageType.RD: {"case": CASE},
    MessageType.REENGAGE_CASE: {"ignore": IGNORE},
    MessageType.CLOSE_CASE: {"case": CASE},
    MessageType.EP: {"embargo": EMBARGO, "case": CASE},
    MessageType.EV: {"embargo": EMBARGO, "case": CASE.id},
    MessageType.EA: {"invite": EMBARGO_INVITE},
    MessageType.EC: {"invite": EMBARGO_INVITE},
    MessageType.ER: {"invite": EMBARGO_INVITE},
    MessageType.EJ: {"invite": EMBARGO_INVITE},
    MessageType.ET: {"embargo": EMBARGO, "case": CASE},
    MessageType.EK: {"invite": EMBARGO_INVITE},
    MessageType.CREATE_EMBARGO: {"obj": EMBARGO, "case": CASE},
    MessageType.ADD_EMBARGO_TO_CASE: {"obj": EMBARGO, "case": CASE},
    MessageType.ANNOUNCE_EMBARGO: {"obj": EMBARGO, "case": CASE},
    MessageType.CHOOSE_PREFERRED_EMBARGO: {"embargoes": [EMBARGO], "case": CASE},
    MessageType.CV: {"status": P_STATUS, "participant": PARTICIPANT},
    MessageType.CF: {"status": P_STATUS, "participant": PARTICIPANT},
    MessageType.CD: {"status": P_STATUS, "participant": PARTICIPANT.id},
    MessageType.CP: {"status": C_STATUS, "case": CASE},
    MessageType.CX: {"status": C_STATUS, "case": CASE},
    MessageType.CA: {"status": C_STATUS, "case": CASE.id},
    MessageType.ADD_PARTICIPANT_STATUS: {"status": P_STATUS, "participant": PARTICIPANT},
    MessageType.ADD_CASE_STATUS: {"status": C_STATUS, "case": CASE},
    MessageType.CREATE_PARTICIPANT_STATUS: {"obj": P_STATUS},
    MessageType.CREATE_CASE_STATUS: {"obj": C_STATUS, "case": CASE},
    MessageType.INVITE_TO_CASE: {"invitee": COORD, "case": CASE},
    MessageType.ACCEPT_INVITE_TO_CASE: {"invite": CASE_INVITE},
    MessageType.REJECT_INVITE_TO_CASE: {"invite": CASE_INVITE},
    MessageType.SUGGEST_ACTOR: {"suggested": COORD, "case": CASE},
    MessageType.ACCEPT_SUGGESTED_ACTOR: {"offer": SUGGESTION},
    MessageType.REJECT_SUGGESTED_ACTOR: {"offer": SUGGESTION},
    MessageType.CREATE_PARTICIPANT: {"obj": PARTICIPANT, "case": CASE},
    MessageType.ADD_PARTICIPANT: {"obj": PARTICIPANT, "case": CASE},
    MessageType.REMOVE_PARTICIPANT: {"obj": PARTICIPANT, "case": CASE},
    MessageType.CREATE_CASE: {"case": CASE},
    MessageType.UPDATE_CASE: {"case": CASE},
    MessageType.ADD_REPORT_TO_CASE: {"obj": REPORT, "case": CASE},
    MessageType.CASE_LEDGER_ENTRY: {"entry": ENTRY},
    MessageType.REJECT_LEDGER_ENTRY: {"entry": ENTRY},
    MessageType.OFFER_CASE_OWNERSHIP: {"case": CASE, "new_owner": COORD},
    MessageType.ACCEPT_CASE_OWNERSHIP: {"offer": OWNERSHIP},
    MessageType.REJECT_CASE_OWNERSHIP: {"offer": OWNERSHIP},
    MessageType.CREATE_NOTE: {"obj": NOTE},
    MessageType.ADD_NOTE_TO_CASE: {"obj": NOTE, "case": CASE},
    MessageType.REMOVE_NOTE_FROM_CASE: {"obj": NOTE, "case": CASE.id},
}


def build(message: MessageType) -> Activity:
    """The factory output for ``message`` with sample arguments."""
    activity = spec_for(message).factory(**common(), **ARGS[message])
    assert isinstance(activity, Activity)
    return activity


def state_for(message: MessageType) -> EM | None:
    states = spec_for(message).em_states
    return states[0] if states else None


def test_catalogue_covers_every_message_type_once() -> None:
    assert [spec.type for spec in CATALOGUE] == list(dict.fromkeys(s.type for s in CATALOGUE))
    assert {spec.type for spec in CATALOGUE} == set(MessageType) == set(ARGS)


@pytest.mark.parametrize("message", list(MessageType), ids=str)
def test_factory_output_classifies_back_to_its_type(message: MessageType) -> None:
    activity = build(message)
    assert classify(activity, em_state=state_for(message)) is message
    spec = spec_for(message)
    assert activity.type == spec.activity
    assert activity.id == "https://bridge.example/activities/1"
    assert activity.published == WHEN and activity.actor == VENDOR


@pytest.mark.parametrize("message", list(MessageType), ids=str)
def test_factory_output_is_current_wire_form_and_parses_cleanly(message: MessageType) -> None:
    activity = build(message)
    wire = json.loads(to_json(activity))
    assert_current_wire_form(wire)
    assert wire["type"] == spec_for(message).activity and "asType" not in wire
    assert wire["@context"] == "https://www.w3.org/ns/activitystreams"
    parsed = parse_document(wire)
    assert parsed.warnings == ()
    assert parsed.document == activity
    assert classify(parsed.document, em_state=state_for(message)) is message


def test_rv_carries_the_whole_offer_inline() -> None:
    wire = to_wire(build(MessageType.RV))
    assert wire["object"] == to_wire(OFFER)
    assert wire["object"]["object"]["type"] == "VulnerabilityReport"
    assert wire["to"] == [FINDER]  # a reply goes to whoever sent the Offer


def test_ri_and_rc_are_tentative_reject_and_reject_of_the_offer() -> None:
    assert to_wire(build(MessageType.RI))["type"] == "TentativeReject"
    rc = to_wire(build(MessageType.RC))
    assert rc["type"] == "Reject" and rc["object"]["id"] == OFFER.id


def test_ea_carries_the_whole_invite_inline() -> None:
    wire = to_wire(build(MessageType.EA))
    assert wire["type"] == "Accept" and wire["object"]["type"] == "Invite"
    assert wire["object"]["object"]["type"] == "EmbargoEvent"
    assert wire["context"] == CASE.id


def test_case_state_factories_set_their_bit() -> None:
    def obj(m: MessageType) -> Any:
        return to_wire(build(m))["object"]

    assert obj(MessageType.CV)["vfdState"] == "Vfd"
    assert obj(MessageType.CF)["vfdState"] == "VFd"
    assert obj(MessageType.CD)["vfdState"] == "VFD"
    assert obj(MessageType.CP)["pxaState"] == "Pxa"
    assert obj(MessageType.CX)["pxaState"] == "PXa"  # an exploit in public makes it public
    assert obj(MessageType.CA)["pxaState"] == "pxA"
    assert P_STATUS.vfd_state == "vfd"  # the caller's status is not changed


def test_invite_to_case_is_addressed_to_the_invitee() -> None:
    wire = to_wire(build(MessageType.INVITE_TO_CASE))
    assert wire["to"] == [COORD] and wire["object"] == {"type": "Actor", "id": COORD}
    assert wire["target"]["type"] == "VulnerabilityCase"


def test_reengage_undoes_the_ignore() -> None:
    wire = to_wire(build(MessageType.REENGAGE_CASE))
    assert wire["type"] == "Undo" and wire["object"]["type"] == "Ignore"
    assert isinstance(IGNORE, Ignore) and isinstance(OFFER, Offer)
    assert isinstance(EMBARGO_INVITE, Invite)


_EVENTS = {Machine.RM: RMEvent, Machine.EM: EMEvent, Machine.CS: CSEvent,
           Machine.PEC: PECEvent}


@pytest.mark.parametrize("spec", CATALOGUE, ids=lambda s: str(s.type))
def test_state_changes_name_events_the_state_machines_know(spec: Any) -> None:
    for change in spec.changes:
        assert _EVENTS[change.machine](change.event)


def test_protocol_state_changes_are_where_the_protocol_puts_them() -> None:
    assert [str(c) for c in spec_for(MessageType.RV).changes] == ["RM RV (sender)"]
    assert [str(c) for c in spec_for(MessageType.RS).changes] == ["RM RS (recipient)"]
    assert spec_for(MessageType.EV).changes[0].event == "EV"
    assert spec_for(MessageType.CX).changes[0].party == "case"
    assert spec_for(MessageType.RK).changes == ()
    assert spec_for(MessageType.EA).wire == "Accept(Invite(EmbargoEvent))"
