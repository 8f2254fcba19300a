"""The message catalogue: every message type, its wire shape, meaning, state change, factory.

State changes are data — ``(machine, event, party)`` — for the state machines in
``bridge.core.states`` to apply. Event strings are the values of that package's event enums:
RM ``RS RV RI RA RD RC`` (``RMEvent``), EM ``EP EA ER EV EC EJ ET`` (``EMEvent``), CS
``V F D P X A`` (``CSEvent``), PEC ``invite accept decline revise`` (``PECEvent``).
"""

from __future__ import annotations

from bridge.core.catalogue import factories as f
from bridge.core.catalogue.types import Machine, MessageSpec, Party, StateChange
from bridge.core.catalogue.types import MessageType as M
from bridge.core.states.em import IN_FORCE
from bridge.core.vocab.enums import EM

_S, _R, _C = Party.SENDER, Party.RECIPIENT, Party.CASE
_NO_EMBARGO = tuple(s for s in EM if s not in IN_FORCE)  # NONE, PROPOSED, EXITED
_EMBARGO = tuple(s for s in EM if s in IN_FORCE)  # ACTIVE, REVISE


def _rm(event: str, party: Party = _S) -> StateChange:
    return StateChange(Machine.RM, event, party)


def _em(event: str) -> StateChange:
    return StateChange(Machine.EM, event, _C)


def _cs(event: str, party: Party = _S) -> StateChange:
    return StateChange(Machine.CS, event, party)


def _pec(event: str, party: Party = _S) -> StateChange:
    return StateChange(Machine.PEC, event, party)


_R_ = "report management"
_E_ = "embargo management"
_CS_ = "case state"
_P_ = "participants"
_L_ = "case lifecycle"
_O_ = "case ownership"
_N_ = "notes"

