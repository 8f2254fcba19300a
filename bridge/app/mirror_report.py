"""``Offer(VulnerabilityReport)`` → exactly one private issue, linked, with the report's state.

The issue is created (or found again, by its hidden marker — searched for only when an earlier
attempt may have created it) by the adapter, which verifies the
destination is private first; a public destination stops the write (``NotPrivateError``): the
alarm goes out and the input fails, with nothing written. Then, in one transaction: the link
report ↔ issue (``mirrors``), the stored Offer, the report's state row (kind ``report``, EM
NONE, CS ``Vfd.pxa`` — receiving the report makes us, the vendor, aware), our RM RECEIVED and
the finder as a participant. Each step is an upsert: running it again changes nothing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bridge.app.afterwrite import recheck
from bridge.app.finish import finish_item
from bridge.app.guard import marker_planted, privacy_refused
from bridge.app.mirror_base import Context, Mirrored
from bridge.app.mirror_texts import Row, participants_table, report_body, report_title
from bridge.core.case.authority import report_tied
from bridge.core.case.model import Report
from bridge.core.effects import Destination
from bridge.core.errors import ConfigurationError, NotPrivateError
from bridge.core.states.cs import VENDOR_AWARE_CS
from bridge.core.states.em import EM
from bridge.core.vocab.base import ref_ids
from bridge.core.vocab.emit import to_wire
from bridge.core.vocab.objects import VulnerabilityReport
from bridge.store import audit, cases, db, links, state

RECEIVED_LABEL = "vultron:received"


def destination(ctx: Context) -> Destination:
    configured = ctx.rt.config.destinations.get("default")
    if configured is None:
        raise ConfigurationError(
            "no destinations.default is configured: an inbound report has nowhere to go"
        )
    return Destination(tracker=configured.tracker, project=configured.project,
                       mode=configured.mode)


def first_attempt(ctx: Context, report_id: str, where: Destination) -> bool:
    """True when no earlier attempt can have created the report's issue at ``where``: this
    input's first claim, no link to the report yet and no intent recorded by another input.
    The intent is recorded (committed) before the create call, so a crash between the create
    and the link makes the next attempt search for the issue's marker instead."""
    if ctx.item.attempts > 1:
        return False
    intent = f"urn:vultron-bridge:ensure:{where.tracker}:{where.project}:{report_id}"
    with db.transaction(ctx.rt.sessions) as session:
        if links.links_for_subject(session, report_id):
            return False
        return state.add_object(session, intent, "EnsureIntent", {"input": ctx.key}, ctx.now)


def _case_holds(session: Session, case_id: str, finder: str | None) -> bool:
    """May the case that named this report before its Offer came hold it? Only when the
    report's finder is the case's owner or one of its participants (authority rule
    ``report_owner``): otherwise any case could claim a report id early and be linked to its
    issue when the real finder offers it."""
    case = cases.load_case(session, case_id)
    report = Report(case_id, finder, None, case_id)
    return case is not None and report_tied(report, case, "")


def on_offer(ctx: Context, report: VulnerabilityReport) -> Mirrored:
    rt = ctx.rt
    if not report.id:
        return Mirrored("RS", ignored="the offered report has no id")
    finder = ctx.actor or next(iter(ref_ids(report.attributed_to)), None)
    where = destination(ctx)
    rows = [Row(rt.actor_id, ["vendor"], "RECEIVED")]
    if finder:
        rows.append(Row(finder, ["finder"], "ACCEPTED"))
    body = report_body(report, ctx.activity.id, finder, participants_table(rows, rt.actor_id))
    fresh = first_attempt(ctx, report.id, where)
    try:
        ensured = rt.adapter(where.tracker).ensure_private_issue(
            where, report.id, report_title(report), body, [RECEIVED_LABEL], fresh=fresh
        )
    except NotPrivateError as exc:
        privacy_refused(rt, report.id, f"{where.tracker}:{where.project}", exc.reason)
        raise
    marker_planted(rt, report.id, ensured.planted)
    recheck(rt, rt.adapter(where.tracker), ensured.ref, report.id, "the report")
    now = ctx.now
    with db.transaction(rt.sessions) as session:
        linked = links.add_link(session, report.id, ensured.ref, "mirrors", "inbox", now)
        state.put_object(session, ctx.key, "Offer", to_wire(ctx.activity), now)
        record = state.get_case(session, report.id)
        data = dict(record.data) if record else {}
        data.setdefault("kind", "report")
        data.setdefault("offer_id", ctx.key)
        data.setdefault("offered_to", rt.actor_id)
        if finder:
            data.setdefault("finder", finder)
        if record is None or data != record.data:
            state.put_case(
                session, report.id, em_state=record.em_state if record else EM.NONE.value,
                cs_state=record.cs_state if record else VENDOR_AWARE_CS,
                embargo_end=record.embargo_end if record else None, data=data, now=now,
            )
        state.add_participant(session, report.id, rt.actor_id, rm_state="RECEIVED",
                              roles=["vendor"], now=now)
        if finder:
            state.add_participant(session, report.id, finder, rm_state="ACCEPTED",
                                  roles=["finder"], now=now)
        case_id = data.get("case_id")
        if case_id and _case_holds(session, str(case_id), finder):
            # the case arrived first and its finder takes part in it: it speaks here too
            links.add_link(session, str(case_id), ensured.ref, "tracks", "inbox", now)
        if linked or ensured.created:
            audit.append(session, "mirror.report", report.id, {
                "ref": str(ensured.ref), "created": ensured.created, "offer": ctx.key,
                "finder": finder, "source": ctx.item.source,
            }, now)
        finished = finish_item(session, ctx.item, "done", now)
    return Mirrored("RS", subject=report.id, effects=1, finished=finished)
