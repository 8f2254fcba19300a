"""Intents (from the rules) → activities in the reference implementation's current format.

Replies carry what they answer inline: RV/RI/RC (before a case) carry the stored Offer, EA/ER/
EC/EJ the stored embargo Invite. A participant that was never Offered the report (it joined
the case by invitation) has no Offer to answer: in the case, its RV/RI are its status —
``Add(ParticipantStatus)`` at the new RM state to its CaseParticipant, with ``context`` the case,
as the reference's participants send a status to the case actor — and RA/RD/RC are the
case-level ``Join``/``Ignore``/``Leave(case)`` in every case.

Activity ids are derived from the input being processed, so reprocessing the same input
after a crash produces the same ids (and the outbox's uniqueness makes the second enqueue a
no-op).

Every activity carries its addressing (``to``, ``cc``: :func:`bridge.core.rules.audience.
audience`), and the outbox delivers it to exactly those actors. Embargoes travel by their real
identity: EP/EV mint the proposal's EmbargoEvent id (the service records it), ET names the
case's active embargo. Statuses carry our RM state, roles and consent from our participants
row, and the vfd we last announced. ``CREATE_CASE`` is ``Create(<the whole case we created>)``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bridge.core.case.model import EmbargoRef
from bridge.core.catalogue import factories as f
from bridge.core.errors import ConfigurationError
from bridge.core.rules import Intent
from bridge.core.rules.audience import audience
from bridge.core.rules.owner import ordered_roles
from bridge.core.vocab.activities import Activity, Invite, Offer
from bridge.core.vocab.base import ASObject, ref_id
from bridge.core.vocab.emit import to_wire
from bridge.core.vocab.enums import EM, PEC, PXA, RM, VFD
from bridge.core.vocab.objects import (
    CaseStatus,
    EmbargoEvent,
    Note,
    ParticipantStatus,
    VulnerabilityCase,
)
from bridge.core.vocab.parse import parse_document


@dataclass(frozen=True)
class RenderContext:
    actor: str
    """Our actor id."""
    subject: str
    published: datetime
    seed: str
    """What makes ids unique and stable: the input's source, key and position."""
    case: VulnerabilityCase | None = None
    offer: Offer | None = None
    invite: Invite | None = None
    rm_state: str = "RECEIVED"
    em_state: str = EM.NONE.value
    pxa_state: str = "pxa"
    members: tuple[str, ...] = ()
    """Who a case-level message goes to: the admitted participants (before a case exists,
    the report's parties); we are left out when addressing."""
    case_actor: str | None = None
    roles: tuple[str, ...] = ()
    """Our roles in the subject (our participants row)."""
    consent: str | None = None
    """Our embargo consent (our participants row)."""
    vfd: str | None = None
    """The vfd we last announced in the case (None: none; ``vfd`` is assumed)."""
    participant: str | None = None
    """The id of our CaseParticipant object, when the case names one."""
    active_embargo: EmbargoRef | None = None
    """The embargo in force, by the id the case names (ET terminates exactly it)."""
    case_document: VulnerabilityCase | None = None
    """``CREATE_CASE``: the whole case as we created it."""
    case_invite: Invite | None = None
    """The pending ``Invite(us → case)`` that ACCEPT_INVITE / REJECT_INVITE answer."""


