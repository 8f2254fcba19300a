"""Retired custom activity types and what they mean in today's vocabulary.

The 2023 examples used custom activity types (``RmEngageCase``, ``OfferCaseOwnershipTransfer``…)
that the reference server now answers with 422. :func:`upgrade_retired` rewrites such a raw
document into the current shape before it is parsed, turning the bare URI references the old
types carried into typed stubs (``{"type": "VulnerabilityCase", "id": …}``) where the retired
type says what the reference points at, and wrapping replies around the original
Offer/Invite as the current protocol does (RC = ``Reject(Offer(VulnerabilityReport))``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Raw = dict[str, Any]

REPORT = "VulnerabilityReport"
CASE = "VulnerabilityCase"
ACTOR = "Actor"
EMBARGO = "EmbargoEvent"
PARTICIPANT = "CaseParticipant"
NOTE = "Note"
CASE_STATUS = "CaseStatus"
PARTICIPANT_STATUS = "ParticipantStatus"


def _stub(value: Any, type_name: str) -> Any:
    if isinstance(value, str):
        return {"type": type_name, "id": value}
    return value


def _simple(modern: str, obj: str | None = None, target: str | None = None,
            origin: str | None = None) -> Callable[[Raw], Raw]:
    def upgrade(raw: Raw) -> Raw:
        out = dict(raw, type=modern)
        for key, type_name in (("object", obj), ("target", target), ("origin", origin)):
            if type_name and key in out:
                out[key] = _stub(out[key], type_name)
        return out
    return upgrade


def _reply(outer: str, inner: str, inner_obj: str) -> Callable[[Raw], Raw]:
    """Reply to an Offer/Invite whose object was the legacy activity's object."""
    def upgrade(raw: Raw) -> Raw:
        inner_doc: Raw = {"type": inner, "object": _stub(raw.get("object"), inner_obj)}
        return dict(raw, type=outer, object=inner_doc)
    return upgrade


def _invite_reply(outer: str) -> Callable[[Raw], Raw]:
    """RmAccept/RejectInviteToCase: object = case, actor = invitee, origin = inviter."""
    def upgrade(raw: Raw) -> Raw:
        inner: Raw = {"type": "Invite", "object": _stub(raw.get("actor"), ACTOR),
                      "target": _stub(raw.get("object"), CASE)}
        if raw.get("origin") is not None:
            inner["actor"] = raw["origin"]
        return dict(raw, type=outer, object=inner)
    return upgrade


def _ownership_reply(outer: str) -> Callable[[Raw], Raw]:
    """Accept/RejectCaseOwnershipTransfer: object = case, origin = current owner."""
    def upgrade(raw: Raw) -> Raw:
        inner: Raw = {"type": "Offer", "object": _stub(raw.get("object"), CASE)}
        if raw.get("origin") is not None:
            inner["actor"] = raw["origin"]
        if raw.get("actor") is not None:
            inner["target"] = raw["actor"]
        return dict(raw, type=outer, object=inner)
    return upgrade


def _suggestion_reply(outer: str) -> Callable[[Raw], Raw]:
    """Accept/RejectNewCaseParticipantSuggestion: object = suggested actor, origin = suggester."""
    def upgrade(raw: Raw) -> Raw:
        inner: Raw = {"type": "Offer", "object": _stub(raw.get("object"), ACTOR),
                      "target": _stub(raw.get("target"), CASE)}
        if raw.get("origin") is not None:
            inner["actor"] = raw["origin"]
        return dict(raw, type=outer, object=inner)
    return upgrade


