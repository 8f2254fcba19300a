"""The protocol peer's inbound decisions: one received activity → the case model, or a
:class:`~tests.support.peer_model.Refused` naming the reference rule it breaks.

``process`` is what the reference's inbox pipeline does after it answered 202: parse, find
the case context (defer when unknown), bootstrap a case (only from a trusted sender), check
the sender is a participant, then apply the message through our state machines. A case
actor (the case's ``case_manager`` hosted here) commits what it applied to the case ledger and
fans it out to the participants on other servers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bridge.core.errors import BridgeError
from bridge.core.states.cs import CaseState
from bridge.core.states.cs_names import parse_pxa, parse_vfd
from bridge.core.states.em import EM, Embargo
from bridge.core.states.pec import PEC
from bridge.core.states.rm import RM, RMEvent
from bridge.core.vocab.activities import Activity
from bridge.core.vocab.base import ASObject, ref_id
from bridge.core.vocab.emit import to_wire
from bridge.core.vocab.objects import (
    CaseLedgerEntry,
    CaseParticipant,
    CaseStatus,
    EmbargoEvent,
    Note,
    ParticipantStatus,
    VulnerabilityCase,
    VulnerabilityReport,
)
from bridge.core.vocab.parse import parse_activity
from tests.support import peer_model as model
from tests.support import reference_wire as wire
from tests.support.peer_model import EmbargoRecord, Participant, PeerCase, PeerReport, Refused

if TYPE_CHECKING:
    from tests.support.protocol_peer import ProtocolPeer

J = dict[str, Any]
DEFAULT_EMBARGO = timedelta(days=90)
"""The reference's default embargo policy (P90D) for a case it opens."""

_ENGAGE = {"Join": (RMEvent.ACCEPT, "engage_case"), "Ignore": (RMEvent.DEFER, "defer_case"),
           "Leave": (RMEvent.CLOSE, "close_case")}
_REPORT_REPLY = {"Accept": (RMEvent.VALIDATE, "validate_report"),
                 "TentativeReject": (RMEvent.INVALIDATE, "invalidate_report"),
                 "Reject": (RMEvent.CLOSE, "close_report"), "Read": (None, "ack_report")}


def addresses(data: J) -> list[str]:
    found: list[str] = []
    for name in ("to", "cc", "bto", "bcc"):
        value = data.get(name)
        for item in value if isinstance(value, list) else [value]:
            ident = ref_id(item)
            if ident:
                found.append(ident)
    return found


def short_id(address: str) -> str:
    """The reference's ``strip_id_prefix``: the bare uuid of a ``urn:uuid:``, else the last
    path segment."""
    if address.startswith("urn:uuid:"):
        return address[len("urn:uuid:"):]
    parts = [p for p in urlsplit(address).path.split("/") if p]
    return parts[-1] if parts else address


_REFUSED_FORMS = ("refuses", "answers 400", "one-letter")
"""Our liberal parser's warnings about spellings the reference does not read (it parses its
enums by name: ``RM[value]``, findings A5)."""


def parse(data: J) -> Activity:
    try:
        parsed = parse_activity(data)
    except BridgeError as exc:
        raise Refused("unparseable", exc.reason) from exc
    for warning in parsed.warnings:
        if any(form in warning for form in _REFUSED_FORMS):
            raise Refused("unparseable", warning)
    assert isinstance(parsed.document, Activity)
    return parsed.document


