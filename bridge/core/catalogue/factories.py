"""Factories that build each message in the current wire format.

Pure: ids and times are passed in (``activity_id``, ``published``), nothing is generated here.
Every factory takes keyword arguments only; ``to`` defaults to the actor of the activity being
answered (replies) and is otherwise left out. Replies carry the original Offer/Invite inline,
as the reference implementation requires (RV = ``Accept(<the whole Offer>)``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from bridge.core.vocab.activities import (
    Accept,
    Activity,
    Add,
    Announce,
    Create,
    Ignore,
    Invite,
    Join,
    Leave,
    Offer,
    Question,
    Read,
    Reject,
    Remove,
    TentativeReject,
    Undo,
    Update,
)
from bridge.core.vocab.base import AS_CONTEXT, ASObject, ref_id
from bridge.core.vocab.enums import PXA, VFD
from bridge.core.vocab.objects import (
    Actor,
    CaseLedgerEntry,
    CaseParticipant,
    CaseStatus,
    EmbargoEvent,
    ParticipantStatus,
    VulnerabilityCase,
    VulnerabilityReport,
)

A = TypeVar("A", bound=Activity)
CaseRef = VulnerabilityCase | str


def _activity(cls: type[A], *, activity_id: str, published: datetime, actor: str,
              to: Sequence[str] | None, summary: str | None, **fields: Any) -> A:
    return cls(at_context=AS_CONTEXT, id=activity_id, published=published, actor=actor,
               to=list(to) if to else None, summary=summary, **fields)


def _reply_to(original: Activity, to: Sequence[str] | None) -> list[str] | None:
    if to:
        return list(to)
    sender = ref_id(original.actor)
    return [sender] if sender else None


def _case_id(case: CaseRef) -> str | None:
    return ref_id(case)


def _actor(value: Actor | str) -> Actor:
    return value if isinstance(value, Actor) else Actor(id=value)


# --- report management -------------------------------------------------------------------

def create_report(*, activity_id: str, published: datetime, actor: str,
                  report: VulnerabilityReport, to: Sequence[str] | None = None,
                  summary: str | None = None) -> Create:
    return _activity(Create, activity_id=activity_id, published=published, actor=actor, to=to,
                     summary=summary, object_=report)


def submit_report(*, activity_id: str, published: datetime, actor: str,
                  report: VulnerabilityReport, to: Sequence[str] | None = None,
                  summary: str | None = None) -> Offer:
    return _activity(Offer, activity_id=activity_id, published=published, actor=actor, to=to,
                     summary=summary, object_=report)


def _offer_reply(cls: type[A]) -> Callable[..., A]:
    def build(*, activity_id: str, published: datetime, actor: str, offer: Offer,
              to: Sequence[str] | None = None, summary: str | None = None,
              context: str | None = None) -> A:
        return _activity(cls, activity_id=activity_id, published=published, actor=actor,
                         to=_reply_to(offer, to), summary=summary, object_=offer,
                         context=context)
    return build


ack_report = _offer_reply(Read)
"""RK: ``Read(<the Offer>)``."""
validate_report = _offer_reply(Accept)
"""RV: ``Accept(<the Offer(VulnerabilityReport)>)``."""
invalidate_report = _offer_reply(TentativeReject)
"""RI: ``TentativeReject(<the Offer>)``."""
close_report = _offer_reply(Reject)
"""RC: ``Reject(<the Offer>)``."""


def _case_act(cls: type[A]) -> Callable[..., A]:
    def build(*, activity_id: str, published: datetime, actor: str, case: VulnerabilityCase,
              to: Sequence[str] | None = None, summary: str | None = None) -> A:
        return _activity(cls, activity_id=activity_id, published=published, actor=actor, to=to,
                         summary=summary, object_=case, context=case.id)
    return build


engage_case = _case_act(Join)
"""RA: ``Join(VulnerabilityCase)``."""
defer_case = _case_act(Ignore)
"""RD: ``Ignore(VulnerabilityCase)``."""
close_case = _case_act(Leave)
"""Close case (RC at case level): ``Leave(VulnerabilityCase)``."""
create_case = _case_act(Create)
update_case = _case_act(Update)


def reengage_case(*, activity_id: str, published: datetime, actor: str, ignore: Ignore,
                  to: Sequence[str] | None = None, summary: str | None = None) -> Undo:
    """Re-engage a deferred case: ``Undo(<the Ignore(VulnerabilityCase)>)``."""
    return _activity(Undo, activity_id=activity_id, published=published, actor=actor, to=to,
                     summary=summary, object_=ignore, context=ignore.context)


# --- embargo management ------------------------------------------------------------------

def propose_embargo(*, activity_id: str, published: datetime, actor: str,
                    embargo: EmbargoEvent, case: CaseRef, to: Sequence[str] | None = None,
                    summary: str | None = None) -> Invite:
    """EP (no active embargo) and EV (revision of an active one): ``Invite(EmbargoEvent)``."""
    return _activity(Invite, activity_id=activity_id, published=published, actor=actor, to=to,
                     summary=summary, object_=embargo, context=_case_id(case))


propose_embargo_revision = propose_embargo


def _invite_reply(cls: type[A]) -> Callable[..., A]:
    def build(*, activity_id: str, published: datetime, actor: str, invite: Invite,
              to: Sequence[str] | None = None, summary: str | None = None) -> A:
        return _activity(cls, activity_id=activity_id, published=published, actor=actor,
                         to=_reply_to(invite, to), summary=summary, object_=invite,
                         context=invite.context)
    return build


accept_embargo = _invite_reply(Accept)
"""EA / EC: ``Accept(<the Invite(EmbargoEvent)>)``."""
reject_embargo = _invite_reply(Reject)
"""ER / EJ: ``Reject(<the Invite(EmbargoEvent)>)``."""
ack_embargo = _invite_reply(Read)
"""EK: ``Read(<the Invite(EmbargoEvent)>)``."""
accept_invite_to_case = _invite_reply(Accept)
reject_invite_to_case = _invite_reply(Reject)


def terminate_embargo(*, activity_id: str, published: datetime, actor: str,
                      embargo: EmbargoEvent, case: CaseRef, to: Sequence[str] | None = None,
                      summary: str | None = None) -> Remove:
    """ET: ``Remove(EmbargoEvent)`` with ``origin`` = the case."""
    return _activity(Remove, activity_id=activity_id, published=published, actor=actor, to=to,
                     summary=summary, object_=embargo, origin=case, context=_case_id(case))


def _to_case(cls: type[A], field: str = "target") -> Callable[..., A]:
    def build(*, activity_id: str, published: datetime, actor: str, obj: ASObject,
              case: CaseRef, to: Sequence[str] | None = None, summary: str | None = None) -> A:
        return _activity(cls, activity_id=activity_id, published=published, actor=actor, to=to,
                         summary=summary, object_=obj, context=_case_id(case),
                         **{field: case})
    return build


add_embargo_to_case = _to_case(Add)
"""Activate an embargo on the case: ``Add(EmbargoEvent)`` with ``target`` = the case."""
add_report_to_case = _to_case(Add)
add_participant = _to_case(Add)
remove_participant = _to_case(Remove)
add_note_to_case = _to_case(Add)
remove_note_from_case = _to_case(Remove)


def _in_case(cls: type[A]) -> Callable[..., A]:
    def build(*, activity_id: str, published: datetime, actor: str, obj: ASObject,
              case: CaseRef | None = None, to: Sequence[str] | None = None,
              summary: str | None = None) -> A:
        context = _case_id(case) if case is not None else None
        return _activity(cls, activity_id=activity_id, published=published, actor=actor, to=to,
                         summary=summary, object_=obj, context=context)
    return build


announce_embargo = _in_case(Announce)
create_embargo = _in_case(Create)
create_participant = _in_case(Create)
create_participant_status = _in_case(Create)
create_case_status = _in_case(Create)
create_note = _in_case(Create)


def choose_preferred_embargo(*, activity_id: str, published: datetime, actor: str,
                             embargoes: Sequence[EmbargoEvent], case: CaseRef,
                             to: Sequence[str] | None = None,
                             summary: str | None = None) -> Question:
    """Legacy poll: ``Question`` with ``anyOf`` the proposed EmbargoEvents."""
    return _activity(Question, activity_id=activity_id, published=published, actor=actor, to=to,
                     summary=summary, any_of=list(embargoes), context=_case_id(case))


# --- case state --------------------------------------------------------------------------

def _participant_status(vfd: VFD | None) -> Callable[..., Add]:
    def build(*, activity_id: str, published: datetime, actor: str, status: ParticipantStatus,
              participant: CaseParticipant | str, to: Sequence[str] | None = None,
              summary: str | None = None) -> Add:
        if vfd is not None:
            status = status.model_copy(update={"vfd_state": vfd})
        return _activity(Add, activity_id=activity_id, published=published, actor=actor, to=to,
                         summary=summary, object_=status, target=participant,
                         context=status.context)
    return build


vendor_aware = _participant_status(VFD.Vfd)
"""CV: ``Add(ParticipantStatus)`` with ``vfdState`` = ``Vfd``."""
fix_ready = _participant_status(VFD.VFd)
"""CF: ``Add(ParticipantStatus)`` with ``vfdState`` = ``VFd``."""
fix_deployed = _participant_status(VFD.VFD)
"""CD: ``Add(ParticipantStatus)`` with ``vfdState`` = ``VFD``."""
add_participant_status = _participant_status(None)


def _set_pxa(pxa: PXA, *, p: bool = False, x: bool = False, a: bool = False) -> PXA:
    letters = list(pxa.value)
    if p or x:  # an exploit made public makes the public aware (pX -> PX)
        letters[0] = "P"
    if x:
        letters[1] = "X"
    if a:
        letters[2] = "A"
    return PXA("".join(letters))


def _case_status(p: bool = False, x: bool = False, a: bool = False) -> Callable[..., Add]:
    def build(*, activity_id: str, published: datetime, actor: str, status: CaseStatus,
              case: CaseRef, to: Sequence[str] | None = None,
              summary: str | None = None) -> Add:
        if p or x or a:
            status = status.model_copy(update={"pxa_state": _set_pxa(status.pxa_state, p=p,
                                                                      x=x, a=a)})
        return _activity(Add, activity_id=activity_id, published=published, actor=actor, to=to,
                         summary=summary, object_=status, target=case, context=_case_id(case))
    return build


public_aware = _case_status(p=True)
"""CP: ``Add(CaseStatus)`` with the P bit set."""
exploit_public = _case_status(x=True)
"""CX: ``Add(CaseStatus)`` with the X (and so P) bit set."""
attacks_observed = _case_status(a=True)
"""CA: ``Add(CaseStatus)`` with the A bit set."""
add_case_status = _case_status()


# --- participants, ownership, ledger -------------------------------------------------------

def invite_to_case(*, activity_id: str, published: datetime, actor: str,
                   invitee: Actor | str, case: CaseRef, to: Sequence[str] | None = None,
                   summary: str | None = None) -> Invite:
    invitee_actor = _actor(invitee)
    return _activity(Invite, activity_id=activity_id, published=published, actor=actor,
                     to=to or ([invitee_actor.id] if invitee_actor.id else None),
                     summary=summary, object_=invitee_actor, target=case,
                     context=_case_id(case))


def suggest_actor(*, activity_id: str, published: datetime, actor: str,
                  suggested: Actor | str, case: CaseRef, to: Sequence[str] | None = None,
                  summary: str | None = None) -> Offer:
    """Recommend an actor for the case: ``Offer(Actor)`` with ``target`` = the case."""
    return _activity(Offer, activity_id=activity_id, published=published, actor=actor, to=to,
                     summary=summary, object_=_actor(suggested), target=case,
                     context=_case_id(case))


accept_suggested_actor = _offer_reply(Accept)
reject_suggested_actor = _offer_reply(Reject)
accept_case_ownership = _offer_reply(Accept)
reject_case_ownership = _offer_reply(Reject)


def offer_case_ownership(*, activity_id: str, published: datetime, actor: str,
                         case: VulnerabilityCase, new_owner: Actor | str,
                         to: Sequence[str] | None = None, summary: str | None = None) -> Offer:
    """Offer the case to a new owner: ``Offer(VulnerabilityCase)`` with ``target`` = them."""
    owner = ref_id(new_owner)
    return _activity(Offer, activity_id=activity_id, published=published, actor=actor,
                     to=to or ([owner] if owner else None), summary=summary, object_=case,
                     target=new_owner, context=case.id)


def _ledger(cls: type[A]) -> Callable[..., A]:
    def build(*, activity_id: str, published: datetime, actor: str, entry: CaseLedgerEntry,
              to: Sequence[str] | None = None, summary: str | None = None) -> A:
        return _activity(cls, activity_id=activity_id, published=published, actor=actor, to=to,
                         summary=summary, object_=entry, context=entry.case_id)
    return build


announce_ledger_entry = _ledger(Announce)
reject_ledger_entry = _ledger(Reject)
