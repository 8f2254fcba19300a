"""Cases, their reports, statuses, participants and notes → state, links, labels, comments.

The case actor is authoritative for the case: its ``CaseStatus`` sets the case's EM state
(and, with a pending proposal, adopts its end) and adds pxa events (which never go away);
``ParticipantStatus`` sets that participant's RM state — never ours: our own RM state is what
our tracker says. A case is linked (``tracks``) to every issue of every report it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from bridge.app.mirror_base import (
    Context,
    Mirrored,
    Planned,
    em_label_effects,
    ensure_case,
    linked_refs,
    participants_effects,
    planned,
    put_participant,
    put_status,
    pxa_label_effects,
    refresh_vfd,
    resolve_subject,
)
from bridge.app.mirror_texts import note_comment
from bridge.core.case.authority import tied_reports
from bridge.core.case.documents import case_from_document, with_known_end
from bridge.core.case.model import EmbargoRef, Known
from bridge.core.effects import Comment
from bridge.core.quoting import safe_name
from bridge.core.states import rm as rm_machine
from bridge.core.states.cs import INITIAL_CS
from bridge.core.states.em import EM
from bridge.core.urls import same_origin
from bridge.core.vocab.activities import Activity
from bridge.core.vocab.base import ASObject, ref_id, ref_ids
from bridge.core.vocab.emit import to_wire
from bridge.core.vocab.objects import (
    CaseParticipant,
    CaseStatus,
    Note,
    ParticipantStatus,
    VulnerabilityCase,
)
from bridge.core.vocab.parse import parse_document
from bridge.store import audit, links, state
from bridge.store.cases import embargo_data

_IN_FORCE = (EM.ACTIVE.value, EM.REVISE.value)


def _first(*candidates: str | None) -> str | None:
    return next((c for c in candidates if c), None)


def _merge_pxa(old: str, new: str) -> str:
    """pxa events only ever happen: a letter once upper-case stays so."""
    return "".join(o.upper() if (o.isupper() or n.isupper()) else o
                   for o, n in zip(old, new, strict=True))


def apply_status(session: Session, case_id: str, em_new: str | None, pxa_new: str | None,
                 now: float) -> tuple[str, str, bool]:
    """Store a case status; returns (EM state, pxa, whether EM changed)."""
    record = ensure_case(session, case_id, now)
    data = dict(record.data)
    em, end, proposed = record.em_state, record.embargo_end, data.get("proposed_end")
    changed = False
    if em_new and em_new != em and em != EM.EXITED.value and not (
            em_new == EM.NONE.value and em == EM.PROPOSED.value):
        if em_new in _IN_FORCE:
            end = end if end is not None else proposed
            proposed = proposed if em_new == EM.REVISE.value else None
        elif em_new == EM.NONE.value:
            end, proposed = None, None
        elif em_new == EM.PROPOSED.value:
            end = None
        else:
            proposed = None
        em, changed = em_new, True
    vfd, _, pxa = record.cs_state.partition(".")
    if pxa_new:
        pxa = _merge_pxa(pxa, pxa_new)
    data["proposed_end"] = proposed
    state.put_case(session, case_id, em_state=em, cs_state=f"{vfd}.{pxa}", embargo_end=end,
                   data=data, now=now)
    return em, pxa, changed


def _attach_report(session: Session, ctx: Context, case_id: str, report_id: str) -> None:
    """Record that the report belongs to the case; link the case to the report's issues."""
    now, ours = ctx.now, ctx.rt.actor_id
    case = ensure_case(session, case_id, now)
    data = dict(case.data)
    reports = list(dict.fromkeys([*data.get("reports", []), report_id]))
    report = state.get_case(session, report_id)
    if report is None:  # its Offer may come later: remember the case for it
        state.put_case(session, report_id, em_state=EM.NONE.value, cs_state=INITIAL_CS,
                       embargo_end=None, data={"kind": "report", "case_id": case_id}, now=now)
    elif report.data.get("kind") == "report":
        if report.data.get("case_id") != case_id:
            state.put_case(session, report_id, em_state=report.em_state,
                           cs_state=report.cs_state, embargo_end=report.embargo_end,
                           data={**report.data, "case_id": case_id}, now=now)
        for key in ("finder", "offer_id"):  # so RV/RI can still carry the Offer in the case
            if report.data.get(key):
                data.setdefault(key, report.data[key])
        mine = state.get_participant(session, report_id, ours)
        if mine is not None and state.get_participant(session, case_id, ours) is None:
            state.put_participant(session, case_id, ours, rm_state=mine.rm_state,
                                  em_consent=mine.em_consent, roles=mine.roles, now=now)
    for link in links.links_for_subject(session, report_id):
        links.add_link(session, case_id, link.ref, "tracks", "inbox", now)
    if reports != data.get("reports"):
        data["reports"] = reports
    state.put_case(session, case_id, em_state=case.em_state, cs_state=case.cs_state,
                   embargo_end=case.embargo_end, data=data, now=now)