def process(peer: ProtocolPeer, receiver: str, data: J, step: str) -> str:
    act = parse(data)
    kind, obj = act.type, act.object_
    sender = ref_id(act.actor) or ""
    if kind in ("Create", "Announce") and isinstance(obj, VulnerabilityCase):
        return _bootstrap(peer, receiver, sender, act)
    if kind == "Offer" and isinstance(obj, VulnerabilityReport):
        return _offered(peer, receiver, sender, data, obj)
    if kind in _REPORT_REPLY and isinstance(obj, Activity) and obj.type == "Offer":
        return _report_reply(peer, receiver, sender, act, data)
    if kind in ("Accept", "Reject") and _answers_case_invite(obj):
        return _invite_answer(peer, receiver, sender, act, data)
    if isinstance(obj, CaseLedgerEntry):
        return "processed"  # a peer's ledger replica: nothing the checks rely on
    case_id = _case_of(peer, act)
    if case_id is None:
        return "processed"
    case = peer.cases.get(case_id)
    if case is None:
        if isinstance(act.context, str) and ":" in act.context:
            return peer.defer(case_id, receiver, data, step)
        raise Refused("unknown-case", f"case {case_id} is not known here")
    if sender not in case.participants and not case.speaks_for_owner(sender):
        raise Refused("not-participant", f"{sender} is not a participant of case {case_id}")
    event = _apply(peer, receiver, case, sender, act)
    if event is not None and receiver == case.manager and sender != receiver:
        commit(peer, case, event, ref_id(obj) or str(act.id), wire.logged(data))
        if kind == "Leave" and case.speaks_for_owner(sender) and case.manager:
            case.rm_event(case.manager, RMEvent.CLOSE, peer.new_id(), peer.now())
            commit(peer, case, "case_fully_closed", str(act.id), {
                "actor": sender, "context": case.id,
                "object_": {"id_": case.id, "type": "VulnerabilityCase"}, "type": "Leave"})
    return "processed"


def commit(peer: ProtocolPeer, case: PeerCase, event_type: str, log_object_id: str,
           payload: J) -> None:
    """Append a ledger entry and fan it out to every participant on another server."""
    when = peer.now()
    entry = wire.ledger_entry(case, event_type, log_object_id, payload, when)
    for actor in case.participants:
        if actor != case.manager and actor not in peer.actors:
            peer.queue(actor, wire.announce(peer.new_id(), str(case.manager), actor, entry,
                                            when))


def _answers_case_invite(obj: object) -> bool:
    return (isinstance(obj, Activity) and obj.type == "Invite"
            and not isinstance(obj.object_, EmbargoEvent))


def _case_of(peer: ProtocolPeer, act: Activity) -> str | None:
    obj = act.object_
    inner = obj.object_ if isinstance(obj, Activity) else None
    strong = [c for c in (
        _ctx(act.context),
        ref_id(obj) if isinstance(obj, VulnerabilityCase) else None,
        _ctx(obj.context) if isinstance(obj, ASObject) else None,
        ref_id(act.target) if isinstance(act.target, VulnerabilityCase) else None,
        ref_id(act.origin),
        _ctx(inner.context) if isinstance(inner, ASObject) else None,
    ) if c]
    weak = [act.target] if isinstance(act.target, str) else []
    for candidate in strong + weak:
        if candidate in peer.cases:
            return candidate
    return (strong + weak)[0] if strong + weak else None


def _ctx(value: object) -> str | None:
    found = ref_id(value)
    return found if found and not found.startswith("https://www.w3.org/ns/") else None


