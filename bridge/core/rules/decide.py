"""``decide``: one tracker event about one linked subject → intents, effects, new state.

The state machines guard every message: a refused transition sends nothing and leaves a
private comment saying why and what to do (and removes the label that asked for it).
While an embargo is in force, a publication signal fires the embargo guard.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bridge.core import labels as label_specs
from bridge.core.effects import Comment, SetAdvisoryFields, SetLabels, TrackerEffect
from bridge.core.errors import InputError, TransitionRefused
from bridge.core.events import EventKind, TrackerEvent
from bridge.core.records import ghsa, ssvc
from bridge.core.records import rules as field_rules
from bridge.core.records.fields import CaseFields
from bridge.core.refs import TrackerRef
from bridge.core.rules import standing as authority
from bridge.core.rules import texts
from bridge.core.rules.actions import (
    CASE_COMMANDS,
    COMMAND_ACTIONS,
    CS_ACTIONS,
    EM_ANSWERS,
    EM_PROPOSALS,
    EMBARGO_COMMANDS,
    RM_ACTIONS,
    STATE_LABELS,
    UNLABEL_ACTIONS,
    Action,
    RuleSet,
)
from bridge.core.states import cs, em, rm
from bridge.core.states.cs import CaseState
from bridge.core.states.em import EM, Embargo, EMEvent
from bridge.core.states.label_map import LABEL_BY_CS_EVENT, LABEL_BY_EM, LABEL_BY_RM
from bridge.core.states.rm import RM


@dataclass(frozen=True)
class CaseView:
    """What the rules know about one report/case linked to the issue."""

    subject: str
    """The report or case id the messages are about."""
    rm: RM = RM.RECEIVED
    """This participant's RM state."""
    embargo: Embargo = Embargo()
    cs: CaseState = CaseState()
    other_open_issues: int = 0
    """This participant's other linked issues for the subject that are still open."""
    fields: CaseFields = CaseFields()
    """The subject's publication fields (``bridge.store.fields``)."""
    in_case: bool = False
    """The subject is a case (else a report that belongs to no case yet)."""
    owner: bool = False
    """We own the case — or, for a report in no case yet, it was offered to us: validating
    it makes us the owner of the case it becomes (``CREATE_CASE``)."""
    active_embargo: str | None = None
    """The id of the EmbargoEvent in force, as the case names it (None: not known)."""
    invited: bool = False
    """An invitation to join this case is pending (``/vultron case accept|reject``)."""
    advisories: tuple[TrackerRef, ...] = ()
    """The repository advisories linked to the subject (their own fields show its fields)."""
    offered: bool = True
    """The report's Offer to us is known: before a case, RV/RI/RC answer it (without it they
    are refused; in a case they need none — we announce our status or leave the case)."""


@dataclass(frozen=True)
class Intent:
    """A protocol message to send to every participant (rendered by the catalogue)."""

    message: str
    """Message code: RV, RI, RA, RD, RC, CF, CD, CP, CX, CA, EP, EV, EA, EC, ER, EJ, ET, NOTE,
    CREATE_CASE (``Create(VulnerabilityCase)``: we become the owner of the report's case),
    ADD_EMBARGO_TO_CASE (``Add(EmbargoEvent)``: as owner, the embargo is in force), or
    ACCEPT_INVITE / REJECT_INVITE (our answer to ``Invite(us → case)``)."""
    subject: str
    text: str | None = None
    end_time: datetime | None = None


@dataclass(frozen=True)
class Decision:
    intents: tuple[Intent, ...] = ()
    effects: tuple[TrackerEffect, ...] = ()
    view: CaseView | None = None
    """The subject's state after the decision (None when unchanged)."""
    refused: str | None = None
    ignored: str | None = None
    alert: str | None = None
    """An alarm for the notifier (embargo breach)."""
    fields: CaseFields | None = None
    """Publication fields to store (``/vultron set|add|unset``; None: unchanged)."""
    rewrite: tuple[str, ...] = ()
    """Publication records to write again now (``/vultron withdraw``: ``osv``)."""


def _ignored(reason: str) -> Decision:
    return Decision(ignored=reason)


