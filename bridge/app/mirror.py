"""Inbound mirroring: one stored protocol activity (inbox or ``repository_dispatch``) → state,
links and tracker effects. ``handle_activity`` is the worker's handler for ``inbox:`` and
``dispatch:`` inputs. The mapping table is ``docs/inbound.md``.

Routing is by shape (activity type, object type): ``Offer(VulnerabilityReport)`` →
``mirror_report``; cases, statuses, participants, notes → ``mirror_case``; embargo messages →
``mirror_embargo``. ``Announce(CaseLedgerEntry)`` from a case actor is unwrapped: its
``payloadSnapshot`` is handled as the activity it logs, in the ledger's case. Anything else
that parses is audited and finished as ``ignored`` with the reason — not an error.
"""

from __future__ import annotations

import logging

from bridge.app import mirror_authority as authority
from bridge.app import mirror_case as case
from bridge.app import mirror_embargo as embargo
from bridge.app import mirror_invite as invite
from bridge.app.mirror_base import Context, Mirrored
from bridge.app.mirror_report import on_offer
from bridge.app.runtime import Runtime
from bridge.core.case.claims import Act, claim_of
from bridge.core.catalogue.classify import classify
from bridge.core.jsonload import load_json
from bridge.core.quoting import safe_name
from bridge.core.vocab.activities import Activity
from bridge.core.vocab.base import ASObject, ref_id
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
from bridge.store import audit, db, inbound
from bridge.store.inbound import InboundItem

log = logging.getLogger("bridge.mirror")

_ENGAGEMENT = {"Join": ("RA", "ACCEPTED"), "Ignore": ("RD", "DEFERRED"),
               "Leave": ("CLOSE_CASE", "CLOSED")}


def handle_activity(rt: Runtime, item: InboundItem) -> Mirrored:
    """Handle one stored activity; an input that means nothing to us finishes ``ignored``."""
    limits = rt.config.limits
    data = load_json(item.body, max_bytes=limits.max_body_bytes, max_depth=limits.max_json_depth)
    activity = parse_activity(data).document
    assert isinstance(activity, Activity)
    result = route(Context(rt, item, activity))
    if result.ignored:
        _finish_ignored(rt, item, result)
    return result


def _finish_ignored(rt: Runtime, item: InboundItem, result: Mirrored) -> None:
    now = rt.clock()
    with db.transaction(rt.sessions) as session:
        inbound.finish_inbound(session, item, "ignored", now, result.ignored)
        audit.append(session, "mirror.ignored", result.subject or item.key,
                     {"source": item.source, "message": result.message,
                      "reason": result.ignored}, now)
    log.info("input %s ignored: %s", item.id, result.ignored)


def _shape(activity: Activity) -> str:
    obj = activity.object_
    inner = obj.type if isinstance(obj, ASObject) else "reference"
    return f"{safe_name(activity.type)}({safe_name(inner)})"


def route(ctx: Context, depth: int = 0) -> Mirrored:
    """Unwrap what a case actor relays, judge the claim (who may say this about this case),
    then dispatch by its shape."""
    activity = ctx.activity
    if activity.type == "Announce" and depth == 0:
        unwrapped = _unwrap(ctx, activity.object_)
        if unwrapped is not None:
            return route(unwrapped, depth + 1)
    claim = claim_of(activity, ctx.sender, ctx.case_hint)
    known, verdict = authority.judge(ctx, claim)
    if not verdict.allowed and ctx.relayed_by and claim.claimed == ctx.rt.actor_id:
        return case.on_own_relayed(ctx, known)
    if not verdict.allowed:
        return authority.refused(ctx, claim, known, verdict)
    if claim.act in (Act.CREATE_CASE, Act.UPDATE_CASE) and known.proposed is not None:
        message = {"Create": "CREATE_CASE", "Announce": "ANNOUNCE_CASE"}.get(
            activity.type, "UPDATE_CASE")
        return case.on_case_document(ctx, known, message)
    if claim.act is Act.INVITE_TO_CASE:
        return invite.on_invitation(ctx, known)
    if claim.act is Act.INVITE_ANSWER and claim.claimed == ctx.rt.actor_id:
        return Mirrored("ACCEPT_INVITE_TO_CASE",
                        ignored="our own answer to the invitation, relayed by the case's owner")
    if claim.act is Act.INVITE_ANSWER:
        return invite.on_invite_answer(ctx, known, claim.accept)
    if claim.act is Act.REPORT_ANSWER:
        return invite.on_report_answer(ctx, known, claim)
    return _dispatch(ctx)