def _apply(peer: ProtocolPeer, receiver: str, case: PeerCase, sender: str,
           act: Activity) -> str | None:
    """Apply one case message; the ledger event type to commit (None: nothing to log)."""
    kind, obj = act.type, act.object_
    if kind in _ENGAGE and isinstance(obj, VulnerabilityCase | str):
        event, logged = _ENGAGE[kind]
        case.rm_event(sender, event, peer.new_id(), peer.now())
        return logged
    if kind == "Undo" and isinstance(obj, Activity) and obj.type == "Ignore":
        case.rm_event(sender, RMEvent.ACCEPT, peer.new_id(), peer.now())
        return "reengage_case"
    if isinstance(obj, EmbargoEvent):
        return _embargo(peer, case, sender, act, obj)
    if kind in ("Accept", "Reject") and isinstance(obj, Activity) and obj.type == "Invite":
        case.answer(sender, ref_id(obj.object_), kind == "Accept")
        return f"{kind.lower()}_invite_to_embargo_on_case"
    if kind == "Add" and isinstance(obj, ParticipantStatus):
        target = _target(case, act, obj, sender)
        refused = case.add_status(target, model.Status(
            str(obj.id or peer.new_id()), target.actor, obj.rm_state, obj.vfd_state.value,
            obj.em_consent_state or target.consent, tuple(r.name for r in obj.cvd_role),
            obj.published or peer.now()))
        if any(r.rule == "rm-regression" for r in refused):
            _regression_note(peer, receiver, case, sender, target.rm, obj.rm_state)
        if refused:
            raise refused[0]
        return "add_participant_status_to_participant"
    if kind == "Add" and isinstance(obj, CaseStatus):
        if case.speaks_for_owner(sender):
            case.set_pxa(obj.pxa_state.value)
            return "add_case_status_to_case"
        return None
    if isinstance(obj, Note) and kind in ("Create", "Add"):
        # Create(Note) with the case as context attaches anywhere (create_note_tree); an
        # Add(Note) only at the CASE_MANAGER (AddNoteToCaseReceivedUseCase, findings A7)
        if kind == "Create" or receiver == case.manager:
            case.notes.setdefault(str(obj.id), model.Note(
                str(obj.id), sender, str(obj.content or ""), obj.name,
                obj.published or peer.now()))
        return "add_note_to_case" if kind == "Add" and receiver == case.manager else None
    return None


def _regression_note(peer: ProtocolPeer, receiver: str, case: PeerCase, sender: str,
                     current: RM, asserted: RM) -> None:
    """The reference's only feedback on a refused status: ``Add(Note)`` "RM state regression
    reported by <sender>" back to the sender (``EmitRMGapNoteNode``, rm_anomaly.py)."""
    when = peer.now()
    note = model.Note(peer.new_id(), receiver, (
        f"Actor '{sender}' reported a backward RM state transition from {current.value} to "
        f"{asserted.value}. RM is monotonic; this transition was refused (RSH-06-002). "
        f"Please clarify or resync your RM state."),
        f"RM state regression reported by {sender}", when)
    peer.queue(sender, wire.activity("Add", peer.new_id(), receiver, [sender],
                                     wire.note_wire(note, case.id), when,
                                     target=case.id))


def _embargo(peer: ProtocolPeer, case: PeerCase, sender: str, act: Activity,
             obj: EmbargoEvent) -> str | None:
    known = case.embargoes.get(str(obj.id))
    end = obj.end_time or (known.end if known else None)
    if obj.end_time is not None and obj.id:
        case.ends_told.add(obj.id)
    if act.type == "Remove":
        case.terminate(obj.id)
        if obj.id in case.proposed_ids:
            case.proposed_ids.remove(obj.id)
        return "remove_embargo_event_from_case"
    if end is None or not obj.id:
        raise Refused("transition", "EM: an embargo without an id or an end time")
    when = obj.published or peer.now()
    record = EmbargoRecord(obj.id, obj.start_time or when, end, when,
                           act.id if act.type == "Invite" else None)
    if act.type == "Invite":
        case.propose(record)
        case.proposed_ids.append(record.id)
        return "invite_to_embargo_on_case"
    if act.type in ("Add", "Announce") and case.speaks_for_owner(sender):
        case.activate(record)
        return "add_embargo_event_to_case"
    return None


def _target(case: PeerCase, act: Activity, status: ParticipantStatus,
            sender: str) -> Participant:
    """The participant a status is added to: ``target``, its CaseParticipant's id. The
    reference matches ``Add(ParticipantStatus)`` only with a CaseParticipant target: an actor
    id or no target is an unknown use case there (live, flow I5)."""
    named = ref_id(act.target)
    found = case.by_participant_id(named) if named else None
    if found is None:
        raise Refused("status-target", f"target {named!r} is not a participant of {case.id}")
    return found


# --- reports and invitations ---------------------------------------------------------------


