"""Inbound authorization, applied: load what the store knows about the claim's case and
reports, ask the pure rule (:func:`bridge.core.case.authorize`), and on a refusal change
nothing but the audit log — and tell the maintainer, privately, on the issues linked to the
subject (never on an issue that is not private: the adapters re-check before they write).

A refusal finishes the input as ``ignored`` with ``refused (<rule>): <reason>`` — the reason
names the rule, never the activity's content. See docs/security.md.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bridge import metrics
from bridge.app.mirror_base import Context, Mirrored, Planned, apply_plan, linked_refs
from bridge.app.mirror_texts import inline
from bridge.core.case import Claim, Known, Verdict, authorize
from bridge.core.case.authority import owner_of, tied_reports
from bridge.core.case.documents import case_from_document
from bridge.core.case.model import Case
from bridge.core.effects import Comment
from bridge.core.vocab.objects import VulnerabilityCase
from bridge.store import audit, cases, db

log = logging.getLogger("bridge.mirror")


def proposed_case(ctx: Context) -> Case | None:
    """The case a Create/Update(VulnerabilityCase) describes, owner and case actor resolved."""
    obj = ctx.activity.object_
    if not isinstance(obj, VulnerabilityCase) or not obj.id:
        return None
    case = case_from_document(obj)
    owner, manager = owner_of(case, ctx.sender)
    return replace(case, owner=owner, case_actor=manager)


def known_for(ctx: Context, claim: Claim) -> Known:
    proposed = proposed_case(ctx)
    with ctx.rt.readers() as session:
        return cases.load_known(
            session, ctx.rt.actor_id, claim.case_ids, [claim.report_id or ""], proposed)


def judge(ctx: Context, claim: Claim) -> tuple[Known, Verdict]:
    known = known_for(ctx, claim)
    return known, authorize(known, claim)


def refused(ctx: Context, claim: Claim, known: Known, verdict: Verdict) -> Mirrored:
    """Audit the refusal, tell the maintainer on the subject's private issues, change nothing
    else."""
    subject = known.case.id if known.case else next(iter(known.reports), None)
    reason = f"refused ({verdict.rule}): {verdict.reason}"
    metrics.INBOUND_REFUSED.labels(rule=verdict.rule).inc()
    with db.transaction(ctx.rt.sessions) as session:
        audit.append(session, "mirror.refused", subject or ctx.key, {
            "activity": ctx.key, "act": claim.act.value, "sender": claim.sender,
            "rule": verdict.rule, "source": ctx.item.source,
        }, ctx.now)
        refs = linked_refs(session, ctx.rt, subject) if subject else []
    log.info("input %s refused: %s (%s from %s)", ctx.item.id, verdict.rule, claim.act.value,
             claim.sender)
    if refs:
        body = (f"**vultron-bridge** refused a protocol message: `{claim.act.value}` from "
                f"{inline(claim.sender, 200)} — {verdict.reason}. Nothing was changed.")
        plan: Planned = [(r.tracker, Comment(ref=r, body=body, content=False,
                                             marker_id=f"refused:{ctx.key}")) for r in refs]
        apply_plan(ctx, subject or ctx.key, plan, Mirrored(claim.act.value, subject))
    return Mirrored(claim.act.value, subject=subject, ignored=reason)


def accepted_reports(known: Known, case: Case) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The case document's reports we let it hold, and those refused (another party's)."""
    return tied_reports(known, case)
