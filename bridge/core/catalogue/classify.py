"""Name the message type of a parsed activity.

The shape decides (activity type, object type, the type of the Offer/Invite a reply carries).
Some pairs look identical on the wire and only the case state tells them apart:

- ``Invite(EmbargoEvent)`` is EP when the case's EM state is NONE/PROPOSED (or unknown),
  EV when it is ACTIVE/REVISE; likewise ``Accept(Invite(EmbargoEvent))`` EA/EC and
  ``Reject(Invite(EmbargoEvent))`` ER/EJ.
- ``Add(ParticipantStatus)`` is CV/CF/CD by the vfd bits it sets: compared with the
  participant's previous ``vfd_state`` when given, else by the status's own value.
- ``Add(CaseStatus)`` is CX/CA/CP by the pxa bits it sets (X before A before P), compared with
  the previous ``pxa_state`` when given.

Objects given only as URI references cannot be typed from the wire. ``resolve`` (an id →
object lookup the caller may pass) fills them in; without it the few shapes that mean one thing
whatever the object (``Join``, ``Ignore``, ``Undo(Ignore)``, ``Invite`` with a target) are still
named, the rest give ``None``.
"""

from __future__ import annotations

from collections.abc import Callable

from bridge.core.catalogue.types import MessageType as M
from bridge.core.states.em import IN_FORCE
from bridge.core.vocab.activities import Activity, Question
from bridge.core.vocab.base import ASObject
from bridge.core.vocab.enums import EM, PXA, VFD
from bridge.core.vocab.objects import Actor, CaseStatus, ParticipantStatus

Resolver = Callable[[str], ASObject | None]


_CREATE = {"VulnerabilityReport": M.CREATE_REPORT, "VulnerabilityCase": M.CREATE_CASE,
           "Note": M.CREATE_NOTE, "CaseParticipant": M.CREATE_PARTICIPANT,
           "ParticipantStatus": M.CREATE_PARTICIPANT_STATUS,
           "CaseStatus": M.CREATE_CASE_STATUS, "EmbargoEvent": M.CREATE_EMBARGO}
_OFFER = {"VulnerabilityReport": M.RS, "VulnerabilityCase": M.OFFER_CASE_OWNERSHIP,
          "Actor": M.SUGGEST_ACTOR}
_ADD = {"VulnerabilityReport": M.ADD_REPORT_TO_CASE, "CaseParticipant": M.ADD_PARTICIPANT,
        "Note": M.ADD_NOTE_TO_CASE, "EmbargoEvent": M.ADD_EMBARGO_TO_CASE}
_REMOVE = {"EmbargoEvent": M.ET, "CaseParticipant": M.REMOVE_PARTICIPANT,
           "Note": M.REMOVE_NOTE_FROM_CASE}
#: (reply type, what it answers) -> message; "Invite(EmbargoEvent)" pairs depend on EM
_REPLIES: dict[tuple[str, str], M | tuple[M, M]] = {
    ("Read", "Offer(VulnerabilityReport)"): M.RK,
    ("Accept", "Offer(VulnerabilityReport)"): M.RV,
    ("TentativeReject", "Offer(VulnerabilityReport)"): M.RI,
    ("Reject", "Offer(VulnerabilityReport)"): M.RC,
    ("Accept", "Invite(EmbargoEvent)"): (M.EA, M.EC),
    ("Reject", "Invite(EmbargoEvent)"): (M.ER, M.EJ),
    ("Read", "Invite(EmbargoEvent)"): M.EK,
    ("Accept", "Invite(Actor)"): M.ACCEPT_INVITE_TO_CASE,
    ("Reject", "Invite(Actor)"): M.REJECT_INVITE_TO_CASE,
    ("Accept", "Offer(Actor)"): M.ACCEPT_SUGGESTED_ACTOR,
    ("Reject", "Offer(Actor)"): M.REJECT_SUGGESTED_ACTOR,
    ("Accept", "Offer(VulnerabilityCase)"): M.ACCEPT_CASE_OWNERSHIP,
    ("Reject", "Offer(VulnerabilityCase)"): M.REJECT_CASE_OWNERSHIP,
}
#: legacy replies naming the object itself instead of the Offer/Invite (2023-24 examples)
_LEGACY_REPLIES: dict[tuple[str, str], M | tuple[M, M]] = {
    ("Read", "VulnerabilityReport"): M.RK,
    ("Accept", "VulnerabilityReport"): M.RV,
    ("TentativeReject", "VulnerabilityReport"): M.RI,
    ("Accept", "EmbargoEvent"): (M.EA, M.EC),
    ("Reject", "EmbargoEvent"): (M.ER, M.EJ),
    ("Accept", "VulnerabilityCase"): M.ACCEPT_CASE_OWNERSHIP,
    ("Reject", "VulnerabilityCase"): M.REJECT_CASE_OWNERSHIP,
}