def _offered(peer: ProtocolPeer, receiver: str, sender: str, data: J,
             report: VulnerabilityReport) -> str:
    if not report.id:
        return "processed"
    found = peer.reports.get(report.id)
    if found is None:
        found = PeerReport(report.id, data, sender, receiver,
                           {sender: RM.ACCEPTED, receiver: RM.RECEIVED})
        peer.reports[report.id] = found
    if receiver in peer.auto_create and found.offered_to == receiver and found.case_id is None:
        open_case(peer, receiver, found)
    return "processed"


def _report_reply(peer: ProtocolPeer, receiver: str, sender: str, act: Activity,
                  data: J) -> str:
    offer = act.object_
    assert isinstance(offer, Activity)
    report_id = ref_id(offer.object_)
    report = peer.reports.get(report_id or "")
    if report is None:
        raise Refused("unknown-case", f"report {report_id} is not known here")
    if sender != report.offered_to:
        raise Refused("not-participant", f"{sender} was not offered report {report_id}")
    event, logged = _REPORT_REPLY[act.type]
    if event is None:
        return "processed"
    if report.case_id is None:
        new = model.rm_step(model.report_rm(report, sender), event, sender)
        if new is None:
            return "processed"
        if event is RMEvent.VALIDATE:
            report.rm[sender] = new  # TransitionRMtoValid(sender): a report-phase status
        else:
            # The reference stores the answer and records no RM ("no case found for report
            # … RM state not updated"): the stored answer is what it holds.
            report.answers[sender] = (str(act.id), new)
        return "processed"
    case = peer.cases[report.case_id]
    case.rm_event(sender, event, peer.new_id(), peer.now())
    if receiver == case.manager and sender != receiver:
        commit(peer, case, logged, str(offer.id), wire.logged(data))
    return "processed"


def _invite_answer(peer: ProtocolPeer, receiver: str, sender: str, act: Activity,
                   data: J) -> str:
    invite = act.object_
    assert isinstance(invite, Activity)
    case = next((c for c in peer.cases.values() if invite.id in c.invitations), None)
    if case is None:
        raise Refused("unknown-case", f"an answer to invitation {invite.id}, which no case "
                                      f"here sent")
    invitee, roles = case.invitations[str(invite.id)]
    if sender != invitee:
        raise Refused("not-participant", f"{sender} answers the invitation of {invitee}")
    del case.invitations[str(invite.id)]
    if act.type == "Reject":
        return "processed"
    when = peer.now()
    p = Participant(f"{case.id}/participants/{short_id(sender)}", sender, list(roles), sender,
                    when, consent=PEC.SIGNATORY if case.active else PEC.NO_EMBARGO)
    for state in (RM.START, RM.RECEIVED):
        p.statuses.append(model.Status(peer.new_id(), sender, state, "vfd", p.consent,
                                       p.status_roles(), when))
    if case.active:
        p.accepted_embargoes.append(case.active)
    case.participants[sender] = p
    commit(peer, case, "add_case_participant", p.id, wire.logged(data))
    manager = str(case.manager)
    peer.queue(sender, {"actor": manager, "context": case.id, "id": peer.new_id(),
                        "name": f"{manager} Announce {case.id}",
                        "object": wire.case_wire(case, participants="core"),
                        "published": wire.z(when), "to": [sender], "type": "Announce",
                        "updated": wire.z(when)})
    return "processed"


def stored_offer(peer: ProtocolPeer, report: PeerReport) -> J:
    """The Offer as the reference re-serialises it (inside its Accept, B3)."""
    offer, vendor = report.offer, peer.actors[report.offered_to]
    when = wire.off(peer.start)
    return {"@context": wire.AS, "actor": offer["actor"], "id": offer["id"],
            "name": offer.get("name") or f"{offer['actor']} Offer to {vendor.id}",
            "object": wire.report_wire(offer["object"]), "published": when,
            "target": wire.actor_record(vendor.id, vendor.kind, vendor.display,
                                        vendor.published),
            "to": [vendor.id], "type": "Offer", "updated": when}


# --- case bootstrap ---------------------------------------------------------------------