def _participant(session: Session, ctx: Context, case_id: str, actor: str | None,
                 statuses: Sequence[Any], roles: Sequence[str], consent: str | None) -> None:
    if not actor:
        return
    inline = [s for s in statuses if isinstance(s, ParticipantStatus)]
    rm = inline[-1].rm_state.value if inline else None
    if inline and inline[-1].vfd_state.value != "vfd":
        put_status(session, case_id, actor, inline[-1].vfd_state.value, ctx.now)
    if consent is None and inline and inline[-1].em_consent_state:
        consent = inline[-1].em_consent_state.value
    current = state.get_participant(session, case_id, actor)
    if actor == ctx.rt.actor_id and current is not None and current.rm_state != "START":
        # our own RM state comes from our tracker, not from a peer's view of it — but a case
        # that admits us seeds it (the reference seeds its reporter at ACCEPTED)
        rm = None
    if rm is not None and current is not None and rm_machine.goes_back(
            rm_machine.parse(current.rm_state), rm_machine.parse(rm)):
        rm = None  # out of order (a ledger replayed concurrently): the later state stands
    put_participant(session, case_id, actor, ctx.now, rm=rm, roles=roles, consent=consent)


def _participants(session: Session, ctx: Context, case: VulnerabilityCase) -> None:
    by_id = {pid: actor for actor, pid in case.actor_participant_index.items()}
    for item in case.case_participants:
        if isinstance(item, CaseParticipant):
            actor = _first(*ref_ids(item.attributed_to), by_id.get(item.id or ""))
            consent = item.embargo_consent_state.value if item.embargo_consent_state else None
            _participant(session, ctx, case.id or "", actor, item.participant_statuses,
                         [r.value for r in item.case_roles], consent)
    for actor in case.actor_participant_index:
        if state.get_participant(session, case.id or "", actor) is None:
            _participant(session, ctx, case.id or "", actor, (), (), None)


def _keep_participant_ids(session: Session, case_id: str, wire: dict[str, Any]
                          ) -> dict[str, Any]:
    """The case document to store: ``wire``, still naming the CaseParticipant ids a document
    stored before named. A case actor's ledger replays older snapshots of its case (live: the
    ``create_case`` entry after the ``Announce(VulnerabilityCase)`` that admitted us) and a
    snapshot from before we joined must not lose our participant id: our statuses are added
    to it (the reference matches ``Add(ParticipantStatus)`` only with that target)."""
    stored = state.get_object(session, case_id)
    before = (stored.data or {}).get("actorParticipantIndex") if stored else None
    if not isinstance(before, dict) or not before:
        return wire
    now = wire.get("actorParticipantIndex")
    merged = {**before, **(now if isinstance(now, dict) else {})}
    return wire if merged == now else {**wire, "actorParticipantIndex": merged}


