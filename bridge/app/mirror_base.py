"""Shared steps of inbound mirroring: the input's context, the plan (state + effects decided
in one transaction, applied afterwards), labels and the participants table.

Idempotency: the first processing of an input stores its **plan** — the tracker effects it
decided — in the ``objects`` table (``mirror-plan:<source>:<key>``) in the same transaction as
its state change. Processing it again (a crash, a lease that expired) finds the plan, leaves
the state alone and re-applies the same effects, which are idempotent themselves (labels are
sets, comments carry markers). So each input changes state once and writes once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from bridge.app.effects import apply_effects
from bridge.app.guard import privacy_refused, to_ref
from bridge.app.mirror_texts import Row, participants_comment, participants_table
from bridge.app.runtime import Runtime
from bridge.core import labels as label_specs
from bridge.core.effects import Comment, SetLabels, TrackerEffect
from bridge.core.errors import NotPrivateError
from bridge.core.refs import TrackerRef
from bridge.core.states.cs import VENDOR_AWARE_CS
from bridge.core.states.em import EM
from bridge.core.states.label_map import LABEL_BY_EM
from bridge.core.vocab.activities import Activity
from bridge.core.vocab.base import ref_id
from bridge.store import audit, db, links, state
from bridge.store.inbound import InboundItem
from bridge.store.state import case_data

Planned = list[tuple[str, TrackerEffect]]
_EFFECTS: TypeAdapter[list[TrackerEffect]] = TypeAdapter(list[TrackerEffect])
EM_LABELS = ("vultron:embargo-proposed", "vultron:embargo-active", "vultron:embargo-exited")
PXA_LABELS = {0: "vultron:public", 1: "vultron:exploit-public", 2: "vultron:attacks-observed"}


@dataclass
class Mirrored:
    """What handling one inbound activity did."""

    message: str
    subject: str | None = None
    effects: int = 0
    ignored: str | None = None
    refused: list[str] = field(default_factory=list)
    """Refs whose writes were refused because they are not private."""
    finished: bool = False
    """The input's final status was recorded with the handler's last writes."""


@dataclass(frozen=True)
class Context:
    rt: Runtime
    item: InboundItem
    activity: Activity
    case_hint: str | None = None
    """The case a ledger entry names (``caseId``) when the activity came inside one."""
    ledger_event: str | None = None
    """The ``eventType`` of the ledger entry the activity came in (``case_fully_closed`` …)."""
    relayed_by: str | None = None
    """The actor that relayed this activity (the ``Announce`` it came in): the one the
    request's signature or trusted-peer rule vouched for."""

    @property
    def sender(self) -> str | None:
        """Who vouched for the request: the relaying actor, else the activity's own actor."""
        return self.relayed_by or self.actor

    @property
    def actor(self) -> str | None:
        return ref_id(self.activity.actor)

    @property
    def key(self) -> str:
        return self.activity.id or self.item.key

    @property
    def now(self) -> float:
        return self.rt.clock()


def plan_id(ctx: Context) -> str:
    return f"mirror-plan:{ctx.item.source}:{ctx.item.key}"


def stored_plan(session: Session, ctx: Context) -> tuple[str, Planned] | None:
    """The subject and plan of an input processed before (None: first time)."""
    record = state.get_object(session, plan_id(ctx))
    if record is None:
        return None
    trackers = list(record.data.get("trackers", []))
    effects = _EFFECTS.validate_python(record.data.get("effects", []))
    return str(record.data.get("subject")), list(zip(trackers, effects, strict=True))


Decide = Callable[[Session], "tuple[str, Planned] | str"]


def planned(ctx: Context, message: str, decide: Decide) -> Mirrored:
    """Run ``decide`` (state changes + the plan, or a reason to ignore) once per input, in one
    transaction with the stored plan; then apply the plan."""
    with db.transaction(ctx.rt.sessions) as session:
        found = stored_plan(session, ctx)
        if found is None:
            outcome = decide(session)
            if isinstance(outcome, str):
                return Mirrored(message, ignored=outcome)
            save_plan(session, ctx, message, outcome[0], outcome[1])
            found = outcome
    subject, plan = found
    return apply_plan(ctx, subject, plan, Mirrored(message, subject))


def save_plan(session: Session, ctx: Context, message: str, subject: str,
              plan: Planned, details: dict[str, Any] | None = None) -> None:
    """Record the plan and an audit entry (no content: ids, states, counts)."""
    data = {
        "message": message, "subject": subject, "trackers": [t for t, _ in plan],
        "effects": _EFFECTS.dump_python([e for _, e in plan], mode="json"),
    }
    state.put_object(session, plan_id(ctx), "MirrorPlan", data, ctx.now)
    audit.append(session, "mirror.applied", subject, {
        "source": ctx.item.source, "activity": ctx.key, "message": message,
        "effects": [e.op for _, e in plan], **(details or {}),
    }, ctx.now)


def apply_plan(ctx: Context, subject: str, plan: Planned, result: Mirrored) -> Mirrored:
    """Apply the plan's effects; a ref that is not private is skipped with an alarm."""
    refused: set[str] = set()
    for tracker, effect in plan:
        ref = str(getattr(effect, "ref", "")) or None
        if ref in refused:
            continue
        try:
            apply_effects(ctx.rt, tracker, [effect])
        except NotPrivateError as exc:
            refused.add(str(ref))
            privacy_refused(ctx.rt, subject, str(ref), exc.reason)
    result.effects = len(plan)
    result.refused = sorted(refused)
    return result