def _bootstrap(peer: ProtocolPeer, receiver: str, sender: str, act: Activity) -> str:
    doc = act.object_
    assert isinstance(doc, VulnerabilityCase)
    case_id = str(doc.id)
    manager = next((ref_id(p.attributed_to) for p in doc.case_participants
                    if isinstance(p, CaseParticipant)
                    and any(r.value == "case_manager" for r in p.case_roles)), None)
    known = peer.cases.get(case_id)
    linked = [r for r in peer.reports.values()
              if r.offerer in peer.actors and r.offered_to == sender and r.case_id is None]
    if act.type == "Announce":
        trusted = sender == manager or (known is not None and sender == known.manager)
    else:
        trusted = bool(linked) or sender == manager
    if not trusted:
        raise Refused("untrusted-bootstrap", f"{act.type}(VulnerabilityCase) {case_id} from "
                      f"{sender}: no report of ours was offered to it and it is not the "
                      f"case's CASE_MANAGER ({manager})")
    if known is not None:
        return "processed"  # "already exists as replica — skipping re-seed"
    case = _case_from(peer, doc)
    in_doc = {r["id"] for r in case.reports}
    for report in [r for r in linked if r.id in in_doc] or linked[:1]:
        report.case_id = case_id
        ensured = case.participants.get(report.offerer)
        # "the reporter's participant is ensured at RM ACCEPTED" (findings §1) — when the case
        # names it at all ("ensure_reporter_participant: … skipping (#589)" otherwise)
        if (ensured is not None and ensured.rm is not RM.ACCEPTED
                and model.rm_acceptable(ensured.rm, RM.ACCEPTED)):
            ensured.statuses.append(model.Status(peer.new_id(), ensured.actor, RM.ACCEPTED,
                                                 ensured.vfd, ensured.consent,
                                                 ensured.status_roles(), peer.now()))
    peer.cases[case_id] = case
    peer.replay(case_id)
    return "processed"


def _case_from(peer: ProtocolPeer, doc: VulnerabilityCase) -> PeerCase:
    when = doc.published or peer.now()
    status = doc.current_status()
    case = PeerCase(str(doc.id), ref_id(doc.attributed_to), when,
                    status_id=str(status.id) if status and status.id else peer.new_id())
    index = {pid: actor for actor, pid in doc.actor_participant_index.items()}
    for item in doc.case_participants:
        if isinstance(item, CaseParticipant):
            actor = ref_id(item.attributed_to) or index.get(str(item.id), "")
            p = Participant(str(item.id), actor, [r.value for r in item.case_roles],
                            item.name or actor, item.published or when,
                            consent=item.embargo_consent_state or PEC.NO_EMBARGO,
                            accepted_embargoes=list(item.accepted_embargo_ids))
            for s in item.participant_statuses:
                if isinstance(s, ParticipantStatus):
                    p.statuses.append(model.Status(
                        str(s.id), actor, s.rm_state, s.vfd_state.value,
                        s.em_consent_state or p.consent, tuple(r.name for r in s.cvd_role),
                        s.published or when))
            case.participants[actor] = p
    for actor, pid in doc.actor_participant_index.items():
        case.participants.setdefault(actor, Participant(pid, actor, [], actor, when))
    case.reports = [to_wire(r) if isinstance(r, ASObject) else {"id": r}
                    for r in doc.vulnerability_reports]
    case.notes = {str(ref_id(n)): model.Note(str(ref_id(n)), "", "", None, when)
                  for n in doc.notes if ref_id(n)}
    _embargo_from(peer, case, doc, status)
    vendor = case.vendor_of_record()
    pxa = status.pxa_state.value if status else "pxa"
    case.state = CaseState(parse_vfd(vendor.vfd if vendor else "vfd"), parse_pxa(pxa))
    return case