def _case_plan(session: Session, ctx: Context, case: VulnerabilityCase, *, inline: bool,
               extra_reports: Sequence[str] = (), reports: Sequence[str] | None = None,
               meta: dict[str, Any] | None = None) -> tuple[str, Planned]:
    """State, links and effects of a case document (``reports``: the ones it may hold)."""
    case_id = case.id or ""
    new = state.get_case(session, case_id) is None
    record = ensure_case(session, case_id, ctx.now)
    if meta:
        data = {**record.data, **{k: v for k, v in meta.items() if v is not None}}
        state.put_case(session, case_id, em_state=record.em_state, cs_state=record.cs_state,
                       embargo_end=record.embargo_end, data=data, now=ctx.now)
    if inline:
        state.put_object(session, case_id, "VulnerabilityCase",
                         _keep_participant_ids(session, case_id, to_wire(case)), ctx.now)
    named = ref_ids(case.vulnerability_reports) if reports is None else list(reports)
    for report_id in dict.fromkeys([*named, *extra_reports]):
        _attach_report(session, ctx, case_id, report_id)
    _participants(session, ctx, case)
    refresh_vfd(session, case_id, ctx.rt.actor_id, ctx.now, reset=new)
    status = case.current_status()
    plan: Planned = []
    refs = linked_refs(session, ctx.rt, case_id)
    if status is not None:
        em, pxa, _ = apply_status(session, case_id, status.em_state.value,
                                  status.pxa_state.value, ctx.now)
        plan += em_label_effects(refs, em) + pxa_label_effects(refs, pxa)
    plan += participants_effects(session, ctx.rt, case_id, refs)
    return case_id, plan


def on_case_document(ctx: Context, known: Known, message: str) -> Mirrored:
    """``Create(VulnerabilityCase)`` / ``Update(VulnerabilityCase)`` from the case's owner
    (or its case actor): the owner and case actor are recorded, the participants it names
    are admitted, and it holds only the reports tied to its owner (another party's report it
    names is refused, audited and left out)."""
    case = ctx.activity.object_
    proposed = known.proposed
    assert isinstance(case, VulnerabilityCase) and proposed is not None
    current = known.case
    by_role = next((a for a, p in proposed.participants.items() if "case_owner" in p.roles),
                   None)
    # the owner the document names by role wins over one inferred earlier (a ledger's
    # create_case snapshot names participants by id only, so its sender was taken for the
    # owner); the sender is authorized for the case already
    owner = by_role or (current.owner if current and current.owner else proposed.owner)
    manager = proposed.case_actor or (current.case_actor if current else None)
    if manager is None and current is not None and current.owner not in (None, owner):
        manager = current.owner if same_origin(current.owner, owner) else None
    judged = replace(proposed, owner=owner, case_actor=manager)
    ok, refused = tied_reports(known, judged)

    def decide(session: Session) -> tuple[str, Planned] | str:
        active = with_known_end(proposed.active_embargo,
                                current.active_embargo if current else None,
                                _invited_embargo(session, case.id or ""))
        meta = {"owner": owner, "case_actor": manager,
                "active_embargo": embargo_data(active) if active else None,
                "refused_reports": list(refused) or None}
        if refused:
            audit.append(session, "mirror.refused_reports", case.id or "", {
                "activity": ctx.key, "sender": ctx.sender, "reports": list(refused),
                "rule": "report_owner",
            }, ctx.now)
        return _case_plan(session, ctx, case, inline=True, reports=ok, meta=meta)
    return planned(ctx, message, decide)


def _invited_embargo(session: Session, case_id: str) -> EmbargoRef | None:
    """The active embargo of the case an invitation to it carried inline (live: with its
    end, which the case actor's later documents name by id only)."""
    stored = state.get_object(session, f"invited-case:{case_id}")
    document = parse_document(stored.data).document if stored else None
    if not isinstance(document, VulnerabilityCase):
        return None
    return case_from_document(document).active_embargo