def linked_refs(session: Session, rt: Runtime, subject: str) -> list[TrackerRef]:
    """The issues linked to a subject (each once, in ref order)."""
    seen = dict.fromkeys(link.ref for link in links.links_for_subject(session, subject))
    return [to_ref(rt, ref) for ref in seen]


def resolve_subject(session: Session, ident: str | None) -> str | None:
    """A report added to a case speaks through the case."""
    if not ident:
        return None
    data = case_data(session, ident)
    if data.get("kind") == "report" and data.get("case_id"):
        return str(data["case_id"])
    return ident


def ensure_case(session: Session, case_id: str, now: float) -> state.CaseRecord:
    """The case's state row, created (EM NONE, CS ``Vfd.pxa``) when missing."""
    record = state.get_case(session, case_id)
    if record is None:
        state.put_case(session, case_id, em_state=EM.NONE.value, cs_state=VENDOR_AWARE_CS,
                       embargo_end=None,
                       data={"kind": "case", "case_object_id": case_id, "reports": []}, now=now)
        record = state.get_case(session, case_id)
        assert record is not None
    return record


def em_label_effects(refs: Sequence[TrackerRef], em_state: str) -> Planned:
    label = LABEL_BY_EM.get(EM(em_state))
    out: Planned = []
    for ref in refs:
        if label:
            out.append((ref.tracker, SetLabels(ref=ref, add=(label,),
                                               remove=label_specs.exclusive_with(label))))
        else:
            out.append((ref.tracker, SetLabels(ref=ref, remove=EM_LABELS)))
    return out


def pxa_label_effects(refs: Sequence[TrackerRef], pxa: str) -> Planned:
    add = tuple(name for i, name in PXA_LABELS.items() if len(pxa) > i and pxa[i].isupper())
    if not add:
        return []
    return [(ref.tracker, SetLabels(ref=ref, add=add)) for ref in refs]


def participant_rows(session: Session, subject: str) -> list[Row]:
    statuses = case_data(session, subject).get("statuses") or {}
    return [Row(p.actor, p.roles, p.rm_state, p.em_consent, statuses.get(p.actor))
            for p in state.participants_for_case(session, subject)]


def _merge_letters(old: str, new: str) -> str:
    """CS events only ever happen: a letter once upper-case stays so."""
    return "".join(o.upper() if (o.isupper() or n.isupper()) else o
                   for o, n in zip(old, new, strict=True))


def _offered_to_us(session: Session, data: dict[str, Any], us: str) -> bool:
    for report_id in data.get("reports") or []:
        record = state.get_case(session, str(report_id))
        if record is not None and record.data.get("offered_to") in (us, None) and (
                record.data.get("offer_id")):
            return True
    return False


def refresh_vfd(session: Session, case_id: str, us: str, now: float, *,
                reset: bool = False) -> None:
    """The case's vfd part follows its vendors: the statuses vendor participants announced
    (we, as a vendor that received the report, are aware: ``V``). ``reset`` (a case we just
    learnt of) takes the vendors' word instead of merging it into the default."""
    record = state.get_case(session, case_id)
    if record is None or record.data.get("kind") != "case":
        return
    statuses = record.data.get("statuses") or {}
    found = "vfd"
    for person in state.participants_for_case(session, case_id):
        if "vendor" not in person.roles:
            continue
        said = statuses.get(person.actor)
        if isinstance(said, str) and len(said) == 3:
            found = _merge_letters(found, said)
        if person.actor == us and _offered_to_us(session, record.data, us):
            found = _merge_letters(found, "Vfd")  # we hold a report of it: we are aware
    vfd, _, pxa = record.cs_state.partition(".")
    new = found if reset else _merge_letters(vfd, found)
    if new != vfd:
        state.put_case(session, case_id, em_state=record.em_state, cs_state=f"{new}.{pxa}",
                       embargo_end=record.embargo_end, data=record.data, now=now)


def put_status(session: Session, subject: str, actor: str, vfd: str, now: float) -> None:
    """Remember the vfd status ``actor`` last announced in the case."""
    record = state.get_case(session, subject)
    if record is None:
        return
    statuses = dict(record.data.get("statuses") or {})
    if statuses.get(actor) == vfd:
        return
    statuses[actor] = vfd
    state.put_case(session, subject, em_state=record.em_state, cs_state=record.cs_state,
                   embargo_end=record.embargo_end, data={**record.data, "statuses": statuses},
                   now=now)


def participants_effects(session: Session, rt: Runtime, subject: str,
                         refs: Sequence[TrackerRef]) -> Planned:
    """The participants table as a private comment on each ref, once per table content."""
    rows = participant_rows(session, subject)
    if not rows or not refs:
        return []
    table = participants_table(rows, rt.actor_id)
    digest = hashlib.sha256(table.encode()).hexdigest()[:16]
    body = participants_comment(subject, table)
    return [(ref.tracker, Comment(ref=ref, body=body, content=False,
                                  marker_id=f"participants:{subject}:{digest}"))
            for ref in refs]


def put_participant(session: Session, subject: str, actor: str, now: float, *,
                    rm: str | None = None, roles: Sequence[str] | None = None,
                    consent: str | None = None) -> None:
    """Insert or update a participant, keeping what is not given."""
    current = state.get_participant(session, subject, actor)
    state.put_participant(
        session, subject, actor,
        rm_state=rm or (current.rm_state if current else "START"),
        em_consent=consent or (current.em_consent if current else None),
        roles=list(roles) if roles else (current.roles if current else []), now=now,
    )
