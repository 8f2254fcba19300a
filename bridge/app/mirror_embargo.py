"""Embargo messages from peers → the case's EM state (through the EM state machine), labels
and a private comment saying what happened, when the embargo ends (ISO 8601 with its offset,
plus UTC) and how to answer.

* ``Invite(EmbargoEvent)``: EP, or EV while an embargo is in force (the catalogue's
  ``classify`` tells them apart by the current EM state). The Invite is stored and named in
  the subject's ``invite_id`` so that our answer (EA/ER/EC/EJ) can carry it inline.
* ``Accept`` / ``Reject`` of that Invite: EA/EC or ER/EJ; the answering participant's
  consent becomes SIGNATORY / DECLINED. An answer for another end time than the pending one
  is stale and ignored. A rejection of our proposal (or, in a case we own, of any) drops it
  from the case's ``proposed_embargoes``: it is no longer pending.
* ``Remove(EmbargoEvent)``: ET (one naming no embargo id is refused by the authority rule).
* An EmbargoEvent without an id is known by one derived from the activity carrying it
  (``bridge.core.case.documents.identified``), as the reference mints one of its own.
* ``Add(EmbargoEvent → case)`` / ``Announce(EmbargoEvent)`` from the case owner: the embargo
  is in force with that end (the owner's word, not a proposal).

A message the state machine refuses changes nothing and is finished as ``ignored``, saying why.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from bridge.app import intents
from bridge.app.mirror_base import (
    Context,
    Mirrored,
    Planned,
    em_label_effects,
    ensure_case,
    linked_refs,
    planned,
    put_participant,
)
from bridge.app.mirror_case import case_of
from bridge.app.mirror_texts import embargo_changed, embargo_proposed
from bridge.app.subjects import load_view, save_view
from bridge.core.case.documents import identified
from bridge.core.case.model import EmbargoRef
from bridge.core.catalogue.classify import classify
from bridge.core.effects import Comment
from bridge.core.errors import InputError, TransitionRefused
from bridge.core.refs import TrackerRef
from bridge.core.states import em
from bridge.core.states.em import EM, UNKNOWN_END, EMEvent
from bridge.core.vocab.activities import Activity
from bridge.core.vocab.base import ref_id
from bridge.core.vocab.emit import to_wire
from bridge.core.vocab.enums import EM as WireEM
from bridge.core.vocab.objects import EmbargoEvent
from bridge.store import state
from bridge.store.cases import embargo_data, update_data
from bridge.store.state import case_data


def _when(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)

_WHAT = {EMEvent.ACCEPT: "accepted", EMEvent.ACCEPT_REVISION: "accepted the revision of",
         EMEvent.REJECT: "rejected", EMEvent.REJECT_REVISION: "rejected the revision of",
         EMEvent.TERMINATE: "terminated"}


def _comment(refs: list[TrackerRef], body: str, ctx: Context) -> Planned:
    return [(r.tracker, Comment(ref=r, body=body, content=False,
                                marker_id=f"embargo:{ctx.key}")) for r in refs]


def _subject(session: Session, ctx: Context, invite: Activity | None,
             embargo: EmbargoEvent | None) -> str | None:
    activity = ctx.activity
    subject = case_of(
        session, ref_id(invite.target) if invite else None,
        ref_id(embargo.context) if embargo else None, ref_id(activity.target),
        ref_id(activity.origin), ctx.case_hint, ref_id(activity.context),
    )
    if subject is not None:
        record = state.get_case(session, subject)
        if record is None or "kind" not in record.data:
            ensure_case(session, subject, ctx.now)
    return subject


def _event(ctx: Context, state_now: EM) -> EMEvent | None:
    code = classify(ctx.activity, em_state=WireEM(state_now.value))
    try:
        return EMEvent(code.value) if code is not None else None
    except ValueError:
        return None


def _transition(ctx: Context, session: Session, subject: str, event: EMEvent,
                end: datetime | None, data: dict[str, Any]) -> em.Embargo | str:
    """Apply one EM event to the subject and store it; a reason string when refused."""
    view = load_view(session, subject, ctx.rt.actor_id, "")
    embargo = view.embargo
    if end is not None and embargo.proposed_end_time == UNKNOWN_END:
        embargo = replace(embargo, proposed_end_time=end)
    try:
        new = em.apply(embargo, event, end_time=end, now=ctx.rt.now())
    except (TransitionRefused, InputError) as exc:
        return f"{event.value} refused: {exc.reason}"
    save_view(session, replace(view, embargo=new), ctx.rt.actor_id, ctx.now, data)
    return new


def on_proposal(ctx: Context, embargo: EmbargoEvent) -> Mirrored:
    """``Invite(EmbargoEvent)``: EP or EV. A proposal without an id is known by one derived
    from its Invite (``identified``), as our answer and the owner's word will name it."""
    embargo = identified(embargo, ctx.key)
    def decide(session: Session) -> tuple[str, Planned] | str:
        subject = _subject(session, ctx, ctx.activity, embargo)
        if subject is None:
            return "the embargo proposal names no case"
        current = EM(state.get_case(session, subject).em_state)  # type: ignore[union-attr]
        event = _event(ctx, current)
        if event not in (EMEvent.PROPOSE, EMEvent.PROPOSE_REVISION):
            return "not an embargo proposal"
        state.put_object(session, ctx.key, "Invite", to_wire(ctx.activity), ctx.now)
        data = {**case_data(session, subject), "invite_id": ctx.key}
        if embargo.id:  # the proposal by its real identity, for our answer and the owner's
            proposals = [p for p in data.get("proposed_embargoes") or []
                         if isinstance(p, dict) and p.get("id") != embargo.id]
            data["proposed_embargoes"] = [*proposals, embargo_data(EmbargoRef(
                embargo.id, embargo.end_time))]
        new = _transition(ctx, session, subject, event, embargo.end_time, data)
        if isinstance(new, str):
            return new
        refs = linked_refs(session, ctx.rt, subject)
        body = embargo_proposed(subject, ctx.actor, embargo.end_time,
                                event is EMEvent.PROPOSE_REVISION)
        return subject, em_label_effects(refs, new.state.value) + _comment(refs, body, ctx)
    return planned(ctx, "EMBARGO_PROPOSAL", decide)