def _action_for(event: TrackerEvent, rules: RuleSet) -> tuple[Action | None, str | None]:
    """The action an event asks for, or (None, reason it asks for nothing)."""
    kind = event.kind
    if kind is EventKind.LABELED and event.label:
        if event.label in rules.labels:
            return rules.labels[event.label], None
        if event.label in STATE_LABELS:
            return None, f"{event.label} shows state; the bridge sets it"
        if ssvc.label_answer(event.label) is not None:
            return Action.SSVC, None
        return None, f"label {event.label[:60]!r} is not mapped to a protocol message"
    if kind is EventKind.UNLABELED and event.label in UNLABEL_ACTIONS:
        return UNLABEL_ACTIONS[event.label], None
    if kind is EventKind.CLOSED:
        return Action.CLOSE, None
    if kind is EventKind.FIX_MERGED:
        return Action.FIX_READY, None
    if kind is EventKind.RELEASE_PUBLISHED and event.ref is not None:
        return Action.FIX_DEPLOYED, None
    if kind is EventKind.ADVISORY_PUBLISHED:
        return Action.PUBLISHED, None
    if kind is EventKind.COMMAND and event.command is not None:
        if event.command.name == "embargo" and event.command.args:
            return EMBARGO_COMMANDS[event.command.args[0]], None
        if event.command.name == "case" and event.command.args:
            return CASE_COMMANDS[event.command.args[0]], None
        return COMMAND_ACTIONS.get(event.command.name, Action.HELP), None
    return None, f"{kind.value} events send no protocol message"


def _labels_effect(ref: TrackerRef, add: str | None) -> tuple[TrackerEffect, ...]:
    return (SetLabels(ref=ref, add=(add,)),) if add else ()


def _refuse(event: TrackerEvent, ref: TrackerRef, action: Action, reason: str,
            view: CaseView) -> Decision:
    body = texts.refusal(action, reason, view.rm, view.embargo.state, str(view.cs))
    effects: list[TrackerEffect] = [Comment(ref=ref, body=body, content=False)]
    if event.kind is EventKind.LABELED and event.label:
        effects.append(SetLabels(ref=ref, remove=(event.label,)))
    return Decision(effects=tuple(effects), refused=reason)


def _embargo_guard(event: TrackerEvent, ref: TrackerRef, view: CaseView) -> Decision | None:
    """A publication signal while an embargo is in force: label, private comment, alert."""
    if view.embargo.state not in em.IN_FORCE:
        return None
    what = {
        EventKind.MADE_PUBLIC: "the issue or its repository was made public",
        EventKind.ADVISORY_PUBLISHED: "the security advisory was published",
    }.get(event.kind)
    if what is None and event.kind is EventKind.LABELED and event.label == "vultron:public":
        what = "the vulnerability was marked public"
    if what is None:
        return None
    body = texts.breach(what, event.at, view.embargo.end_time)
    effects = (
        SetLabels(ref=ref, add=("vultron:embargo-breach",)),
        Comment(ref=ref, body=body, content=False),
    )
    return Decision(effects=effects, alert=f"embargo breach on {ref}: {what}")


def _merge(first: Decision | None, second: Decision) -> Decision:
    if first is None:
        return second
    return replace(
        second, effects=first.effects + second.effects, alert=first.alert or second.alert
    )


def decide(
    event: TrackerEvent, view: CaseView | None, rules: RuleSet, now: datetime,
    standing: authority.Standing | None = None,
) -> Decision:
    """Decide what one tracker event means for one linked subject.

    ``standing``: what the service looked up about the event's actor and issue; a label,
    command or close is refused unless the actor may write and (labels, commands) the issue
    is private (``bridge.core.rules.standing``). None only where the rules are evaluated
    alone (the mapping's tests, the ``translate`` dry run)."""
    if rules.bot_login and event.actor and event.actor.lower() == rules.bot_login.lower():
        return _ignored("the bridge's own change (its bot user)")
    ref = event.ref
    if ref is None:
        return _ignored(f"{event.kind.value} concerns no issue")
    if view is None:
        return _ignored(f"{ref} is not linked to any report or case")
    if event.kind is EventKind.ADVISORY_UPDATED:
        return _advisory_edited(event, view, standing)
    action, reason = _action_for(event, rules)
    if action is not None and standing is not None:
        refusal = authority.check(event, ref, view.subject, standing)
        if refusal is not None:
            return Decision(effects=refusal.effects, refused=refusal.reason)
    guard = _embargo_guard(event, ref, view)
    if action is None:
        return guard or _ignored(reason or "nothing to do")
    return _merge(guard, _apply(event, ref, action, view, rules, now))


