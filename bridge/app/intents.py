"""A decision about one subject → its state, its case (when we become the owner) and its
messages in the outbox, in order, in the caller's transaction.

* The subject's new state is saved first.
* ``CREATE_CASE`` (we validated a report offered to us): the case is created in the store —
  a ``cases`` row (kind ``case``, ``owner`` us, the report), our participant row (``vendor``,
  ``case_owner``, ``case_manager`` at our RM state) and the finder's (``finder``,
  ``reporter``, ACCEPTED), the report row's ``case_id``, and ``tracks`` links to the report's
  issues — and the messages after it name the case. Creating an existing case again changes
  nothing (the id is derived from the report id).
* Each intent is rendered and queued for exactly the actors it is addressed to.
* Our answer to an invitation to a case (ACCEPT_INVITE / REJECT_INVITE) marks the invitation
  ``accepted`` / ``rejected``: it is no longer pending.
* An answer whose question is not stored (EA/EC/ER/EJ with no embargo Invite, ``/vultron case
  accept|reject`` with no Invite to the case) is refused before anything changes
  (:func:`answerable`): a private comment with the reason, like any refused transition, never
  a failed input.
* Embargoes keep their identity: our EP/EV proposal is appended to ``proposed_embargoes``; our
  EA/EC makes the accepted EmbargoEvent ``active_embargo``; our ER/EJ as the owner drops the
  refused one from ``proposed_embargoes``. As a participant of another's case our answer is
  only our consent: the proposal stays pending until its owner decides (the reference's owner
  keeps it pending after a participant's Reject: it only records that participant DECLINED,
  ``reject_invite_to_embargo_tree``). Our ET clears ``active_embargo``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bridge.app.render import RenderContext, load_activity, render
from bridge.app.runtime import Runtime
from bridge.app.subjects import load_view, recipients, render_context, save_view
from bridge.core.case.documents import identified
from bridge.core.effects import Comment, SetLabels, TrackerEffect
from bridge.core.events import EventKind, TrackerEvent
from bridge.core.rules import CaseView, Decision, Intent, texts
from bridge.core.rules.actions import Action
from bridge.core.rules.decide import ADD_EMBARGO_TO_CASE, CREATE_CASE
from bridge.core.rules.owner import (
    FINDER_ROLES,
    OWNER_ROLES,
    case_document,
    case_id_for,
    new_case,
)
from bridge.core.states.cs import VENDOR_AWARE_CS
from bridge.core.states.em import EM
from bridge.core.vocab.activities import Offer
from bridge.core.vocab.base import ASObject
from bridge.core.vocab.objects import EmbargoEvent, VulnerabilityCase, VulnerabilityReport
from bridge.store import audit, links, outbox, state
from bridge.store.cases import (
    INVITATION,
    embargo_data,
    embargo_ref,
    load_case,
    seed_invited_case,
    update_data,
)

_ANSWERS = {"EA": Action.EMBARGO_ACCEPT, "EC": Action.EMBARGO_ACCEPT,
            "ER": Action.EMBARGO_REJECT, "EJ": Action.EMBARGO_REJECT,
            "ACCEPT_INVITE": Action.CASE_ACCEPT, "REJECT_INVITE": Action.CASE_REJECT}
"""Intents that answer a stored Invite (and carry it inline), with the action named."""


def _unanswered(code: str, ctx: RenderContext) -> str | None:
    """Why the Invite the intent ``code`` answers is missing from what it is rendered with
    (None: it is there)."""
    if code in ("ACCEPT_INVITE", "REJECT_INVITE"):
        if ctx.case_invite is not None:
            return None
        return ("an invitation to this case is recorded, but the invitation itself (its "
                "Invite) is not stored: there is nothing to answer and no one to send the "
                "answer to; ask the inviter to send the invitation again")
    if ctx.invite is not None:
        return None
    return ("no embargo proposal of another participant (its Invite) is stored to answer: "
            "the proposal is ours, or only its state was announced; the proposer must send "
            "the proposal itself before it can be accepted or rejected")


def answerable(session: Session, rt: Runtime, event: TrackerEvent, decision: Decision,
               view: CaseView | None) -> Decision:
    """``decision``, or — when one of its intents answers an Invite that is not stored — a
    refusal instead: nothing saved or sent, a private comment saying why (and the label that
    asked for it taken off), as the rules answer a refused transition."""
    if view is None or event.ref is None or not any(i.message in _ANSWERS
                                                     for i in decision.intents):
        return decision
    ctx = render_context(session, view, rt.actor_id, "", rt.now())
    for intent in decision.intents:
        action = _ANSWERS.get(intent.message)
        reason = _unanswered(intent.message, ctx) if action else None
        if action is None or reason is None:
            continue
        body = texts.refusal(action, reason, view.rm, view.embargo.state, str(view.cs))
        effects: list[TrackerEffect] = [Comment(ref=event.ref, body=body, content=False)]
        if event.kind is EventKind.LABELED and event.label:
            effects.append(SetLabels(ref=event.ref, remove=(event.label,)))
        return Decision(effects=tuple(effects), refused=reason)
    return decision


def apply_decision(session: Session, rt: Runtime, decision: Decision, view: CaseView | None,
                   seed: str, now: float) -> list[str]:
    """Save the decision's state, create the case it opens, queue its messages; returns the
    message codes queued."""
    current = decision.view or view
    if decision.view is not None:
        save_view(session, decision.view, rt.actor_id, now)
    if not decision.intents or current is None:
        return []
    published = rt.now()
    ctx = render_context(session, current, rt.actor_id, seed, published)
    sent = []
    for intent in decision.intents:
        if intent.message == CREATE_CASE:
            current, document = _create_case(session, rt, current, published, now)
            ctx = render_context(session, current, rt.actor_id, seed, published, document)
        activity = render(intent, ctx)
        outbox.enqueue(session, str(activity["id"]), activity,
                       recipients(activity, rt.actor_id), now)
        if intent.message in ("ACCEPT_INVITE", "REJECT_INVITE"):
            _answered_invitation(session, current.subject, intent.message, activity, now)
        if _embargo_bookkeeping(session, rt.actor_id, current, intent, activity, ctx.invite,
                                now) or _announced_vfd(session, rt.actor_id, current.subject,
                                                       activity, now):
            ctx = render_context(session, current, rt.actor_id, seed, published,
                                 ctx.case_document)
        sent.append(intent.message)
    return sent


def announce_embargo(session: Session, rt: Runtime, case_id: str, seed: str,
                     now: float) -> list[str]:
    """As the case's owner, put its ``active_embargo`` in force at every participant
    (``Add(EmbargoEvent → case)``) — for inbound handling when a participant accepted the
    proposal we made (``seed``: that input's, so reprocessing queues nothing new)."""
    view = load_view(session, case_id, rt.actor_id, "")
    if not view.owner or view.active_embargo is None:
        return []
    intent = Intent(ADD_EMBARGO_TO_CASE, case_id)
    return apply_decision(session, rt, Decision(intents=(intent,)), view, seed, now)


def _inline_report(session: Session, offer_id: object,
                   report_id: str) -> VulnerabilityReport | str:
    record = state.get_object(session, str(offer_id)) if offer_id else None
    offer = load_activity(record.data if record else None, Offer)
    report = offer.object_ if offer is not None else None
    if isinstance(report, VulnerabilityReport) and report.id == report_id:
        return report
    return report_id


def _create_case(session: Session, rt: Runtime, view: CaseView, published: datetime,
                 now: float) -> tuple[CaseView, VulnerabilityCase]:
    """The case the report ``view.subject`` becomes, stored; the view of it and its document."""
    report_id, us = view.subject, rt.actor_id
    record = state.get_case(session, report_id)
    data: dict[str, Any] = dict(record.data) if record else {}
    finder = data.get("finder")
    case_id = case_id_for(rt.config.actor.base_url, report_id)
    existing = state.get_case(session, case_id)
    if existing is None or existing.data.get("kind") != "case":
        state.put_case(session, case_id, em_state=record.em_state if record else EM.NONE.value,
                       cs_state=record.cs_state if record else VENDOR_AWARE_CS,
                       embargo_end=record.embargo_end if record else None, now=now, data={
                           "kind": "case", "owner": us, "reports": [report_id],
                           "finder": finder, "offer_id": data.get("offer_id"),
                           "active_embargo": data.get("active_embargo"),
                           "proposed_embargoes": data.get("proposed_embargoes") or [],
                           # the finder's pending proposal, still ours to answer in the case
                           "invite_id": data.get("invite_id"),
                           # our vfd (we received the report: Vfd), as our status announces it
                           "statuses": {us: (record.cs_state if record else VENDOR_AWARE_CS)
                                        .partition(".")[0]},
                       })
        mine = state.get_participant(session, report_id, us)
        state.put_participant(session, case_id, us, rm_state=view.rm.value,
                              em_consent=mine.em_consent if mine else None,
                              roles=list(OWNER_ROLES), now=now)
        if finder and finder != us:
            theirs = state.get_participant(session, report_id, str(finder))
            state.put_participant(session, case_id, str(finder), rm_state="ACCEPTED",
                                  em_consent=theirs.em_consent if theirs else None,
                                  roles=list(FINDER_ROLES), now=now)
        update_data(session, report_id, {"case_id": case_id, "offered_to": us}, now)
        for link in links.links_for_subject(session, report_id):
            links.add_link(session, case_id, link.ref, "tracks", "rules", now)
        audit.append(session, "case.created", case_id, {
            "report": report_id, "owner": us, "finder": finder,
        }, now)
    case = load_case(session, case_id) or new_case(case_id, us, report_id, finder)
    stored = state.get_case(session, case_id)
    pxa = (stored.cs_state if stored else VENDOR_AWARE_CS).partition(".")[2]
    document = case_document(
        case, reports=[_inline_report(session, data.get("offer_id"), report_id)],
        published=published, em=stored.em_state if stored else EM.NONE.value, pxa=pxa or "pxa",
        proposed=case.proposed,
    )
    return load_view(session, case_id, us, ""), document


def _answered_invitation(session: Session, case_id: str, code: str, activity: dict[str, Any],
                         now: float) -> None:
    """The invitation is answered: no longer pending (the case's owner admits us, or not)."""
    record = state.get_object(session, INVITATION + case_id)
    if record is None:
        return
    answer = "accepted" if code == "ACCEPT_INVITE" else "rejected"
    state.put_object(session, INVITATION + case_id, record.type, {
        **record.data, "state": answer, "answer_id": activity.get("id")}, now)
    if answer == "accepted":
        invite = state.get_object(session, str(record.data.get("invite_id")))
        roles = invite.data.get("roles") if invite else None
        seed_invited_case(session, case_id, str(activity.get("actor")),
                          [str(r) for r in roles] if isinstance(roles, list) else [], now)


def _announced_vfd(session: Session, us: str, subject: str, activity: dict[str, Any],
                   now: float) -> bool:
    """Our status just went out (CV/CF/CD, or RV/RI in a case we were never Offered): its vfd
    is what we last announced, so the next status starts from it instead of going back (the
    reference refuses a vfd that regresses). True when that changed what we remember."""
    status = activity.get("object")
    if activity.get("type") != "Add" or not isinstance(status, dict) or (
            status.get("type") != "ParticipantStatus"):
        return False
    vfd = status.get("vfdState")
    statuses = dict(state.case_data(session, subject).get("statuses") or {})
    if not isinstance(vfd, str) or statuses.get(us) == vfd:
        return False
    update_data(session, subject, {"statuses": {**statuses, us: vfd}}, now)
    return True


def _remaining(proposed: object, embargo_id: str | None) -> list[Any]:
    items = proposed if isinstance(proposed, list) else []
    return [p for p in items if not (isinstance(p, dict) and p.get("id") == embargo_id)]


def _embargo_bookkeeping(session: Session, us: str, view: CaseView, intent: Intent,
                         activity: dict[str, Any], invite: ASObject | None,
                         now: float) -> bool:
    """Record what an embargo message did to the subject's embargoes; whether it changed.
    Answers (EA/EC/ER/EJ) change the embargoes only when we own the case (or, before a
    case exists, the report): a participant's answer is its consent (our participants row),
    not the case's state."""
    code, subject = intent.message, view.subject
    record = state.get_case(session, subject)
    if record is None or code not in ("EP", "EV", "EA", "EC", "ER", "EJ", "ET"):
        return False
    proposed = record.data.get("proposed_embargoes")
    embargo = getattr(invite, "object_", None)
    if isinstance(embargo, EmbargoEvent):  # an id-less proposal: the id it was recorded by
        embargo = identified(embargo, getattr(invite, "id", None)
                             or record.data.get("invite_id"))
    if code in ("EA", "EC", "ER", "EJ") and view.in_case and not view.owner:
        me = state.get_participant(session, subject, us)
        if me is not None:
            consent = "SIGNATORY" if code in ("EA", "EC") else "DECLINED"
            state.put_participant(session, subject, us, rm_state=me.rm_state,
                                  em_consent=consent, roles=me.roles, now=now)
        return False  # the proposal stays pending: the owner's to decide
    if code in ("EP", "EV"):
        obj = activity.get("object")
        embargo_id = obj.get("id") if isinstance(obj, dict) else None
        if isinstance(embargo_id, str):
            end = intent.end_time.timestamp() if intent.end_time else None
            entry = {"id": embargo_id, "end": end}
            update_data(session, subject, {
                "proposed_embargoes": [*_remaining(proposed, embargo_id), entry]}, now)
        return True
    if code == "ET":
        update_data(session, subject, {"active_embargo": None}, now)
        return True
    if not isinstance(embargo, EmbargoEvent) or not embargo.id:
        return False
    changes: dict[str, Any] = {"proposed_embargoes": _remaining(proposed, embargo.id)}
    if code in ("EA", "EC"):
        ref = embargo_ref({"id": embargo.id,
                           "end": embargo.end_time.timestamp() if embargo.end_time else None})
        changes["active_embargo"] = embargo_data(ref)
    update_data(session, subject, changes, now)
    return True