def stable_id(actor: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
    return f"{actor}/activities/{digest}"


def load_activity(data: dict[str, Any] | None, kind: type[ASObject]) -> Any:
    """A stored wire document parsed back into ``kind``, or None."""
    if not data:
        return None
    document = parse_document(data).document
    return document if isinstance(document, kind) else None


def _our_status(ctx: RenderContext, case: VulnerabilityCase) -> ParticipantStatus:
    """Our status in the case: our RM state, roles, consent and the vfd we last announced."""
    return ParticipantStatus(
        id=stable_id(ctx.actor, ctx.seed, "status"), context=case.id,
        attributed_to=ctx.actor, rm_state=RM(ctx.rm_state),
        vfd_state=VFD(ctx.vfd) if ctx.vfd and ctx.vfd in VFD.__members__ else VFD.vfd,
        cvd_role=ordered_roles(ctx.roles),
        em_consent_state=PEC(ctx.consent) if ctx.consent and ctx.consent in PEC.__members__
        else None,
    )


def _our_participant(ctx: RenderContext, case: VulnerabilityCase) -> str:
    """Our CaseParticipant's id as the case names it (else our actor id, which the
    reference's case actor also resolves)."""
    return ctx.participant or case.actor_participant_index.get(ctx.actor) or ctx.actor


def render(intent: Intent, ctx: RenderContext) -> dict[str, Any]:
    """The activity for ``intent`` as wire JSON; ConfigurationError when what it answers is
    unknown (e.g. RV for a report whose Offer the bridge never saw)."""
    aid = stable_id(ctx.actor, ctx.seed, intent.message)
    code = intent.message
    offer = ctx.offer if ctx.offer is not None and ref_id(ctx.offer.actor) != ctx.actor else None
    answered = (ctx.invite if code in ("EA", "EC", "ER", "EJ") else
                ctx.case_invite if code in ("ACCEPT_INVITE", "REJECT_INVITE") else offer)
    addressed = audience(code, us=ctx.actor, members=ctx.members, in_case=ctx.case is not None,
                         answered=ref_id(answered.actor) if answered else None,
                         case_actor=ctx.case_actor)
    common: dict[str, Any] = {"activity_id": aid, "published": ctx.published, "actor": ctx.actor,
                              "to": list(addressed.to)}
    case = ctx.case or VulnerabilityCase(id=ctx.subject)
    activity: Activity
    if code == "CREATE_CASE":
        if ctx.case_document is None:
            raise ConfigurationError("CREATE_CASE needs the case document")
        activity = f.create_case(case=ctx.case_document, **common)
    elif code in ("RV", "RI") and offer is None and ctx.case is not None:
        activity = f.add_participant_status(status=_our_status(ctx, case), participant=(
            _our_participant(ctx, case)), **common)
    elif code in ("RV", "RI") or (code == "RC" and ctx.case is None):
        if offer is None:
            raise ConfigurationError(f"{code} needs the report's Offer, which was never received")
        build = {"RV": f.validate_report, "RI": f.invalidate_report, "RC": f.close_report}[code]
        activity = build(offer=offer, context=ctx.case.id if ctx.case else None, **common)
    elif code in ("RA", "RD", "RC"):
        build = {"RA": f.engage_case, "RD": f.defer_case, "RC": f.close_case}[code]
        activity = build(case=case, **common)
    elif code in ("EP", "EV"):
        embargo = EmbargoEvent(
            id=stable_id(ctx.actor, ctx.seed, "embargo"), context=case.id,
            start_time=ctx.published, end_time=intent.end_time, published=ctx.published,
        )
        activity = f.propose_embargo(embargo=embargo, case=case, **common)
    elif code == "ADD_EMBARGO_TO_CASE":
        active = ctx.active_embargo
        if active is None:
            raise ConfigurationError("the embargo to put in force is not known by its id")
        embargo = EmbargoEvent(id=active.id, context=case.id, end_time=active.end)
        activity = f.add_embargo_to_case(obj=embargo, case=case, **common)
    elif code == "ET":
        active = ctx.active_embargo
        if active is None:
            raise ConfigurationError("ET names the case's active embargo, which is not known")
        embargo = EmbargoEvent(id=active.id, context=case.id, end_time=active.end)
        activity = f.terminate_embargo(embargo=embargo, case=case, **common)
    elif code in ("ACCEPT_INVITE", "REJECT_INVITE"):
        if ctx.case_invite is None:
            raise ConfigurationError(f"{code} answers an invitation the bridge never received")
        build = f.accept_invite_to_case if code == "ACCEPT_INVITE" else f.reject_invite_to_case
        activity = build(invite=ctx.case_invite, **common)
    elif code in ("EA", "EC", "ER", "EJ"):
        if ctx.invite is None:
            raise ConfigurationError(f"{code} answers an embargo Invite the bridge never received")
        build = f.accept_embargo if code in ("EA", "EC") else f.reject_embargo
        activity = build(invite=ctx.invite, **common)
    elif code in ("CV", "CF", "CD"):
        build = {"CV": f.vendor_aware, "CF": f.fix_ready, "CD": f.fix_deployed}[code]
        activity = build(status=_our_status(ctx, case), participant=_our_participant(ctx, case),
                         **common)
    elif code in ("CP", "CX", "CA"):
        case_status = CaseStatus(
            id=stable_id(ctx.actor, ctx.seed, "case-status"), context=case.id,
            attributed_to=ctx.actor, em_state=EM(ctx.em_state), pxa_state=PXA(ctx.pxa_state),
        )
        build = {"CP": f.public_aware, "CX": f.exploit_public, "CA": f.attacks_observed}[code]
        activity = build(status=case_status, case=case, **common)
    elif code in ("NOTE", "REPLY"):  # REPLY: a Note to the finder alone
        note = Note(
            id=stable_id(ctx.actor, ctx.seed, "note"), content=intent.text, context=case.id,
            attributed_to=ctx.actor, published=ctx.published,
        )
        activity = f.create_note(obj=note, case=case, **common)
    else:
        raise ConfigurationError(f"no rendering for message {code!r}")
    if addressed.cc:
        activity = activity.model_copy(update={"cc": list(addressed.cc)})
    return to_wire(activity)
