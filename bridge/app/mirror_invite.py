"""Invitations and answers (issue 13): an ``Invite(us → case)`` remembered as pending with a
private comment saying how to answer, its replays recognised; our invitee's answer to our
``Invite``; the answer to a report we offered. Split from ``mirror_case``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bridge.app.guard import marker_planted
from bridge.app.mirror_base import (
    Context,
    Mirrored,
    Planned,
    ensure_case,
    linked_refs,
    participants_effects,
    planned,
    put_participant,
)
from bridge.app.mirror_report import destination
from bridge.app.mirror_texts import invitation_comment, invitation_title
from bridge.core.case.claims import Claim
from bridge.core.case.documents import case_from_document, with_known_end
from bridge.core.case.model import Known
from bridge.core.effects import Comment
from bridge.core.refs import TrackerRef
from bridge.core.vocab.base import ref_id, ref_ids
from bridge.core.vocab.emit import to_wire
from bridge.core.vocab.objects import VulnerabilityCase
from bridge.store import db, links, state
from bridge.store.cases import INVITATION, embargo_data, embargo_ref


def on_invitation(ctx: Context, known: Known) -> Mirrored:
    """``Invite(us → case)``: remembered as pending, and a private comment on the issues
    linked to the case or its reports — or, when none is, on a private issue made for the
    invitation — saying how to answer (``/vultron case accept|reject``)."""
    target = ctx.activity.target
    case_id = ref_id(target) or ""
    inviter = ctx.sender or ""
    if not case_id:
        return Mirrored("INVITE_TO_CASE", ignored="the invitation names no case")
    reports = ref_ids(target.vulnerability_reports) if isinstance(
        target, VulnerabilityCase) else []
    with ctx.rt.readers() as session:
        replayed = _received_already(session, case_id, ctx.key)
    if replayed:
        if isinstance(target, VulnerabilityCase):
            _learn_embargo_end(ctx, case_id, target)
        return Mirrored("INVITE_TO_CASE", case_id, ignored=_REPLAYED)
    with ctx.rt.readers() as session:
        found = [r for s in (case_id, *reports) for r in linked_refs(session, ctx.rt, s)]
    made = None if found else invitation_issue(ctx, case_id, inviter)

    def decide(session: Session) -> tuple[str, Planned] | str:
        if _received_already(session, case_id, ctx.key):
            return _REPLAYED
        state.put_object(session, INVITATION + case_id, "CaseInvitation", {
            "inviter": inviter, "invite_id": ctx.key, "state": "pending",
        }, ctx.now)
        state.put_object(session, ctx.key, "Invite", to_wire(ctx.activity), ctx.now)
        if isinstance(target, VulnerabilityCase):
            state.put_object(session, f"invited-case:{case_id}", "VulnerabilityCase",
                             to_wire(target), ctx.now)
        if made is not None:
            links.add_link(session, case_id, made, "mirrors", "inbox", ctx.now)
            return case_id, []
        body = invitation_comment(inviter, case_id)
        return case_id, [(r.tracker, Comment(ref=r, body=body, content=False,
                                              marker_id=f"invite:{ctx.key}"))
                         for r in dict.fromkeys(found)]
    return planned(ctx, "INVITE_TO_CASE", decide)


_REPLAYED = ("a replay of an invitation already received (the case actor's ledger replays it "
             "once we joined): its answer, or the question, stands")


def _learn_embargo_end(ctx: Context, case_id: str, inline: VulnerabilityCase) -> None:
    """A replayed Invite that carries the case inline (live: the ledger's snapshot does, the
    Invite itself named the case by id) tells the end of its active embargo, which the case
    documents name by id only: the case's embargo gets that end (same id only)."""
    told = case_from_document(inline).active_embargo
    with db.transaction(ctx.rt.sessions) as session:
        record = state.get_case(session, case_id)
        if record is None:
            return
        active = embargo_ref(record.data.get("active_embargo"))
        learned = with_known_end(active, told)
        if learned is not None and learned != active and learned.end is not None:
            state.put_case(session, case_id, em_state=record.em_state,
                           cs_state=record.cs_state,
                           embargo_end=record.embargo_end or learned.end.timestamp(),
                           data={**record.data, "active_embargo": embargo_data(learned)},
                           now=ctx.now)


def _received_already(session: Session, case_id: str, invite_id: str) -> bool:
    """Whether this very Invite was received before: a replay must neither prompt again nor
    turn an answered invitation back into a pending one."""
    record = state.get_object(session, INVITATION + case_id)
    return record is not None and record.data.get("invite_id") == invite_id


def on_invite_answer(ctx: Context, known: Known, accept: bool) -> Mirrored:
    """``Accept``/``Reject`` of our ``Invite(actor → case)`` by its invitee: the invitee is
    admitted (Accept) and the invitation is no longer pending either way."""
    case = known.case
    invitee = ctx.sender
    assert case is not None and invitee is not None  # the authority rule saw to it

    def decide(session: Session) -> tuple[str, Planned] | str:
        record = ensure_case(session, case.id, ctx.now)
        invited = [a for a in record.data.get("invited") or [] if a != invitee]
        state.put_case(session, case.id, em_state=record.em_state, cs_state=record.cs_state,
                       embargo_end=record.embargo_end,
                       data={**record.data, "invited": invited}, now=ctx.now)
        if accept:
            put_participant(session, case.id, invitee, ctx.now, rm="RECEIVED")
        refs = linked_refs(session, ctx.rt, case.id)
        return case.id, participants_effects(session, ctx.rt, case.id, refs)
    return planned(ctx, "ACCEPT_INVITE_TO_CASE" if accept else "REJECT_INVITE_TO_CASE", decide)


_ANSWER_RM = {"Accept": "VALID", "TentativeReject": "INVALID", "Reject": "CLOSED"}


def on_report_answer(ctx: Context, known: Known, claim: Claim) -> Mirrored:
    """The recipient's RV/RI/RC of a report we offered (``Accept``/``TentativeReject``/
    ``Reject`` of our Offer, maybe relayed by its case actor): its RM state in the report's
    case, or on the report before a case exists."""
    report = known.report(claim.report_id)
    assert report is not None and report.offered_to  # the authority rule saw to it
    rm = _ANSWER_RM.get(ctx.activity.type, "VALID")
    subject = known.case.id if known.case else report.id
    recipient = report.offered_to

    def decide(session: Session) -> tuple[str, Planned] | str:
        put_participant(session, subject, recipient, ctx.now, rm=rm)
        refs = linked_refs(session, ctx.rt, subject)
        return subject, participants_effects(session, ctx.rt, subject, refs)
    return planned(ctx, {"VALID": "RV", "INVALID": "RI"}.get(rm, "RC"), decide)


def invitation_issue(ctx: Context, case_id: str, inviter: str) -> TrackerRef:
    """A private issue at the default destination for an invitation nothing is linked to."""
    where = destination(ctx)
    ensured = ctx.rt.adapter(where.tracker).ensure_private_issue(
        where, case_id, invitation_title(case_id), invitation_comment(inviter, case_id),
        ["vultron:invited"], fresh=False)
    marker_planted(ctx.rt, case_id, ensured.planted)
    return ensured.ref