def on_add_report(ctx: Context, report: ASObject | str, target: Any) -> Mirrored:
    """``Add(VulnerabilityReport, target=case)``."""
    report_id = ref_id(report)
    case_id = _first(ref_id(target), ctx.case_hint, ref_id(ctx.activity.context))
    if not report_id or not case_id:
        return Mirrored("ADD_REPORT_TO_CASE", ignored="the report or its case has no id")
    inline = isinstance(target, VulnerabilityCase)
    case = target if isinstance(target, VulnerabilityCase) else VulnerabilityCase(id=case_id)
    return planned(ctx, "ADD_REPORT_TO_CASE", lambda s: _case_plan(
        s, ctx, case, inline=inline, extra_reports=[report_id]))


def case_of(session: Session, *candidates: str | None) -> str | None:
    """The first candidate the store knows as a case or report, else the first given."""
    given = [c for c in candidates if c]
    for ident in given:
        if state.get_case(session, ident) is not None:
            return resolve_subject(session, ident)
    return given[0] if given else None


def on_case_status(ctx: Context, status: CaseStatus, target: Any) -> Mirrored:
    """``Add(CaseStatus, target=case)``: EM and pxa of the case."""
    def decide(session: Session) -> tuple[str, Planned] | str:
        case_id = case_of(session, ref_id(target), ctx.case_hint, ref_id(status.context),
                           ref_id(ctx.activity.context))
        if case_id is None:
            return "the case status names no case"
        em, pxa, changed = apply_status(session, case_id, status.em_state.value,
                                        status.pxa_state.value, ctx.now)
        refs = linked_refs(session, ctx.rt, case_id)
        return case_id, (em_label_effects(refs, em) if changed else []) + pxa_label_effects(
            refs, pxa)
    return planned(ctx, "ADD_CASE_STATUS", decide)


def _participant_actor(session: Session, case_id: str, target: Any,
                       status: ParticipantStatus) -> str | None:
    if isinstance(target, CaseParticipant):
        found = _first(*ref_ids(target.attributed_to))
        if found:
            return found
    stored = state.get_object(session, case_id)
    index = stored.data.get("actorParticipantIndex", {}) if stored else {}
    by_id = {pid: actor for actor, pid in index.items()}
    return _first(by_id.get(ref_id(target) or ""), *ref_ids(status.attributed_to))


def on_participant_status(ctx: Context, status: ParticipantStatus, target: Any) -> Mirrored:
    """``Add(ParticipantStatus, target=participant)``: that participant's RM and consent."""
    def decide(session: Session) -> tuple[str, Planned] | str:
        context = target.context if isinstance(target, CaseParticipant) else None
        case_id = case_of(session, ctx.case_hint, ref_id(context), ref_id(status.context),
                           ref_id(ctx.activity.context))
        if case_id is None:
            return "the participant status names no case"
        ensure_case(session, case_id, ctx.now)
        actor = _participant_actor(session, case_id, target, status)
        if actor is None:
            return "the participant status names no participant"
        _participant(session, ctx, case_id, actor, [status], [r.value for r in status.cvd_role],
                     None)
        refresh_vfd(session, case_id, ctx.rt.actor_id, ctx.now)
        refs = linked_refs(session, ctx.rt, case_id)
        return case_id, participants_effects(session, ctx.rt, case_id, refs)
    return planned(ctx, "ADD_PARTICIPANT_STATUS", decide)


