"""What the reference implementation (CERTCC/Vultron 6883299d) puts on the wire, field for
field, rendered from the protocol peer's model (``tests.support.peer_model``).

The spellings are the recorded ones (``corpus/vultron/reference-server/live-flows``, and
``/work/notes/reference-findings.md`` for the shapes those recordings do not contain). The
reference mixes two renderings and so does this module:

* *core* dumps (its domain models): snake_case keys, ``rm: {"state": …}`` dimensions, ids for
  participants — in the ledger entries a case actor writes natively (``create_case``,
  ``add_participant_status_to_participant`` during case creation) and in the participants of
  ``Announce(VulnerabilityCase)`` / ``Leave``;
* *wire* dumps: camelCase, flat ``rmState``, ``None`` left out — everything else.

``tests/interop/test_protocol_peer.py`` checks the structure of every message built here
against the recording.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from tests.support.peer_model import EmbargoRecord, Note, Participant, PeerCase, Status

AS = "https://www.w3.org/ns/activitystreams"
J = dict[str, Any]

OBJECT_NULLS = ("attachment", "audience", "bcc", "bto", "cc", "context", "duration", "endTime",
                "generator", "icon", "image", "inReplyTo", "location", "mediaType", "preview",
                "replies", "startTime", "summary", "tag", "to", "url")
"""The fields the reference serialises as explicit nulls in an offered report (A1)."""


def z(when: datetime) -> str:
    """Activity-level timestamps: ``2026-12-02T03:36:18Z``."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def off(when: datetime) -> str:
    """Object-level timestamps: ``2026-12-02T03:36:50+00:00``."""
    return when.replace(microsecond=0).isoformat()


def _stamped(obj: J, when: datetime, *, wire: bool = True) -> J:
    return {**obj, "published": off(when) if wire else z(when),
            "updated": off(when) if wire else z(when)}


# --- objects ----------------------------------------------------------------------------


def report_object(report_id: str, name: str, content: str, author: str, when: datetime) -> J:
    """The report inside the finder's Offer (A1): every unset field an explicit null."""
    nulls = dict.fromkeys(OBJECT_NULLS)
    return {"@context": AS, **nulls, "attributedTo": author, "content": content,
            "id": report_id, "name": name, "published": z(when), "type": "VulnerabilityReport",
            "updated": z(when)}


def report_wire(report: J) -> J:
    keep = ("attributedTo", "content", "id", "name", "published", "type", "updated")
    return {"@context": AS, **{k: report[k] for k in keep if report.get(k) is not None}}


def report_core(report: J) -> J:
    out = {k: v for k, v in report_wire(report).items() if k not in ("@context",
                                                                    "attributedTo")}
    return {"attributed_to": report.get("attributedTo"), **out}


def status_wire(s: Status, context: str) -> J:
    return _stamped({"@context": AS, "attributedTo": s.actor, "caseEngagement": True,
                     "context": context, "cvdRole": list(s.roles),
                     "emConsentState": s.consent.value, "embargoAdherence": True, "id": s.id,
                     "name": f"{s.rm.value} {s.vfd}", "rmState": s.rm.value,
                     "type": "ParticipantStatus", "vfdState": s.vfd}, s.published)


def status_core(s: Status, context: str, *, in_participant: bool = False) -> J:
    consent: J = ({"consent": {"state": s.consent.value}} if in_participant
                  else {"emConsentState": s.consent.value})
    return _stamped({"attributedTo": s.actor, "caseEngagement": True, **consent,
                     "context": context, "cvdRole": list(s.roles), "embargoAdherence": True,
                     "id": s.id, "rm": {"state": s.rm.value}, "type": "ParticipantStatus",
                     "vfd": {"state": s.vfd}}, s.published, wire=False)


def participant_wire(p: Participant, context: str) -> J:
    return _stamped({"@context": AS, "acceptedEmbargoIds": list(p.accepted_embargoes),
                     "attributedTo": p.actor, "caseRoles": list(p.roles), "context": context,
                     "embargoConsentState": p.consent.value, "id": p.id, "name": p.name,
                     "participantStatuses": [status_wire(s, context) for s in p.statuses],
                     "type": "CaseParticipant"}, p.published)


def participant_core(p: Participant, context: str) -> J:
    return _stamped({"accepted_embargo_ids": list(p.accepted_embargoes),
                     "attributed_to": p.actor, "case_roles": list(p.roles), "context": context,
                     "embargo_consent_state": p.consent.value, "id": p.id, "name": p.name,
                     "participant_statuses": [status_core(s, context, in_participant=True)
                                              for s in p.statuses],
                     "type": "CaseParticipant"}, p.published, wire=False)


def case_status_wire(case: PeerCase) -> J:
    em, pxa = case.embargo.state.value, case.state.pxa.value
    return _stamped({"@context": AS, "attributedTo": case.attributed_to, "context": case.id,
                     "emState": em, "id": case.status_id, "name": f"{em} {pxa}",
                     "pxaState": pxa, "type": "CaseStatus"}, case.published)


def case_status_core(case: PeerCase) -> J:
    return _stamped({"attributedTo": case.attributed_to, "context": case.id,
                     "em": {"state": case.embargo.state.value}, "id": case.status_id,
                     "pxa": {"state": case.state.pxa.value}, "type": "CaseStatus"},
                    case.published, wire=False)


def _index(case: PeerCase) -> J:
    return {actor: p.id for actor, p in case.participants.items()}


def _pending_index(case: PeerCase) -> J:
    return {i: r.invite_id for i, r in case.pending.items() if r.invite_id}


