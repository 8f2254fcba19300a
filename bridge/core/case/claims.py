"""What an inbound activity claims to do, read off its shape: the :class:`Act`, who says it,
about which report, case, participant and embargo.

This is the one place an activity's shape is interpreted for inbound handling: the mirror
dispatches on :attr:`Claim.act` and :func:`bridge.core.case.authority.authorize` judges the
same claim, so what is authorized is exactly what is done. A relayed activity (the snapshot of
an ``Announce(CaseLedgerEntry)``) keeps the relaying actor as :attr:`Claim.sender` — the one
the signature or the trusted-peer rule vouched for — and the snapshot's actor as
:attr:`Claim.claimed`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bridge.core.vocab.activities import Activity
from bridge.core.vocab.base import ASObject, ref_id, ref_ids
from bridge.core.vocab.objects import (
    Actor,
    CaseParticipant,
    CaseStatus,
    EmbargoEvent,
    Note,
    ParticipantStatus,
    VulnerabilityCase,
    VulnerabilityReport,
)


class Act(StrEnum):
    """Inbound meanings (values name the docs/inbound.md rows they implement)."""

    OFFER_REPORT = "offer_report"
    REPORT_ANSWER = "report_answer"
    """Accept/Reject/TentativeReject of an Offer of a report: the recipient's RV/RI/RC."""
    CREATE_CASE = "create_case"
    UPDATE_CASE = "update_case"
    ADD_REPORT = "add_report"
    ADD_PARTICIPANT = "add_participant"
    CASE_STATUS = "case_status"
    PARTICIPANT_STATUS = "participant_status"
    NOTE = "note"
    EMBARGO_PROPOSE = "embargo_propose"
    EMBARGO_ANSWER = "embargo_answer"
    EMBARGO_SET = "embargo_set"
    EMBARGO_END = "embargo_end"
    ENGAGE = "engage"
    """Join / Ignore / Leave / Undo(Ignore) of a case by the sender."""
    INVITE_TO_CASE = "invite_to_case"
    INVITE_ANSWER = "invite_answer"
    OTHER = "other"


OWNER_ACTS = frozenset({
    Act.UPDATE_CASE, Act.ADD_REPORT, Act.ADD_PARTICIPANT, Act.CASE_STATUS,
    Act.EMBARGO_PROPOSE, Act.EMBARGO_SET, Act.EMBARGO_END, Act.INVITE_TO_CASE,
})
"""What only a case's owner (or its case actor) may say about the case."""


@dataclass(frozen=True)
class Claim:
    act: Act
    sender: str | None
    """Who vouched for the request (the outer activity's actor)."""
    claimed: str | None = None
    """The actor the (possibly relayed) activity names; the sender when not relayed."""
    report_id: str | None = None
    case_ids: tuple[str, ...] = ()
    """Candidate case ids, most specific first (target, ledger case, object context, context)."""
    about: str | None = None
    """The participant a status or participant record is about."""
    embargo_id: str | None = None
    answers: str | None = None
    """The id of the activity an answer answers (an Invite, an Offer)."""
    accept: bool = True
    """For answers: an Accept (True) or a Reject/TentativeReject (False)."""
    roles: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


_ENGAGE = frozenset({"Join", "Ignore", "Leave"})
_ANSWERS = frozenset({"Accept", "Reject", "TentativeReject"})


def _first(*candidates: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for c in candidates if c))


def _owner_of_status(status: ParticipantStatus, target: object) -> str | None:
    if isinstance(target, CaseParticipant):
        found = ref_ids(target.attributed_to)
        if found:
            return found[0]
    found = ref_ids(status.attributed_to)
    return found[0] if found else None


