"""The embargo guard beyond the pure rules.

* **Breach alarms**: the outbound rules (``bridge.core.rules.decide._embargo_guard``) label and
  comment a breach on the issue itself; ``alert_breaches`` sends their alarms to the notifier.
  ``project_breaches`` covers what the rules cannot see: a whole repository made public
  (GitHub's ``repository.publicized`` names no issue) while an issue in it is linked to an
  embargo in force.
* **Mirroring side**: inbound content goes only where the adapter has just verified privacy;
  a refusal (``NotPrivateError``) raises the alarm here (``privacy_refused``), naming the
  embargo when one is in force.
* **Expiry**: ``check_expired`` (scheduled) notes on every linked issue that an embargo's end
  has passed, once, and records the embargo as exited locally. It sends no protocol message:
  termination (ET) stays a decision of the people on the case.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bridge import metrics
from bridge.app.effects import apply_effects
from bridge.app.notifier import notify
from bridge.app.runtime import Runtime
from bridge.core import labels as label_specs
from bridge.core.effects import Comment, SetLabels, TrackerEffect
from bridge.core.errors import BridgeError
from bridge.core.events import EventKind, TrackerEvent
from bridge.core.refs import TrackerRef, parse_ref
from bridge.core.safetext import code
from bridge.core.states.em import EM, IN_FORCE
from bridge.core.times import when
from bridge.store import audit, db, links, state
from bridge.store.subjects import subjects_for_ref

log = logging.getLogger("bridge.guard")

BREACH_LABEL = "vultron:embargo-breach"
EXITED_LABEL = "vultron:embargo-exited"


@dataclass(frozen=True)
class Breach:
    subject: str
    ref: str
    what: str


def to_ref(rt: Runtime, text: str) -> TrackerRef:
    return parse_ref(text, rt.config.tracker_kinds(), rt.config.web_hosts())


def _embargo(rt: Runtime, subject: str) -> tuple[str, float | None]:
    with rt.readers() as session:
        record = state.get_case(session, subject)
    if record is None:
        return EM.NONE.value, None
    return record.em_state, record.embargo_end


def alert_breaches(rt: Runtime, breaches: Sequence[Breach]) -> None:
    """Send one alarm per breach (the rules already labelled and commented the issue)."""
    for breach in breaches:
        em_state, end = _embargo(rt, breach.subject)
        text = (
            f":rotating_light: vultron-bridge: {breach.what} (case `{breach.subject}`, "
            f"issue `{breach.ref}`). Embargo {em_state}, agreed end: {when(end)}. "
            "The bridge publishes nothing before the end; decide with the participants "
            "whether to terminate the embargo early."
        )
        notify(rt, "embargo_breach", breach.subject, text)


def project_breaches(rt: Runtime, event: TrackerEvent, breaches: list[Breach],
                     effects: list[tuple[str, TrackerEffect]]) -> None:
    """A repository/project made public: every linked issue in it under an embargo in force
    is a breach (label + alarm; no comment: the issue is public now)."""
    if event.kind is not EventKind.MADE_PUBLIC or event.ref is not None or not event.project:
        return
    prefix = f"{event.tracker}:{event.project}"
    now = rt.clock()
    with db.transaction(rt.sessions) as session:
        for ref in links.refs_starting(session, prefix):
            if ref[len(prefix):][:1] not in ("#", "@"):
                continue
            for subject in subjects_for_ref(session, ref):
                record = state.get_case(session, subject)
                if record is None or EM(record.em_state) not in IN_FORCE:
                    continue
                what = f"embargo breach on {ref}: the repository {event.project} was made public"
                breaches.append(Breach(subject, ref, what))
                effects.append((event.tracker, SetLabels(ref=to_ref(rt, ref),
                                                         add=(BREACH_LABEL,))))
                audit.append(session, "embargo.breach", subject, {"ref": ref, "what": what},
                             now)


def privacy_refused(rt: Runtime, subject: str, where: str, reason: str) -> None:
    """A write of report content was stopped because the destination is not private."""
    metrics.ALERTS.labels(kind="privacy_refused").inc()
    em_state, end = _embargo(rt, subject)
    with db.transaction(rt.sessions) as session:
        audit.append(session, "privacy.refused", subject,
                     {"destination": where, "reason": reason, "em": em_state}, rt.clock())
    embargo = f" An embargo is {em_state} (end: {when(end)})." if EM(em_state) in IN_FORCE else ""
    notify(rt, "privacy_refused", subject, (
        f":no_entry: vultron-bridge: report content for `{subject}` was NOT written to "
        f"`{where}`: {reason}.{embargo} Fix the destination (make it private) and requeue."
    ))


def marker_planted(rt: Runtime, subject: str, planted: Sequence[TrackerRef]) -> None:
    """Issues/advisories carry the bridge's marker for ``subject`` but the bridge did not
    create them (someone copied the marker, e.g. into a private vulnerability report): they
    were not adopted and nothing is written to them; audit and alarm once per mirroring."""
    if not planted:
        return
    refs = sorted(str(r) for r in planted)
    metrics.ALERTS.labels(kind="marker_planted").inc()
    with db.transaction(rt.sessions) as session:
        audit.append(session, "tracker.marker_planted", subject, {"refs": refs}, rt.clock())
    notify(rt, "marker_planted", subject, (
        f":warning: vultron-bridge: {', '.join(f'`{r}`' for r in refs)} carries the bridge's "
        f"hidden marker for `{subject}` but was not created by the bridge: it was NOT adopted "
        "and nothing is written to it (the report has its own issue). Someone copied the "
        "marker: check who filed it."
    ))


def _expired_text(subject: str, end: float | None) -> str:
    return (
        f"**vultron-bridge**: the embargo on {code(subject)} reached its agreed end "
        f"({when(end)}). The embargo is over by its terms; coordinate publication with the "
        "case participants.\n"
    )


def check_expired(rt: Runtime) -> list[str]:
    """Note every embargo in force whose end has passed; returns the subjects noted.

    For each: a private comment (once, by marker) and the ``vultron:embargo-exited`` label on
    every linked issue, then the subject's EM state is recorded as EXITED. Tracker writes come
    first, so a crash in between only repeats idempotent writes.
    """
    now = rt.clock()
    with rt.readers() as session:
        due = state.embargoes_ended(session, [s.value for s in IN_FORCE], now)
    noted = []
    for subject, end in due:
        with rt.readers() as session:
            refs = sorted({link.ref for link in links.links_for_subject(session, subject)})
        failed: dict[str, str] = {}
        for text in refs:
            ref = to_ref(rt, text)
            effects: list[TrackerEffect] = [
                SetLabels(ref=ref, add=(EXITED_LABEL,),
                          remove=label_specs.exclusive_with(EXITED_LABEL)),
                Comment(ref=ref, body=_expired_text(subject, end), content=False,
                        marker_id=f"embargo-expired:{subject}:{end}"),
            ]
            try:
                apply_effects(rt, ref.tracker, effects)
            except BridgeError as exc:  # one unreachable issue must not hide the others
                failed[text] = exc.kind  # audited below with the expiry
                log.warning("embargo expiry note on %s failed: %s", text, exc.kind)
        with db.transaction(rt.sessions) as session:
            record = state.get_case(session, subject)
            if record is None or EM(record.em_state) not in IN_FORCE:
                continue
            data = dict(record.data)
            data["proposed_end"] = None
            state.put_case(session, subject, em_state=EM.EXITED.value,
                           cs_state=record.cs_state, embargo_end=record.embargo_end,
                           data=data, now=now)
            audit.append(session, "embargo.expired", subject,
                         {"end": end, "issues": refs, "failed": failed}, now)
        noted.append(subject)
    return noted