def case_core(case: PeerCase) -> J:
    """The case as the reference's domain model dumps it (ledger snapshots)."""
    return _stamped({
        "active_embargo": case.active, "actor_participant_index": _index(case),
        "attributed_to": case.attributed_to, "case_activity": [],
        "case_participants": [p.id for p in case.participants.values()],
        "case_statuses": [case_status_core(case)], "child_cases": [],
        "genesis_hash": genesis(case), "id": case.id, "notes": list(case.notes),
        "parent_cases": [], "pending_embargo_proposal_index": _pending_index(case),
        "proposed_embargoes": list(case.proposed_ids), "recommendation_recommender_index": {},
        "sibling_cases": [], "type": "VulnerabilityCase",
        "vulnerability_reports": [r["id"] for r in case.reports]}, case.published, wire=False)


def case_wire(case: PeerCase, *, participants: str = "ids") -> J:
    """The case camelCase; ``participants`` ``ids`` (Join, Leave), ``wire`` inline
    (Create(VulnerabilityCase)) or ``core`` inline snake_case (Announce(VulnerabilityCase))."""
    def inline(p: Participant) -> Any:
        if participants == "ids":
            return p.id
        return (participant_wire if participants == "wire" else participant_core)(p, case.id)

    out: J = {"@context": AS, "actorParticipantIndex": _index(case),
              "attributedTo": case.attributed_to, "caseActivity": [],
              "caseParticipants": [inline(p) for p in case.participants.values()],
              "caseStatuses": [case_status_wire(case)], "childCases": [],
              "genesisHash": genesis(case), "id": case.id, "notes": list(case.notes),
              "parentCases": [], "pendingEmbargoProposalIndex": _pending_index(case),
              "proposedEmbargoes": list(case.proposed_ids), "recommendationRecommenderIndex": {},
              "siblingCases": [], "type": "VulnerabilityCase",
              "vulnerabilityReports": ([report_wire(r) for r in case.reports]
                                       if participants == "wire"
                                       else [r["id"] for r in case.reports])}
    if case.active is not None:
        out["activeEmbargo"] = case.active
    return _stamped(out, case.published)


def embargo_wire(record: EmbargoRecord, case_id: str) -> J:
    return _stamped({"@context": AS, "context": case_id, "endTime": record.end.isoformat(),
                     "id": record.id,
                     "name": f"Embargo for {case_id} start: {record.start.isoformat()} "
                             f"end: {record.end.isoformat()}",
                     "startTime": record.start.isoformat(), "type": "EmbargoEvent"},
                    record.published)


def note_wire(note: Note, case_id: str) -> J:
    return _stamped({"@context": AS, "attributedTo": note.author, "content": note.content,
                     "context": case_id, "id": note.id, "name": note.name, "type": "Note"},
                    note.published)


def actor_record(actor_id: str, kind: str, name: str, when: datetime) -> J:
    return _stamped({"@context": AS, "id": actor_id, "name": name, "type": kind}, when)


# --- activities ---------------------------------------------------------------------------


def activity(kind: str, activity_id: str, actor: str, to: list[str], obj: Any, when: datetime,
             **extra: Any) -> J:
    """A wire activity as a reference actor's outbox sends it (``name`` included)."""
    what = obj.get("id") if isinstance(obj, dict) else obj
    return {"actor": actor, **extra, "id": activity_id, "name": f"{actor} {kind} {what}",
            "object": obj, "published": z(when), "to": to, "type": kind,
            "updated": z(when)}


def logged(act: J) -> J:
    """An activity as a ledger snapshot holds it: no ``name``, ``context`` kept."""
    return {k: v for k, v in act.items() if k != "name"}


def offer(offer_id: str, actor: str, to: str, report: J, when: datetime) -> J:
    """``Offer(VulnerabilityReport)`` (A1)."""
    return {"actor": actor, "id": offer_id,
            "name": f"{actor} Offer {report['name']} to {to}", "object": report,
            "published": z(when), "target": to, "to": [to], "type": "Offer",
            "updated": z(when)}


def genesis(case: PeerCase) -> str:
    """sha256(case_id|created_at|case_actor_id), as ``core/models/case_ledger.py``."""
    text = f"{case.id}|{case.published.isoformat()}|{case.manager or ''}"
    return hashlib.sha256(text.encode()).hexdigest()


def ledger_entry(case: PeerCase, event_type: str, log_object_id: str, payload: J,
                 when: datetime) -> J:
    """The next hash-chained ``CaseLedgerEntry`` of ``case`` (appended to its ledger)."""
    index = len(case.ledger)
    prev = case.ledger[-1]["entryHash"] if case.ledger else genesis(case)
    entry_id = f"{case.id}/log/{index}"
    entry_hash = hashlib.sha256(f"{prev}|{entry_id}|{event_type}".encode()).hexdigest()
    entry = {"@context": AS, "caseId": case.id, "disposition": "recorded",
             "entryHash": entry_hash, "eventType": event_type, "id": entry_id,
             "logIndex": index, "logObjectId": log_object_id, "payloadSnapshot": payload,
             "prevLogHash": prev, "published": off(when), "receivedAt": z(when),
             "type": "CaseLedgerEntry", "updated": off(when)}
    case.ledger.append(entry)
    return entry


def announce(activity_id: str, actor: str, to: str, obj: J, when: datetime) -> J:
    """``Announce(<object>)`` from a case actor to one participant (no ``context``)."""
    return {"actor": actor, "id": activity_id, "name": f"{actor} Announce {obj['id']}",
            "object": obj, "published": z(when), "to": [to], "type": "Announce",
            "updated": z(when)}