CATALOGUE: tuple[MessageSpec, ...] = (
    # report management
    MessageSpec(M.CREATE_REPORT, _R_, "create report", "Create", "VulnerabilityReport",
                "a finder records a new report", (), f.create_report),
    MessageSpec(M.RS, _R_, "submit report", "Offer", "VulnerabilityReport",
                "the finder offers the report to a vendor or coordinator",
                (_rm("RS", _R),), f.submit_report, code="RS"),
    MessageSpec(M.RK, _R_, "acknowledge report", "Read", "Offer(VulnerabilityReport)",
                "the receiver says it has read the report", (), f.ack_report, code="RK"),
    MessageSpec(M.RV, _R_, "validate report", "Accept", "Offer(VulnerabilityReport)",
                "the receiver finds the report valid", (_rm("RV"),), f.validate_report,
                code="RV"),
    MessageSpec(M.RI, _R_, "invalidate report", "TentativeReject",
                "Offer(VulnerabilityReport)", "the receiver finds the report invalid (for now)",
                (_rm("RI"),), f.invalidate_report, code="RI"),
    MessageSpec(M.RC, _R_, "close report", "Reject", "Offer(VulnerabilityReport)",
                "the receiver closes the report without a case", (_rm("RC"),),
                f.close_report, code="RC"),
    MessageSpec(M.RA, _R_, "engage case", "Join", "VulnerabilityCase",
                "the participant starts working on the case", (_rm("RA"),),
                f.engage_case, code="RA"),
    MessageSpec(M.RD, _R_, "defer case", "Ignore", "VulnerabilityCase",
                "the participant stops working on the case for now", (_rm("RD"),),
                f.defer_case, code="RD"),
    MessageSpec(M.REENGAGE_CASE, _R_, "re-engage case", "Undo", "Ignore(VulnerabilityCase)",
                "the participant takes a deferred case up again", (_rm("RA"),),
                f.reengage_case, code="RA"),
    MessageSpec(M.CLOSE_CASE, _R_, "close case", "Leave", "VulnerabilityCase",
                "the participant closes the case (the owner closes it for everyone)",
                (_rm("RC"),), f.close_case, code="RC"),
    # embargo management
    MessageSpec(M.EP, _E_, "propose embargo", "Invite", "EmbargoEvent",
                "a participant proposes an embargo on the case",
                (_em("EP"), _pec("invite", _R)), f.propose_embargo, _NO_EMBARGO, "EP"),
    MessageSpec(M.EV, _E_, "propose embargo revision", "Invite", "EmbargoEvent",
                "a participant proposes to change the active embargo",
                (_em("EV"), _pec("revise", _R)), f.propose_embargo_revision, _EMBARGO, "EV"),
    MessageSpec(M.EA, _E_, "accept embargo", "Accept", "Invite(EmbargoEvent)",
                "the participant accepts the proposed embargo",
                (_em("EA"), _pec("accept")), f.accept_embargo, _NO_EMBARGO, "EA"),
    MessageSpec(M.EC, _E_, "accept embargo revision", "Accept", "Invite(EmbargoEvent)",
                "the participant accepts the proposed revision",
                (_em("EC"), _pec("accept")), f.accept_embargo, _EMBARGO, "EC"),
    MessageSpec(M.ER, _E_, "reject embargo", "Reject", "Invite(EmbargoEvent)",
                "the participant rejects the proposed embargo",
                (_em("ER"), _pec("decline")), f.reject_embargo, _NO_EMBARGO, "ER"),
    MessageSpec(M.EJ, _E_, "reject embargo revision", "Reject", "Invite(EmbargoEvent)",
                "the participant rejects the revision; the active embargo stays",
                (_em("EJ"),), f.reject_embargo, _EMBARGO, "EJ"),
    MessageSpec(M.ET, _E_, "terminate embargo", "Remove", "EmbargoEvent",
                "the embargo is removed from the case (ended)", (_em("ET"),),
                f.terminate_embargo, code="ET"),
    MessageSpec(M.EK, _E_, "acknowledge embargo message", "Read", "Invite(EmbargoEvent)",
                "the participant acknowledges an embargo message", (), f.ack_embargo,
                code="EK"),
    MessageSpec(M.CREATE_EMBARGO, _E_, "create embargo event", "Create", "EmbargoEvent",
                "an embargo event is drafted", (), f.create_embargo),
    MessageSpec(M.ADD_EMBARGO_TO_CASE, _E_, "activate embargo", "Add", "EmbargoEvent",
                "the case owner makes the embargo active on the case", (_em("EA"),),
                f.add_embargo_to_case),
    MessageSpec(M.ANNOUNCE_EMBARGO, _E_, "announce embargo", "Announce", "EmbargoEvent",
                "the case owner tells the participants about the embargo", (),
                f.announce_embargo),
    MessageSpec(M.CHOOSE_PREFERRED_EMBARGO, _E_, "choose preferred embargo (legacy)",
                "Question", "anyOf/oneOf EmbargoEvent",
                "the owner asks participants which proposed embargo they accept", (),
                f.choose_preferred_embargo),
    # case state
    MessageSpec(M.CV, _CS_, "vendor aware", "Add", "ParticipantStatus",
                "the vendor is aware of the vulnerability (vfd: V)", (_cs("V"),),
                f.vendor_aware, code="CV"),
    MessageSpec(M.CF, _CS_, "fix ready", "Add", "ParticipantStatus",
                "the vendor has a fix ready (vfd: F)", (_cs("F"),), f.fix_ready,
                code="CF"),
    MessageSpec(M.CD, _CS_, "fix deployed", "Add", "ParticipantStatus",
                "the fix is deployed (vfd: D)", (_cs("D"),), f.fix_deployed,
                code="CD"),
    MessageSpec(M.CP, _CS_, "public aware", "Add", "CaseStatus",
                "the vulnerability is public (pxa: P)", (_cs("P", _C),),
                f.public_aware, code="CP"),
    MessageSpec(M.CX, _CS_, "exploit public", "Add", "CaseStatus",
                "an exploit is public (pxa: X, which also makes it public)",
                (_cs("X", _C),), f.exploit_public, code="CX"),
    MessageSpec(M.CA, _CS_, "attacks observed", "Add", "CaseStatus",
                "attacks have been observed (pxa: A)", (_cs("A", _C),),
                f.attacks_observed, code="CA"),
    MessageSpec(M.ADD_PARTICIPANT_STATUS, _CS_, "participant status", "Add",
                "ParticipantStatus", "a participant reports its status with no new vfd bit",
                (), f.add_participant_status),
    MessageSpec(M.ADD_CASE_STATUS, _CS_, "case status", "Add", "CaseStatus",
                "the case status is recorded with no new pxa bit", (), f.add_case_status),
    MessageSpec(M.CREATE_PARTICIPANT_STATUS, _CS_, "create participant status", "Create",
                "ParticipantStatus", "a participant status record is created", (),
                f.create_participant_status),
    MessageSpec(M.CREATE_CASE_STATUS, _CS_, "create case status", "Create", "CaseStatus",
                "a case status record is created", (), f.create_case_status),
    # participants
    MessageSpec(M.INVITE_TO_CASE, _P_, "invite to case", "Invite", "Actor",
                "the case owner invites an actor into the case (RS once a case exists)",
                (_rm("RS", _R),), f.invite_to_case, code="RS"),
    MessageSpec(M.ACCEPT_INVITE_TO_CASE, _P_, "accept invitation", "Accept", "Invite(Actor)",
                "the invited actor joins the case (RV once a case exists)",
                (_rm("RV"),), f.accept_invite_to_case, code="RV"),
    MessageSpec(M.REJECT_INVITE_TO_CASE, _P_, "reject invitation", "Reject", "Invite(Actor)",
                "the invited actor declines (RI once a case exists)", (_rm("RI"),),
                f.reject_invite_to_case, code="RI"),
    MessageSpec(M.SUGGEST_ACTOR, _P_, "suggest actor", "Offer", "Actor",
                "a participant recommends adding an actor to the case", (), f.suggest_actor),
    MessageSpec(M.ACCEPT_SUGGESTED_ACTOR, _P_, "accept suggestion", "Accept", "Offer(Actor)",
                "the case owner accepts the recommendation (an invitation follows)", (),
                f.accept_suggested_actor),
    MessageSpec(M.REJECT_SUGGESTED_ACTOR, _P_, "reject suggestion", "Reject", "Offer(Actor)",
                "the case owner declines the recommendation", (), f.reject_suggested_actor),
    MessageSpec(M.CREATE_PARTICIPANT, _P_, "create participant", "Create", "CaseParticipant",
                "a participant record is created for an actor", (), f.create_participant),
    MessageSpec(M.ADD_PARTICIPANT, _P_, "add participant", "Add", "CaseParticipant",
                "the participant record is added to the case", (), f.add_participant),
    MessageSpec(M.REMOVE_PARTICIPANT, _P_, "remove participant", "Remove", "CaseParticipant",
                "the participant is removed from the case", (), f.remove_participant),
    # case lifecycle
    MessageSpec(M.CREATE_CASE, _L_, "create case", "Create", "VulnerabilityCase",
                "a case is created (usually right after RV)", (), f.create_case),
    MessageSpec(M.UPDATE_CASE, _L_, "update case", "Update", "VulnerabilityCase",
                "the case record changes", (), f.update_case),
    MessageSpec(M.ADD_REPORT_TO_CASE, _L_, "add report to case", "Add", "VulnerabilityReport",
                "a report is attached to the case", (), f.add_report_to_case),
    MessageSpec(M.CASE_LEDGER_ENTRY, _L_, "case ledger entry", "Announce", "CaseLedgerEntry",
                "the case actor replicates one hash-chained log entry; its payloadSnapshot "
                "is the logged activity", (), f.announce_ledger_entry),
    MessageSpec(M.REJECT_LEDGER_ENTRY, _L_, "reject ledger entry", "Reject", "CaseLedgerEntry",
                "a participant refuses a log entry whose hash chain does not match", (),
                f.reject_ledger_entry),
    # case ownership
    MessageSpec(M.OFFER_CASE_OWNERSHIP, _O_, "offer case ownership", "Offer",
                "VulnerabilityCase", "the owner offers the case to another actor", (),
                f.offer_case_ownership),
    MessageSpec(M.ACCEPT_CASE_OWNERSHIP, _O_, "accept case ownership", "Accept",
                "Offer(VulnerabilityCase)", "the new owner takes the case", (),
                f.accept_case_ownership),
    MessageSpec(M.REJECT_CASE_OWNERSHIP, _O_, "reject case ownership", "Reject",
                "Offer(VulnerabilityCase)", "the offered owner declines", (),
                f.reject_case_ownership),
    # notes
    MessageSpec(M.CREATE_NOTE, _N_, "create note", "Create", "Note",
                "a participant writes a note (comment)", (), f.create_note),
    MessageSpec(M.ADD_NOTE_TO_CASE, _N_, "add note to case", "Add", "Note",
                "the note is attached to the case", (), f.add_note_to_case),
    MessageSpec(M.REMOVE_NOTE_FROM_CASE, _N_, "remove note", "Remove", "Note",
                "the note is removed from the case", (), f.remove_note_from_case),
)

BY_TYPE: dict[M, MessageSpec] = {spec.type: spec for spec in CATALOGUE}


def spec_for(message_type: M) -> MessageSpec:
    """The catalogue row for ``message_type``."""
    return BY_TYPE[message_type]