#: retired type -> (how to write it today, rewrite function)
RETIRED: dict[str, tuple[str, Callable[[Raw], Raw]]] = {
    "RmCreateReport": ("Create(VulnerabilityReport)", _simple("Create", obj=REPORT)),
    "RmSubmitReport": ("Offer(VulnerabilityReport)", _simple("Offer", obj=REPORT)),
    "RmReadReport": ("Read(Offer(VulnerabilityReport))", _reply("Read", "Offer", REPORT)),
    "RmValidateReport": ("Accept(Offer(VulnerabilityReport))", _reply("Accept", "Offer", REPORT)),
    "RmInvalidateReport": ("TentativeReject(Offer(VulnerabilityReport))",
                           _reply("TentativeReject", "Offer", REPORT)),
    "RmCloseReport": ("Reject(Offer(VulnerabilityReport))", _reply("Reject", "Offer", REPORT)),
    "RmEngageCase": ("Join(VulnerabilityCase)", _simple("Join", obj=CASE)),
    "RmDeferCase": ("Ignore(VulnerabilityCase)", _simple("Ignore", obj=CASE)),
    "RmCloseCase": ("Leave(VulnerabilityCase)", _simple("Leave", obj=CASE)),
    "RmInviteToCase": ("Invite(Actor) with target VulnerabilityCase",
                       _simple("Invite", obj=ACTOR, target=CASE)),
    "RmAcceptInviteToCase": ("Accept(Invite(Actor))", _invite_reply("Accept")),
    "RmRejectInviteToCase": ("Reject(Invite(Actor))", _invite_reply("Reject")),
    "OfferCaseOwnershipTransfer": ("Offer(VulnerabilityCase) with target the new owner",
                                   _simple("Offer", obj=CASE, target=ACTOR)),
    "AcceptCaseOwnershipTransfer": ("Accept(Offer(VulnerabilityCase))", _ownership_reply("Accept")),
    "RejectCaseOwnershipTransfer": ("Reject(Offer(VulnerabilityCase))", _ownership_reply("Reject")),
    "SuggestNewCaseParticipant": ("Offer(Actor) with target VulnerabilityCase",
                                  _simple("Offer", obj=ACTOR, target=CASE)),
    "RecommendActor": ("Offer(Actor) with target VulnerabilityCase",
                       _simple("Offer", obj=ACTOR, target=CASE)),
    "AcceptNewCaseParticipantSuggestion": ("Accept(Offer(Actor))", _suggestion_reply("Accept")),
    "AcceptActorRecommendation": ("Accept(Offer(Actor))", _suggestion_reply("Accept")),
    "RejectNewCaseParticipantSuggestion": ("Reject(Offer(Actor))", _suggestion_reply("Reject")),
    "RejectActorRecommendation": ("Reject(Offer(Actor))", _suggestion_reply("Reject")),
    "ChoosePreferredEmbargo": ("Question with anyOf/oneOf EmbargoEvents", _simple("Question")),
    "EmProposeEmbargo": ("Invite(EmbargoEvent)", _simple("Invite", obj=EMBARGO)),
    "EmAcceptEmbargo": ("Accept(Invite(EmbargoEvent))", _reply("Accept", "Invite", EMBARGO)),
    "EmRejectEmbargo": ("Reject(Invite(EmbargoEvent))", _reply("Reject", "Invite", EMBARGO)),
    "ActivateEmbargo": ("Add(EmbargoEvent) with target VulnerabilityCase",
                        _simple("Add", obj=EMBARGO, target=CASE)),
    "AddEmbargoToCase": ("Add(EmbargoEvent) with target VulnerabilityCase",
                         _simple("Add", obj=EMBARGO, target=CASE)),
    "AnnounceEmbargo": ("Announce(EmbargoEvent)", _simple("Announce", obj=EMBARGO)),
    "RemoveEmbargoFromCase": ("Remove(EmbargoEvent) with origin VulnerabilityCase",
                              _simple("Remove", obj=EMBARGO, origin=CASE)),
    "AddReportToCase": ("Add(VulnerabilityReport) with target VulnerabilityCase",
                        _simple("Add", obj=REPORT, target=CASE)),
    "AddParticipantToCase": ("Add(CaseParticipant) with target VulnerabilityCase",
                             _simple("Add", obj=PARTICIPANT, target=CASE)),
    "RemoveParticipantFromCase": ("Remove(CaseParticipant) with origin VulnerabilityCase",
                                  _simple("Remove", obj=PARTICIPANT, origin=CASE)),
    "CreateCase": ("Create(VulnerabilityCase)", _simple("Create", obj=CASE)),
    "UpdateCase": ("Update(VulnerabilityCase)", _simple("Update", obj=CASE)),
    "AddNoteToCase": ("Add(Note) with target VulnerabilityCase",
                      _simple("Add", obj=NOTE, target=CASE)),
    "AddStatusToCase": ("Add(CaseStatus) with target VulnerabilityCase",
                        _simple("Add", obj=CASE_STATUS, target=CASE)),
    "AddStatusToParticipant": ("Add(ParticipantStatus) with target CaseParticipant",
                               _simple("Add", obj=PARTICIPANT_STATUS, target=PARTICIPANT)),
    "CreateParticipant": ("Create(CaseParticipant)", _simple("Create", obj=PARTICIPANT)),
    "CreateStatusForParticipant": ("Create(ParticipantStatus)",
                                   _simple("Create", obj=PARTICIPANT_STATUS)),
}


def upgrade_retired(raw: Raw, type_name: str) -> tuple[Raw, str] | None:
    """The current form of a retired activity and the warning to give, or None."""
    entry = RETIRED.get(type_name)
    if entry is None:
        return None
    modern, rewrite = entry
    warning = (f"{type_name} is a retired type: the reference server answers 422; "
               f"emit {modern}")
    return rewrite(raw), warning