def _answered(ctx: Context) -> tuple[Activity | None, EmbargoEvent | None]:
    obj = ctx.activity.object_
    if isinstance(obj, EmbargoEvent):  # legacy: the answer names the embargo itself
        return None, obj
    if isinstance(obj, Activity):
        inner = obj.object_
        return obj, identified(inner, obj.id) if isinstance(inner, EmbargoEvent) else None
    return None, None


def on_answer(ctx: Context) -> Mirrored:
    """``Accept`` / ``Reject`` of an embargo Invite: EA/EC or ER/EJ."""
    invite, embargo = _answered(ctx)

    def decide(session: Session) -> tuple[str, Planned] | str:
        subject = _subject(session, ctx, invite, embargo)
        if subject is None:
            return "the embargo answer names no case"
        if ctx.actor == ctx.rt.actor_id:
            return "our own embargo answer came back (relayed)"
        record = state.get_case(session, subject)
        assert record is not None
        current = EM(record.em_state)
        event = _event(ctx, current)
        if event not in _WHAT or event is EMEvent.TERMINATE:
            return "not an answer to an embargo proposal"
        accepted = event in (EMEvent.ACCEPT, EMEvent.ACCEPT_REVISION)
        owner = record.data.get("owner")
        theirs = record.data.get("kind") == "case" and owner not in (None, ctx.rt.actor_id)
        if theirs and not _pending(record.data, record.em_state, embargo):
            return f"{event.value} refused: it answers no pending embargo proposal"
        if ctx.actor:
            put_participant(session, subject, ctx.actor, ctx.now,
                            consent="SIGNATORY" if accepted else "DECLINED")
        if theirs:
            if not accepted and _ours(ctx.rt.actor_id, invite, embargo):
                _drop_proposal(session, subject, embargo, ctx.now)
            # only the owner's word moves another party's case embargo (its Add(EmbargoEvent)
            # or CaseStatus): a participant's answer records that participant's consent
            refs = linked_refs(session, ctx.rt, subject)
            body = embargo_changed(subject, ctx.actor, _WHAT[event], current.value,
                                   _when(record.embargo_end))
            return subject, _comment(refs, body, ctx)
        new = _transition(ctx, session, subject, event,
                          embargo.end_time if embargo else None, case_data(session, subject))
        if isinstance(new, str):
            return new
        if not accepted:
            _drop_proposal(session, subject, embargo, ctx.now)
        if accepted and owner == ctx.rt.actor_id:
            _put_in_force(session, ctx, subject, embargo)
        refs = linked_refs(session, ctx.rt, subject)
        body = embargo_changed(subject, ctx.actor, _WHAT[event], new.state.value, new.end_time)
        return subject, em_label_effects(refs, new.state.value) + _comment(refs, body, ctx)
    return planned(ctx, "EMBARGO_ANSWER", decide)


def _ours(us: str, invite: Activity | None, embargo: EmbargoEvent | None) -> bool:
    """The proposal an answer names is ours: our Invite, or an EmbargoEvent id we minted."""
    if invite is not None and ref_id(invite.actor):
        return ref_id(invite.actor) == us
    return bool(embargo is not None and embargo.id and embargo.id.startswith(f"{us}/"))