def claim_of(activity: Activity, sender: str | None = None,
             case_hint: str | None = None) -> Claim:
    """The claim ``activity`` makes; ``sender`` defaults to its own actor (not relayed)."""
    actor = ref_id(activity.actor)
    who = sender if sender is not None else actor
    kind, obj, target = activity.type, activity.object_, activity.target
    context = ref_id(activity.context)

    def base(act: Act, **fields: Any) -> Claim:
        return Claim(act, sender=who, claimed=actor or who, **fields)

    def cases(*more: str | None) -> tuple[str, ...]:
        return _first(*more, case_hint, context)

    if kind == "Offer" and isinstance(obj, VulnerabilityReport):
        return base(Act.OFFER_REPORT, report_id=obj.id, case_ids=cases())
    if kind in ("Create", "Update", "Announce") and isinstance(obj, VulnerabilityCase):
        # Announce(VulnerabilityCase) is the case actor's full snapshot: a bootstrap too
        act = Act.UPDATE_CASE if kind == "Update" else Act.CREATE_CASE
        return base(act, case_ids=_first(obj.id))
    if kind == "Add" and isinstance(obj, VulnerabilityReport | str) and (
            isinstance(obj, VulnerabilityReport) or isinstance(target, VulnerabilityCase)):
        return base(Act.ADD_REPORT, report_id=ref_id(obj), case_ids=cases(ref_id(target)))
    if kind in ("Add", "Create"):
        if isinstance(obj, CaseStatus):
            return base(Act.CASE_STATUS, case_ids=cases(ref_id(target), ref_id(obj.context)))
        if isinstance(obj, ParticipantStatus):
            inner = target.context if isinstance(target, CaseParticipant) else None
            return base(Act.PARTICIPANT_STATUS,
                         case_ids=cases(ref_id(inner), ref_id(obj.context)),
                         about=_owner_of_status(obj, target),
                         roles=tuple(r.value for r in obj.cvd_role))
        if isinstance(obj, CaseParticipant):
            about = ref_ids(obj.attributed_to)
            return base(Act.ADD_PARTICIPANT,
                         case_ids=cases(ref_id(target), ref_id(obj.context)),
                         about=about[0] if about else None,
                         roles=tuple(r.value for r in obj.case_roles))
        if isinstance(obj, Note):
            return base(Act.NOTE, case_ids=cases(ref_id(target), ref_id(obj.context)))
        if isinstance(obj, EmbargoEvent) and kind == "Add":
            return base(Act.EMBARGO_SET, case_ids=cases(ref_id(target), ref_id(obj.context)),
                         embargo_id=obj.id)
    if kind == "Invite" and isinstance(obj, EmbargoEvent):
        return base(Act.EMBARGO_PROPOSE, case_ids=cases(ref_id(target), ref_id(obj.context)),
                     embargo_id=obj.id)
    if kind == "Invite" and (isinstance(obj, Actor | str)) and isinstance(
            target, VulnerabilityCase | str) and not isinstance(obj, EmbargoEvent):
        invited = ref_id(obj)
        return base(Act.INVITE_TO_CASE, case_ids=cases(ref_id(target)), about=invited)
    if kind in _ANSWERS and isinstance(obj, Activity | EmbargoEvent | str):
        return _answer(activity, obj, base, cases)
    if kind == "Remove" and isinstance(obj, EmbargoEvent):
        return base(Act.EMBARGO_END, case_ids=cases(ref_id(target), ref_id(obj.context)),
                     embargo_id=obj.id)
    if kind == "Announce" and isinstance(obj, EmbargoEvent):
        return base(Act.EMBARGO_SET, case_ids=cases(ref_id(obj.context)), embargo_id=obj.id)
    if kind in _ENGAGE and isinstance(obj, VulnerabilityCase | str):
        return base(Act.ENGAGE, case_ids=cases(ref_id(obj)), about=actor)
    if kind == "Undo" and isinstance(obj, Activity) and obj.type == "Ignore":
        return base(Act.ENGAGE, case_ids=cases(ref_id(obj.object_)), about=actor)
    return base(Act.OTHER, case_ids=cases())


def _answer(activity: Activity, obj: object, base: Callable[..., Claim],
            cases: Callable[..., tuple[str, ...]]) -> Claim:
    accept = activity.type == "Accept"
    if isinstance(obj, EmbargoEvent):
        return base(Act.EMBARGO_ANSWER, case_ids=cases(ref_id(obj.context)),
                     embargo_id=obj.id, accept=accept)
    if isinstance(obj, Activity):
        inner = obj.object_
        if obj.type == "Invite" and isinstance(inner, EmbargoEvent):
            return base(Act.EMBARGO_ANSWER,
                         case_ids=cases(ref_id(obj.target), ref_id(inner.context),
                                        ref_id(obj.context)),
                         embargo_id=inner.id, answers=obj.id, accept=accept)
        if obj.type == "Invite":
            return base(Act.INVITE_ANSWER, case_ids=cases(ref_id(obj.target)),
                         about=ref_id(inner), answers=obj.id, accept=accept)
        if obj.type == "Offer" and isinstance(inner, VulnerabilityReport | str):
            return base(Act.REPORT_ANSWER, report_id=ref_id(inner), case_ids=cases(),
                         answers=obj.id, accept=accept)
    return base(Act.OTHER, case_ids=cases())


def is_ours(activity: ASObject, us: str) -> bool:
    """Whether an object was made by us (its actor or attribution is our actor)."""
    return us in ref_ids(getattr(activity, "actor", None)) or us in ref_ids(
        activity.attributed_to)