def on_participant(ctx: Context, participant: CaseParticipant, target: Any) -> Mirrored:
    """``Add``/``Create(CaseParticipant)``: a participant joins the case's table."""
    def decide(session: Session) -> tuple[str, Planned] | str:
        case_id = case_of(session, ref_id(target), ctx.case_hint, ref_id(participant.context),
                           ref_id(ctx.activity.context))
        actor = _first(*ref_ids(participant.attributed_to))
        if case_id is None or actor is None:
            return "the participant names no case or no actor"
        ensure_case(session, case_id, ctx.now)
        consent = (participant.embargo_consent_state.value
                   if participant.embargo_consent_state else None)
        _participant(session, ctx, case_id, actor, participant.participant_statuses,
                     [r.value for r in participant.case_roles], consent)
        refs = linked_refs(session, ctx.rt, case_id)
        return case_id, participants_effects(session, ctx.rt, case_id, refs)
    return planned(ctx, "ADD_PARTICIPANT", decide)


def on_engagement(ctx: Context, message: str, rm: str) -> Mirrored:
    """``Join`` / ``Ignore`` / ``Leave`` / ``Undo(Ignore)`` of a case by another participant."""
    actor = ctx.actor
    if actor == ctx.rt.actor_id:
        return Mirrored(message, ignored="our own engagement message came back")
    obj = ctx.activity.object_
    inner = obj.object_ if message == "REENGAGE_CASE" and isinstance(obj, Activity) else obj

    def decide(session: Session) -> tuple[str, Planned] | str:
        case_id = case_of(session, ref_id(inner), ctx.case_hint, ref_id(ctx.activity.context))
        if case_id is None or actor is None:
            return "the engagement message names no case or no actor"
        record = ensure_case(session, case_id, ctx.now)
        put_participant(session, case_id, actor, ctx.now, rm=rm)
        manager = record.data.get("case_actor")
        if ctx.ledger_event == "case_fully_closed" and isinstance(manager, str):
            # the case actor logs that every participant has left: it closes too
            put_participant(session, case_id, manager, ctx.now, rm="CLOSED")
        refs = linked_refs(session, ctx.rt, case_id)
        return case_id, participants_effects(session, ctx.rt, case_id, refs)
    return planned(ctx, message, decide)


def on_own_relayed(ctx: Context, known: Known) -> Mirrored:
    """An activity of ours that a participant (not the owner, not its case actor) relays
    back, in its own ledger: nothing of ours to apply. Live, the reference's finder, closing
    when the case owner (we) leaves, announces its ``case_fully_closed`` ledger entry — ours
    ``Leave`` — to us: its only word that it closed too, so that participant (admitted, and
    only it) is recorded CLOSED."""
    sender, case_ = ctx.sender, known.case
    what = f"our own {safe_name(ctx.activity.type)} came back, relayed by {str(sender)[:200]}"
    if (ctx.ledger_event != "case_fully_closed" or sender is None or case_ is None
            or sender == ctx.rt.actor_id or not case_.admitted(sender)):
        return Mirrored(ctx.activity.type.upper(), ignored=what)

    def decide(session: Session) -> tuple[str, Planned] | str:
        case_id = case_.id
        put_participant(session, case_id, sender, ctx.now, rm="CLOSED")
        refs = linked_refs(session, ctx.rt, case_id)
        return case_id, participants_effects(session, ctx.rt, case_id, refs)
    return planned(ctx, "CASE_FULLY_CLOSED", decide)


def on_note(ctx: Context, note: Note, target: Any, message: str) -> Mirrored:
    """``Create(Note)`` / ``Add(Note)`` → a private comment on every linked issue, once."""
    def decide(session: Session) -> tuple[str, Planned] | str:
        subject = case_of(session, ref_id(target), ctx.case_hint, ref_id(note.context),
                           ref_id(ctx.activity.context))
        if subject is None:
            return "the note names no case or report"
        refs = linked_refs(session, ctx.rt, subject)
        if not refs:
            return f"no issue is linked to {subject[:200]}"
        body = note_comment(note, ctx.actor)
        marker = f"note:{note.id or ctx.key}"
        return subject, [(r.tracker, Comment(ref=r, body=body, marker_id=marker)) for r in refs]
    return planned(ctx, message, decide)