def _drop_proposal(session: Session, subject: str, embargo: EmbargoEvent | None,
                   now: float) -> None:
    """The rejected proposal (by its id) is no longer pending: out of ``proposed_embargoes``."""
    record = state.get_case(session, subject)
    if record is None or embargo is None or not embargo.id:
        return
    proposals = record.data.get("proposed_embargoes") or []
    kept = [p for p in proposals if not (isinstance(p, dict) and p.get("id") == embargo.id)]
    if len(kept) != len(proposals):
        update_data(session, subject, {"proposed_embargoes": kept}, now)


def _put_in_force(session: Session, ctx: Context, case_id: str,
                  embargo: EmbargoEvent | None) -> None:
    """A participant accepted the embargo we (the owner) proposed: it is the case's active
    embargo now, and we put it in force at every participant — ``Add(EmbargoEvent → case)``,
    the owner's word the reference's participants wait for."""
    record = state.get_case(session, case_id)
    assert record is not None
    proposals = [p for p in record.data.get("proposed_embargoes") or [] if isinstance(p, dict)]
    chosen = next((p for p in proposals if embargo and p.get("id") == embargo.id), None)
    chosen = chosen or (proposals[-1] if proposals else None)
    if chosen is None:
        return
    update_data(session, case_id, {
        "active_embargo": {"id": chosen["id"], "end": chosen.get("end")},
        "proposed_embargoes": [p for p in proposals if p is not chosen],
    }, ctx.now)
    intents.announce_embargo(session, ctx.rt, case_id, f"{ctx.item.source}\x1f{ctx.key}",
                             ctx.now)
    ctx.rt.wake_deliver.set()


def _pending(data: dict[str, Any], em_state: str, embargo: EmbargoEvent | None) -> bool:
    """Does an answer naming ``embargo`` answer the proposal pending in the case?"""
    if em_state not in (EM.PROPOSED.value, EM.REVISE.value):
        return False
    proposals = [p for p in data.get("proposed_embargoes") or [] if isinstance(p, dict)]
    if embargo is not None and embargo.id and proposals:
        return any(p.get("id") == embargo.id for p in proposals)
    end = data.get("proposed_end")
    return embargo is None or embargo.end_time is None or end is None or (
        abs(embargo.end_time.timestamp() - float(end)) < 1)


def on_terminate(ctx: Context, embargo: EmbargoEvent | None) -> Mirrored:
    """``Remove(EmbargoEvent)``: ET."""
    def decide(session: Session) -> tuple[str, Planned] | str:
        subject = _subject(session, ctx, None, embargo)
        if subject is None:
            return "the embargo termination names no case"
        new = _transition(ctx, session, subject, EMEvent.TERMINATE, None,
                          case_data(session, subject))
        if isinstance(new, str):
            return new
        refs = linked_refs(session, ctx.rt, subject)
        body = embargo_changed(subject, ctx.actor, "terminated", new.state.value, new.end_time)
        return subject, em_label_effects(refs, new.state.value) + _comment(refs, body, ctx)
    return planned(ctx, "ET", decide)


def on_activate(ctx: Context, embargo: EmbargoEvent, message: str) -> Mirrored:
    """``Add(EmbargoEvent → case)`` / ``Announce(EmbargoEvent)``: the embargo is in force —
    one without an id by the identity derived from this activity (``identified``)."""
    embargo = identified(embargo, ctx.key)
    def decide(session: Session) -> tuple[str, Planned] | str:
        subject = _subject(session, ctx, None, embargo)
        if subject is None:
            return "the embargo names no case"
        record = state.get_case(session, subject)
        assert record is not None
        if record.em_state == EM.EXITED.value:
            return "the case's embargo has ended; a new one needs a new proposal"
        end = embargo.end_time
        if end is not None and (end.tzinfo is None or end.utcoffset() is None):
            return "the embargo end time has no time zone"
        data = {**record.data, "proposed_end": None}
        if embargo.id:
            data["active_embargo"] = embargo_data(EmbargoRef(embargo.id, end))
            data["proposed_embargoes"] = [p for p in data.get("proposed_embargoes") or []
                                          if isinstance(p, dict) and p.get("id") != embargo.id]
        stored_end = end.timestamp() if end is not None else record.embargo_end
        state.put_case(session, subject, em_state=EM.ACTIVE.value, cs_state=record.cs_state,
                       embargo_end=stored_end, data=data, now=ctx.now)
        refs = linked_refs(session, ctx.rt, subject)
        body = embargo_changed(subject, ctx.actor, "put in force", EM.ACTIVE.value, end)
        return subject, em_label_effects(refs, EM.ACTIVE.value) + _comment(refs, body, ctx)
    return planned(ctx, message, decide)