def _embargo_from(peer: ProtocolPeer, case: PeerCase, doc: VulnerabilityCase,
                  status: CaseStatus | None) -> None:
    for item in [doc.active_embargo, *doc.proposed_embargoes]:
        if isinstance(item, EmbargoEvent) and item.id and item.end_time:
            start = item.start_time or item.published or case.published
            case.embargoes[item.id] = EmbargoRecord(item.id, start, item.end_time, start)
            case.ends_told.add(item.id)
    case.proposed_ids = [str(ref_id(e)) for e in doc.proposed_embargoes if ref_id(e)]
    state = status.em_state if status else EM.NONE
    active = ref_id(doc.active_embargo)
    if state in (EM.ACTIVE, EM.REVISE):
        record = case.embargoes.get(active or "")
        if record is None:
            raise Refused("transition", f"EM {state} announced with embargo {active} but "
                                        f"without its end: our EM machine cannot hold it")
        case.embargo, case.active = Embargo(EM.ACTIVE, record.end), active
    elif state is EM.PROPOSED:
        proposals = [case.embargoes[i] for i in case.proposed_ids if i in case.embargoes]
        if not proposals:
            raise Refused("transition", "EM PROPOSED announced without the proposal's end")
        case.embargo = Embargo(EM.PROPOSED, None, proposals[-1].end)
        case.pending = {p.id: p for p in proposals}


# --- the reference's vendor opens a case on a received report -------------------------------


def open_case(peer: ProtocolPeer, vendor: str, report: PeerReport) -> PeerCase:
    """``auto_create_case`` (findings V1, live flow B1): a per-case actor, the case with its
    three participants and a default P90D embargo in force, the native ledger entries 0–7
    fanned out, then ``Create(VulnerabilityCase)`` to the vendor and the reporter."""
    when = peer.now()
    ca = peer.add_actor(f"case-actor-{peer.new_id()[-12:]}", "Service",
                        f"CaseActor for report {report.id}")
    case = PeerCase(peer.new_id(), ca.id, when, status_id=peer.new_id())
    case.reports = [report.offer["object"]]
    peer.participant(case, ca.id, ["coordinator", "case_manager"], f"CaseActor for {case.id}",
                     [RM.RECEIVED, RM.VALID, RM.ACCEPTED])
    peer.participant(case, vendor, ["vendor", "case_owner"], vendor, [RM.RECEIVED])
    peer.participant(case, report.offerer, ["reporter"], report.offerer, [RM.ACCEPTED])
    record = EmbargoRecord(peer.new_id(), when, when + DEFAULT_EMBARGO, when)
    case.propose(record)
    case.activate(record)
    case.proposed_ids = [record.id]
    for p in case.participants.values():
        p.consent, p.accepted_embargoes = PEC.SIGNATORY, [record.id]
    report.case_id = case.id
    peer.cases[case.id] = case
    core = wire.case_core(case)
    commit(peer, case, "create_case", case.id, {
        "actor": ca.id, "context": case.id, "object": core, "type": "Create"})
    commit(peer, case, "add_report_to_case", report.id, {
        "actor": ca.id, "context": case.id, "object": wire.report_core(report.offer["object"]),
        "offerActorId": report.offerer, "offerId": report.offer["id"], "target": core,
        "type": "Add"})
    for p in case.participants.values():
        for s in p.statuses:
            commit(peer, case, "add_participant_status_to_participant", s.id, {
                "actor": ca.id, "context": case.id, "object": wire.status_core(s, case.id),
                "target": wire.participant_core(p, case.id), "type": "Add"})
    commit(peer, case, "add_case_status_to_case", case.status_id, {
        "actor": vendor, "context": case.id, "object": wire.case_status_core(case),
        "target": core, "type": "Add"})
    created = peer.now()
    act = {"actor": ca.id, "context": case.id, "id": peer.new_id(), "inReplyTo": peer.new_id(),
           "name": f"{ca.id} Create {case.id}", "object": wire.case_wire(case, participants="wire"),
           "published": wire.z(created), "to": [vendor, report.offerer], "type": "Create",
           "updated": wire.z(created)}
    peer.queue(report.offerer, act)
    return case