def _apply(event: TrackerEvent, ref: TrackerRef, action: Action, view: CaseView,
           rules: RuleSet, now: datetime) -> Decision:
    if action is Action.WITHDRAW:
        out = field_rules.on_withdraw(view.fields, now)
        return Decision(effects=(Comment(ref=ref, body=out.comment),), fields=out.fields,
                        refused=out.refused, rewrite=("osv",) if out.fields else ())
    if action.value in field_rules.COMMANDS:  # the case's publication fields
        text = event.command.text if event.command else ssvc.label_answer(event.label) or ""
        out = field_rules.on_command(action.value, text, view.fields)
        effects: tuple[TrackerEffect, ...] = (Comment(ref=ref, body=out.comment),)
        if out.refused and event.kind is EventKind.LABELED and event.label:
            effects += (SetLabels(ref=ref, remove=(event.label,)),)
        effects += _shown_in_advisories(ref, view, out.fields)
        return Decision(effects=effects, fields=out.fields, refused=out.refused)
    if action is Action.HELP:
        error = event.command.error if event.command else None
        return Decision(effects=(Comment(ref=ref, body=texts.help_text(error), content=False),))
    if action is Action.STATUS:
        body = texts.status(view.subject, view.rm, view.embargo, str(view.cs))
        return Decision(effects=(Comment(ref=ref, body=body, content=False),))
    if action is Action.REPLY:  # a Note to the finder alone; mailed to a reporter by email
        text = event.command.text if event.command else ""
        if not text:
            return _ignored("a reply needs text")
        return Decision(intents=(Intent("REPLY", view.subject, text=text),))
    if action is Action.NOTE:
        text = event.command.text if event.command else ""
        return _owning(view, Decision(intents=(Intent("NOTE", view.subject, text=text),)))
    if action in (Action.CASE_ACCEPT, Action.CASE_REJECT):
        return _answer_invitation(event, ref, action, view)
    waiting = view.other_open_issues and rules.close_policy == "all"
    if action is Action.CLOSE and event.kind is EventKind.CLOSED and waiting:
        return _ignored(
            f"{view.other_open_issues} other linked issue(s) still open (close policy: all)"
        )
    gap = field_rules.requirement_gaps(action.value, view.fields, rules.requirements)
    if gap:
        return _refuse(event, ref, action, gap, view)
    try:
        if action in RM_ACTIONS:
            return _owning(view, _rm(ref, action, view))
        if action in CS_ACTIONS:
            return _owning(view, _cs(ref, action, view))
        return _owning(view, _em(event, ref, action, view, now))
    except (TransitionRefused, InputError) as exc:
        return _refuse(event, ref, action, exc.reason, view)


def _shown_in_advisories(ref: TrackerRef, view: CaseView,
                         fields: CaseFields | None) -> tuple[TrackerEffect, ...]:
    """The new fields written into the advisories linked to the subject (the event's own
    issue too, when it is one): their form shows what the records will say."""
    shown = ghsa.advisory_fields(fields) if fields is not None else {}
    targets = dict.fromkeys([*([ref] if ref.ghsa else []), *view.advisories])
    return tuple(SetAdvisoryFields(ref=a, fields=shown) for a in targets if shown)


def _advisory_edited(event: TrackerEvent, view: CaseView,
                     standing: authority.Standing | None) -> Decision:
    """The team edited a linked advisory's form: its summary, CVE id, CWE ids and CVSS vector
    become the subject's fields — from people who may write to the repository only."""
    if standing is None or not standing.actor_can_write:
        return _ignored("an advisory edit counts only from people with write access")
    fields, _unusable = ghsa.imported(view.fields, event.details)  # those are left as they were
    if fields == view.fields:
        return _ignored("the advisory's fields are the case's already")
    return Decision(fields=fields)


def _answer_invitation(event: TrackerEvent, ref: TrackerRef, action: Action,
                       view: CaseView) -> Decision:
    """``Accept``/``Reject`` of the pending ``Invite(us → case)``. Our RM state in the case
    is what the case's owner then announces (we are admitted by its answer, not ours)."""
    if not view.invited:
        return _refuse(event, ref, action, "no invitation to this case is pending (it was "
                       "answered already, or the case never invited the bridge)", view)
    code = "ACCEPT_INVITE" if action is Action.CASE_ACCEPT else "REJECT_INVITE"
    return Decision(intents=(Intent(code, view.subject),),
                    effects=(SetLabels(ref=ref, remove=("vultron:invited",)),))


CREATE_CASE = "CREATE_CASE"
ADD_EMBARGO_TO_CASE = "ADD_EMBARGO_TO_CASE"
"""``Add(EmbargoEvent → case)``: as owner, the accepted embargo is in force on the case."""