def _dispatch(ctx: Context) -> Mirrored:
    activity = ctx.activity
    kind, obj, target = activity.type, activity.object_, activity.target
    if kind == "Offer" and isinstance(obj, VulnerabilityReport):
        return on_offer(ctx, obj)
    if kind in ("Create", "Update") and isinstance(obj, VulnerabilityCase):
        return Mirrored("CREATE_CASE", ignored="the case has no id")
    if kind in ("Add", "Create"):
        found = _add(ctx, obj, target)
        if found is not None:
            return found
    if kind == "Invite" and isinstance(obj, EmbargoEvent):
        return embargo.on_proposal(ctx, obj)
    if kind in ("Accept", "Reject") and _answers_embargo(obj):
        return embargo.on_answer(ctx)
    if kind == "Remove" and isinstance(obj, EmbargoEvent):
        return embargo.on_terminate(ctx, obj)
    if kind == "Announce" and isinstance(obj, EmbargoEvent):
        return embargo.on_activate(ctx, obj, "ANNOUNCE_EMBARGO")
    if kind in _ENGAGEMENT and isinstance(obj, VulnerabilityCase | str):
        code, rm = _ENGAGEMENT[kind]
        return case.on_engagement(ctx, code, rm)
    if kind == "Undo" and isinstance(obj, Activity) and obj.type == "Ignore":
        return case.on_engagement(ctx, "REENGAGE_CASE", "ACCEPTED")
    known = classify(activity)
    name = known.value if known is not None else _shape(activity)
    return Mirrored(name, ignored=f"{_shape(activity)} has no inbound mapping")


def _add(ctx: Context, obj: object, target: object) -> Mirrored | None:
    kind = ctx.activity.type
    if isinstance(obj, VulnerabilityReport) and kind == "Add":
        return case.on_add_report(ctx, obj, target)
    if isinstance(obj, str) and kind == "Add" and isinstance(target, VulnerabilityCase):
        return case.on_add_report(ctx, obj, target)
    if isinstance(obj, CaseStatus):
        return case.on_case_status(ctx, obj, target)
    if isinstance(obj, ParticipantStatus):
        return case.on_participant_status(ctx, obj, target)
    if isinstance(obj, CaseParticipant):
        return case.on_participant(ctx, obj, target)
    if isinstance(obj, Note):
        return case.on_note(ctx, obj, target, "CREATE_NOTE" if kind == "Create"
                            else "ADD_NOTE_TO_CASE")
    if isinstance(obj, EmbargoEvent) and kind == "Add":
        return embargo.on_activate(ctx, obj, "ADD_EMBARGO_TO_CASE")
    return None


def _answers_embargo(obj: object) -> bool:
    if isinstance(obj, EmbargoEvent):
        return True
    return (isinstance(obj, Activity) and obj.type == "Invite"
            and isinstance(obj.object_, EmbargoEvent))


def _unwrap(ctx: Context, obj: object) -> Context | None:
    """The activity an ``Announce`` relays: a ledger entry's snapshot, or an inline activity."""
    hint = ctx.case_hint
    event = None
    if isinstance(obj, CaseLedgerEntry):
        hint = obj.case_id or hint
        event = obj.event_type
        obj = obj.payload_snapshot
    if isinstance(obj, Activity):
        if obj.actor is None:
            obj = obj.model_copy(update={"actor": ctx.activity.actor})
        if obj.id is None:
            obj = obj.model_copy(update={"id": ctx.activity.id})
        return Context(ctx.rt, ctx.item, obj, hint or ref_id(obj.context),
                       ledger_event=event, relayed_by=ctx.sender)
    return None