def classify(
    activity: ASObject,
    *,
    em_state: EM | None = None,
    vfd_state: VFD | None = None,
    pxa_state: PXA | None = None,
    resolve: Resolver | None = None,
) -> M | None:
    """The message type of ``activity``, or ``None`` when no message matches (or it is not an
    activity). ``em_state`` is the case's EM state, ``vfd_state`` the sending participant's
    previous vfd state, ``pxa_state`` the case's previous pxa state."""
    if not isinstance(activity, Activity):
        return None
    kind = activity.type
    obj = _resolved(activity.object_, resolve)
    obj_kind = kind_of(obj)
    revision = em_state in IN_FORCE  # a proposal while in force is a revision
    if isinstance(activity, Question):
        return M.CHOOSE_PREFERRED_EMBARGO if (activity.any_of or activity.one_of) else None
    if kind == "Create":
        return _CREATE.get(obj_kind or "")
    if kind == "Offer":
        return _OFFER.get(obj_kind or "")
    if kind in ("Accept", "Reject", "TentativeReject", "Read") and obj_kind is not None:
        if isinstance(obj, Activity):
            inner = f"{obj.type}({kind_of(_resolved(obj.object_, resolve))})"
            found = _REPLIES.get((kind, inner))
        else:
            found = _LEGACY_REPLIES.get((kind, obj_kind))
        if isinstance(found, tuple):
            return found[1] if revision else found[0]
        if found is not None:
            return found
    if kind == "Reject" and obj_kind == "CaseLedgerEntry":
        return M.REJECT_LEDGER_ENTRY
    if kind == "Join" and obj_kind in ("VulnerabilityCase", None):
        return M.RA if obj is not None else None
    if kind == "Ignore" and obj_kind in ("VulnerabilityCase", None):
        return M.RD if obj is not None else None
    if kind == "Leave" and obj_kind == "VulnerabilityCase":
        return M.CLOSE_CASE
    if kind == "Undo" and isinstance(obj, Activity) and obj.type == "Ignore":
        return M.REENGAGE_CASE
    if kind == "Update" and obj_kind == "VulnerabilityCase":
        return M.UPDATE_CASE
    if kind == "Invite":
        return _invite(activity, obj, obj_kind, revision)
    if kind == "Add":
        return _add(obj, obj_kind, vfd_state, pxa_state)
    if kind == "Remove":
        return _REMOVE.get(obj_kind or "")
    if kind == "Announce":
        return _announce(obj, obj_kind, em_state, vfd_state, pxa_state, resolve)
    return None


def kind_of(value: object) -> str | None:
    """The type name used for matching: any actor class counts as ``Actor``; refs are None."""
    if isinstance(value, Actor):
        return "Actor"
    if isinstance(value, ASObject):
        return value.type
    return None


def _resolved(value: object, resolve: Resolver | None) -> object:
    if isinstance(value, str) and resolve is not None:
        found = resolve(value)
        return found if found is not None else value
    return value


def _invite(activity: Activity, obj: object, obj_kind: str | None, revision: bool) -> M | None:
    if obj_kind == "EmbargoEvent":
        return M.EV if revision else M.EP
    if obj_kind == "Actor" or (isinstance(obj, str) and activity.target is not None):
        return M.INVITE_TO_CASE
    return None


def _add(obj: object, obj_kind: str | None, vfd_state: VFD | None,
         pxa_state: PXA | None) -> M | None:
    if isinstance(obj, ParticipantStatus):
        return _vfd_message(obj.vfd_state, vfd_state)
    if isinstance(obj, CaseStatus):
        return _pxa_message(obj.pxa_state, pxa_state)
    return _ADD.get(obj_kind or "")


def _vfd_message(new: VFD, old: VFD | None) -> M:
    before = old or VFD.vfd
    if new.fix_deployed and not before.fix_deployed:
        return M.CD
    if new.fix_ready and not before.fix_ready:
        return M.CF
    if new.vendor_aware and not before.vendor_aware:
        return M.CV
    return M.ADD_PARTICIPANT_STATUS


def _pxa_message(new: PXA, old: PXA | None) -> M:
    before = old or PXA.pxa
    if new.exploit_public and not before.exploit_public:
        return M.CX
    if new.attacks_observed and not before.attacks_observed:
        return M.CA
    if new.public_aware and not before.public_aware:
        return M.CP
    return M.ADD_CASE_STATUS


def _announce(obj: object, obj_kind: str | None, em_state: EM | None, vfd_state: VFD | None,
              pxa_state: PXA | None, resolve: Resolver | None) -> M | None:
    if obj_kind == "CaseLedgerEntry":
        return M.CASE_LEDGER_ENTRY
    if obj_kind == "EmbargoEvent":
        return M.ANNOUNCE_EMBARGO
    if isinstance(obj, Activity):  # relaying another activity: it means what that one means
        return classify(obj, em_state=em_state, vfd_state=vfd_state, pxa_state=pxa_state,
                        resolve=resolve)
    return None