def _owning(view: CaseView, decision: Decision) -> Decision:
    """As the vendor a report was offered to, the case comes into being when we validate:
    RV is followed by ``CREATE_CASE``, and any other case-level message of a validated report
    that has no case yet (validated before the bridge created cases) is preceded by it. RI,
    RC and what precedes validation keep the report-level forms."""
    if view.in_case or not view.owner or not decision.intents:
        return decision
    if (decision.view or view).rm not in rm.VALIDATED:
        return decision
    create = Intent(CREATE_CASE, view.subject)
    first, *rest = decision.intents
    intents = (first, create, *rest) if first.message == "RV" else (create, first, *rest)
    return replace(decision, intents=intents)


REPLY_EVENTS = frozenset({rm.RMEvent.VALIDATE, rm.RMEvent.INVALIDATE, rm.RMEvent.CLOSE})
"""Before a case exists, these answer the report's Offer."""


def _rm(ref: TrackerRef, action: Action, view: CaseView) -> Decision:
    event = RM_ACTIONS[action]
    new = rm.transition(view.rm, event)
    if event in REPLY_EVENTS and not view.in_case and not view.offered:
        raise TransitionRefused(
            "the report was never offered to the bridge (it knows it only by its id), so "
            "there is no Offer to answer; the report's finder or the case's owner must say it")
    return Decision(
        intents=(Intent(event.value, view.subject),),
        effects=_labels_effect(ref, LABEL_BY_RM.get(new)),
        view=replace(view, rm=new),
    )


def _cs(ref: TrackerRef, action: Action, view: CaseView) -> Decision:
    event = CS_ACTIONS[action]
    state = view.cs
    if event is not cs.CSEvent.V and not state.has(cs.CSEvent.V):
        # Our own participant handling the report is aware of it: record V first.
        state = cs.transition(state, cs.CSEvent.V)
    new = cs.transition(state, event)
    return Decision(
        intents=(Intent(event.message, view.subject),),
        effects=_labels_effect(ref, LABEL_BY_CS_EVENT.get(event)),
        view=replace(view, cs=new),
    )


def _em(event: TrackerEvent, ref: TrackerRef, action: Action, view: CaseView,
        now: datetime) -> Decision:
    state = view.embargo.state
    in_force = state in em.IN_FORCE
    end: datetime | None = None
    if action in EM_PROPOSALS:
        em_event = EM_PROPOSALS[action][1 if in_force else 0]
        end = texts.parse_end(event.command.text if event.command else "")
    elif action in EM_ANSWERS:
        em_event = EM_ANSWERS[action][1 if state is EM.REVISE else 0]
    else:
        em_event = EMEvent.TERMINATE
    new = em.apply(view.embargo, em_event, end_time=end, now=now)
    if em_event is EMEvent.TERMINATE and view.active_embargo is None:
        raise TransitionRefused(
            "the embargo in force is not known by its id (the case never named its "
            "EmbargoEvent), so a termination cannot name it; ask the case owner to end it")
    if action in EM_ANSWERS and view.in_case and not view.owner:
        # a participant's answer is its consent; the case's embargo changes when its owner
        # puts the proposal in force (or withdraws it), which inbound handling records
        removed = (SetLabels(ref=ref, remove=(event.label,)),) if (
            event.kind is EventKind.LABELED and event.label) else ()
        return Decision(intents=(Intent(em_event.value, view.subject),), effects=removed)
    label = LABEL_BY_EM.get(new.state)
    effects = list(_labels_effect(ref, label))
    if action in EM_ANSWERS and event.kind is EventKind.LABELED and event.label:
        effects.append(SetLabels(ref=ref, remove=(event.label,)))
    if label is None:
        effects.append(SetLabels(ref=ref, remove=label_specs.exclusive_with(
            "vultron:embargo-active") + ("vultron:embargo-active",)))
    end_time = end if end is not None else new.end_time
    intents = [Intent(em_event.value, view.subject, end_time=end_time)]
    if em_event in (EMEvent.ACCEPT, EMEvent.ACCEPT_REVISION) and view.owner and view.in_case:
        # the owner puts the accepted embargo in force on the case (participants' EM follows)
        intents.append(Intent(ADD_EMBARGO_TO_CASE, view.subject, end_time=end_time))
    return Decision(
        intents=tuple(intents),
        effects=tuple(effects),
        view=replace(view, embargo=new),
    )
