"""A stored tracker webhook → rules → state, outbox and tracker effects.

For each event: echoes of the bridge's own writes are consumed and dropped; the issue's
subjects are looked up; the pure rules decide; state, outbox rows and audit entries are
written in **one transaction**; tracker effects are applied afterwards (idempotently, each
recorded first so its own echo is recognised).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bridge import metrics
from bridge.app import tracker_authority
from bridge.app.effects import apply_effects, bot_identity, echo_kinds
from bridge.app.guard import Breach, alert_breaches, project_breaches
from bridge.app.intents import answerable, apply_decision
from bridge.app.runtime import Runtime
from bridge.app.subjects import load_view, set_issue_state
from bridge.core.echoes import may_be_own
from bridge.core.effects import Comment, SetAdvisoryFields, SetLabels, TrackerEffect
from bridge.core.events import EventKind, TrackerEvent, WebhookResult
from bridge.core.labels import exclusive_with
from bridge.core.mentions import mentioned_refs
from bridge.core.rules import decide
from bridge.publish.at_publication import after_decision
from bridge.store import audit, db, links, writes
from bridge.store.fields import save_fields
from bridge.store.inbound import InboundItem
from bridge.store.subjects import subjects_for_ref


@dataclass
class Outcome:
    sent: list[str] = field(default_factory=list)
    effects: list[tuple[str, TrackerEffect]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)


def _named_by_release(rt: Runtime, event: TrackerEvent) -> list[TrackerEvent]:
    """A release names its fixes by issue references in its notes: one event per linked
    issue it mentions (issues that are not linked to a report or case are left out)."""
    if event.kind is not EventKind.RELEASE_PUBLISHED or event.ref or not event.project:
        return [event]
    tracker = rt.config.trackers.get(event.tracker)
    hosts = (tracker.web_host,) if tracker and tracker.web_host else ("github.com", "gitlab.com")
    named = mentioned_refs(event.text, event.tracker, event.project, hosts)
    with rt.readers() as session:
        linked = [ref for ref in named if links.links_for_ref(session, ref)]
    return [event.model_copy(update={"ref": ref}) for ref in linked]


def handle_webhook(rt: Runtime, item: InboundItem) -> Outcome:
    """Process one stored webhook (its normalised events)."""
    result = WebhookResult.model_validate_json(item.body)
    outcome = Outcome()
    events = [e for event in result.events for e in _named_by_release(rt, event)]
    for index, event in enumerate(events):
        _handle_event(rt, item, index, event, outcome)
        project_breaches(rt, event, outcome.breaches, outcome.effects)
    alert_breaches(rt, outcome.breaches)  # before the effects: a failing write must not mute it
    for tracker, effect in outcome.effects:
        apply_effects(rt, tracker, [effect])
    return outcome


def _handle_event(rt: Runtime, item: InboundItem, index: int, event: TrackerEvent,
                  outcome: Outcome) -> None:
    now = rt.clock()
    ref = str(event.ref) if event.ref else None
    queued = len(outcome.sent)
    standing = tracker_authority.standing(rt, event)  # asks the tracker: before the transaction
    kinds = echo_kinds(event) if may_be_own(event.actor, bot_identity(rt, event.tracker)) else []
    with db.transaction(rt.sessions) as session:
        if ref and any(writes.consume_echo(session, event.tracker, ref, kind, now)
                       for kind in kinds):
            outcome.notes.append(f"{event.kind.value}: echo of the bridge's own change")
            return
        if ref and event.kind in (EventKind.CLOSED, EventKind.REOPENED):
            set_issue_state(session, ref, "closed" if event.kind is EventKind.CLOSED
                            else "open", now)
        found: list[str | None] = list(subjects_for_ref(session, ref)) if ref else []
        rules = rt.rules(event.tracker)
        for subject in found or [None]:
            seed = f"{item.source}\x1f{item.key}\x1f{index}\x1f{subject}"
            view = load_view(session, subject, rt.actor_id, ref or "",
                             rt.config.tracker_kinds()) if subject else None
            decision = answerable(session, rt, event,
                                  decide(event, view, rules, rt.now(), standing), view)
            if decision.ignored:
                outcome.notes.append(decision.ignored)
                continue
            if decision.refused:
                metrics.REFUSED.inc()
            if decision.fields is not None and subject:
                save_fields(session, subject, decision.fields, now)
            for message in apply_decision(session, rt, decision, view, seed, now):
                metrics.MESSAGES.labels(message=message).inc()
                outcome.sent.append(message)
            decision = after_decision(session, rt, subject, decision, event.ref, now)
            if decision.alert:
                metrics.ALERTS.labels(kind="embargo_breach").inc()
                outcome.alerts.append(decision.alert)
                outcome.breaches.append(Breach(subject or "-", ref or "-", decision.alert))
            audit.append(session, "rules.decided", subject or ref or "-", {
                "event": event.kind.value, "ref": ref,
                "sent": [i.message for i in decision.intents],
                "refused": decision.refused, "alert": decision.alert,
            }, now)
            for n, effect in enumerate(decision.effects):
                if isinstance(effect, SetLabels) and event.label in effect.add:
                    # the label that triggered the decision is already on the issue; the
                    # others of its exclusive group go (vultron:received beside vultron:valid)
                    effect = effect.model_copy(update={
                        "add": tuple(a for a in effect.add if a != event.label),
                        "remove": (*effect.remove, *exclusive_with(event.label))})
                    if not effect.add and not effect.remove:
                        continue
                if isinstance(effect, Comment) and effect.marker_id is None:
                    effect = effect.model_copy(update={"marker_id": f"{seed}\x1f{n}"})
                # an advisory linked from another tracker is written through its own
                where = effect.ref.tracker if isinstance(effect, SetAdvisoryFields) \
                    else event.tracker
                outcome.effects.append((where, effect))
    if len(outcome.sent) > queued:
        # the messages are committed: delivery need not wait for this input's tracker writes
        rt.wake_deliver.set()
