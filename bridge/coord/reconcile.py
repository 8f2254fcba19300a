"""Drift repair: compare what the store says about linked issues with what the trackers say.

For each linked ref (of one case and its reports, or of every link), in ref order:

| the tracker says | finding | repair (without ``dry_run``) |
|---|---|---|
| not found | ``deleted`` | the stored issue is marked ``deleted``; links are kept |
| moved / transferred | ``moved`` | every link is pointed at the new ref (audited) |
| closed/open, the store says otherwise | ``state`` (a lost webhook) | the stored state updated |
| RM/EM state labels differ from the stored protocol state | ``relabelled`` | the labels set back |
| other ``vultron:`` labels differ from the stored ones | ``labels`` | the labels recorded |
| not private while the embargo is active | ``public`` | none: reported (act now) |

State labels are set back because the stored state is what every participant was told; a
label changed while its webhook was lost was never announced (re-apply it to make it count).
Only **managed** issues get labels set back: linked as ``mirrors`` or already carrying a
``vultron:`` label. Progress is a cursor ``reconcile:<case or all>`` in the store: each
finished ref is recorded with its repairs, so a run stopped by a rate limit, an outage or
Ctrl-C continues after the last finished ref; a complete run clears the cursor.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from bridge.config import BridgeConfig
from bridge.coord import linking
from bridge.core.effects import SetLabels, TrackerEffect
from bridge.core.errors import RETRYABLE, BridgeError, InputError, NotFound
from bridge.core.labels import PREFIX
from bridge.core.refs import RefKind, TrackerRef
from bridge.core.states.em import EM
from bridge.core.states.label_map import EM_BY_LABEL, LABEL_BY_EM, LABEL_BY_RM, RM_BY_LABEL
from bridge.core.states.rm import RM
from bridge.core.tracker import IssueSnapshot, TrackerAdapter
from bridge.store import audit, db, links, peers, state
from bridge.store import subjects as subjects_q
from bridge.store.subjects import subjects_for_ref

PAGE = 200
BY = "reconcile"
REPAIRABLE = frozenset({"deleted", "moved", "state", "relabelled", "labels"})
"""Finding kinds a run without ``dry_run`` repairs; the others are only reported."""
EMBARGO_LABEL = LABEL_BY_EM[EM.ACTIVE]


class Host(Protocol):
    """What reconciling needs from the process (``bridge.app.runtime.Runtime`` is one):
    the configuration, sessions, a clock, the trackers' adapters and the applier of tracker
    effects — passed in, so coordination imports nothing from the service above it."""

    config: BridgeConfig
    sessions: sessionmaker[Session]

    def clock(self) -> float: ...
    @property
    def actor_id(self) -> str: ...
    def adapter(self, name: str) -> TrackerAdapter: ...
    def apply_effects(self, tracker: str, effects: Sequence[TrackerEffect]) -> None: ...


@dataclass(frozen=True, slots=True)
class Finding:
    ref: str
    kind: str
    """``deleted``, ``moved``, ``state``, ``relabelled``, ``labels``, ``public``,
    ``ambiguous`` or ``error``."""
    detail: str
    repaired: bool


@dataclass
class Result:
    scope: str
    total: int
    checked: int = 0
    skipped: int = 0
    """Refs finished by an earlier, interrupted run."""
    findings: list[Finding] = field(default_factory=list)
    interrupted: str | None = None
    dry_run: bool = False

    @property
    def complete(self) -> bool:
        return self.interrupted is None

    def counts(self) -> Counter[str]:
        return Counter(f.kind for f in self.findings)

    @property
    def repairs(self) -> int:
        """Findings repaired (or, in a dry run, that would have been)."""
        if self.dry_run:
            return sum(1 for f in self.findings if f.kind in REPAIRABLE)
        return sum(1 for f in self.findings if f.repaired)


def cursor_name(case: str | None) -> str:
    if case is None:
        return "reconcile:all"
    name = f"reconcile:{case}"
    if len(name) <= 200:
        return name
    return "reconcile:sha256:" + hashlib.sha256(case.encode()).hexdigest()


def _scope(session: Session, case: str | None) -> list[str] | None:
    if case is None:
        return None
    record = state.get_case(session, case)
    reports = record.data.get("reports", []) if record else []
    return [case, *(r for r in reports if isinstance(r, str))]


def _page(session: Session, subjects: list[str] | None, after: str) -> list[str]:
    return subjects_q.linked_refs_after(session, subjects, after, PAGE)


def _count(session: Session, subjects: list[str] | None, after: str | None = None) -> int:
    return subjects_q.count_linked_refs(session, subjects, after)


def reconcile(
    rt: Host,
    case: str | None = None,
    *,
    dry_run: bool = False,
    restart: bool = False,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int, int], None] | None = None,
) -> Result:
    """Check (and unless ``dry_run`` repair) every linked ref in scope; see the module doc.

    ``on_total(total, already_done)`` is called once before the first ref, ``progress(1)``
    after each. Rate limits and transient tracker errors stop the run (``interrupted``);
    other errors propagate — either way finished refs stay finished.
    """
    name = cursor_name(case)
    with rt.sessions() as session:
        subjects = _scope(session, case)
        if case is not None and not links.links_for_subject(session, case) and \
                state.get_case(session, case) is None:
            raise NotFound("no case or report with that id is known")
        after = "" if restart else (peers.get_cursor(session, name) or "")
        result = Result(case or "all", _count(session, subjects), dry_run=dry_run)
        result.skipped = _count(session, subjects, after) if after else 0
    if on_total is not None:
        on_total(result.total, result.skipped)
    moved_here: set[str] = set()
    """Refs this run moved links to: already compared, and not in ``total``."""
    while True:
        with rt.sessions() as session:
            page = _page(session, subjects, after)
        if not page:
            break
        for ref in page:
            after = ref
            if ref in moved_here:
                continue
            try:
                found = _check(rt, ref, dry_run)
            except RETRYABLE as exc:
                result.interrupted = f"{exc.kind}: {exc.reason}"[:300]
                return result
            moved_here.update(f.detail.removeprefix("now ") for f in found if f.kind == "moved")
            result.findings += found
            result.checked += 1
            if not dry_run:
                with db.transaction(rt.sessions) as session:
                    peers.set_cursor(session, name, ref, rt.clock())
            if progress is not None:
                progress(1)
    if not dry_run:
        with db.transaction(rt.sessions) as session:
            peers.set_cursor(session, name, "", rt.clock())
    return result


def _check(rt: Host, text: str, dry_run: bool) -> list[Finding]:
    try:
        ref = linking.RefSyntax(rt.config.tracker_kinds(), rt.config.web_hosts()).parse(text)
        snap = rt.adapter(ref.tracker).get_issue(ref)
    except NotFound:
        if not dry_run:
            _record(rt, text, {"state": "deleted"}, "reconcile.deleted", {})
        return [Finding(text, "deleted", "not found in the tracker", not dry_run)]
    except RETRYABLE:
        raise
    except (InputError, BridgeError) as exc:
        return [Finding(text, "error", f"{exc.kind}: {exc.reason}"[:200], False)]
    findings = []
    target = ref
    if snap.moved_to is not None and snap.moved_to != ref:
        target = snap.moved_to
        findings.append(Finding(text, "moved", f"now {target}", not dry_run))
        if not dry_run:
            with db.transaction(rt.sessions) as session:
                linking.move(session, ref, target, BY, rt.clock())
                _carry(session, text, str(target), rt.clock())
    # a dry run moved nothing: the store still knows the issue by its old ref
    findings += _compare(rt, target, text if dry_run else str(target), snap, dry_run)
    return findings


def _carry(session: Session, old: str, new: str, now: float) -> None:
    """The moved issue's stored state goes with it (the old ref is marked ``moved``)."""
    record = state.get_object(session, f"issue:{old}")
    if record is not None and state.get_object(session, f"issue:{new}") is None:
        state.put_object(session, f"issue:{new}", "TrackerIssue", record.data, now)
    state.put_object(session, f"issue:{old}", "TrackerIssue",
                     {**(record.data if record else {}), "state": "moved", "moved_to": new}, now)


def _observed(snap: IssueSnapshot) -> list[str]:
    return sorted(label for label in snap.labels if label.startswith(PREFIX))


def _compare(rt: Host, ref: TrackerRef, known_as: str, snap: IssueSnapshot,
             dry_run: bool) -> list[Finding]:
    text = str(ref)
    findings: list[Finding] = []
    with rt.sessions() as session:
        record = state.get_object(session, f"issue:{known_as}")
        stored = dict(record.data) if record else {}
        relations = {r.relation.value for r in links.links_for_ref(session, known_as)}
        expected = _expected_labels(session, rt, known_as)
    labels = _observed(snap)
    update: dict[str, object] = {}
    if ref.kind is RefKind.ISSUE and snap.state in ("open", "closed"):
        was = str(stored.get("state", "open"))
        if was != snap.state:
            findings.append(Finding(text, "state", f"store said {was}, tracker says "
                                    f"{snap.state}", not dry_run))
        if was != snap.state or "state" not in stored:
            update["state"] = snap.state
    managed = "mirrors" in relations or bool(labels)
    if not snap.private and expected is not None and EMBARGO_LABEL in expected:
        findings.append(Finding(text, "public", "not private while an embargo is active: "
                                "check it now", False))
    if managed and expected is not None:
        add, remove = _label_repair(labels, expected)
        if add or remove:
            detail = " ".join([*(f"+{a}" for a in add), *(f"-{r}" for r in remove)])
            findings.append(Finding(text, "relabelled", f"set back: {detail}", not dry_run))
            if not dry_run:
                rt.apply_effects(ref.tracker, [SetLabels(ref=ref, add=add, remove=remove)])
            labels = sorted((set(labels) | set(add)) - set(remove))
    elif managed and expected is None and _ambiguous(rt, text):
        findings.append(Finding(text, "ambiguous", "linked subjects disagree on the state "
                                "labels; left as they are", False))
    if labels != sorted(stored.get("labels") or []):
        if "labels" in stored or labels:
            findings.append(Finding(text, "labels", "recorded: " + (" ".join(labels) or "none"),
                                    not dry_run))
        update["labels"] = labels
    if update and not dry_run:
        kind = "reconcile.state" if "state" in [f.kind for f in findings] else "reconcile.labels"
        _record(rt, text, update, kind, {k: v for k, v in update.items()})
    return findings


def _record(rt: Host, ref: str, update: dict[str, object], kind: str,
            data: dict[str, object]) -> None:
    now = rt.clock()
    with db.transaction(rt.sessions) as session:
        record = state.get_object(session, f"issue:{ref}")
        merged = {**(record.data if record else {}), **update, "checked_at": now}
        state.put_object(session, f"issue:{ref}", "TrackerIssue", merged, now)
        audit.append(session, kind, ref, {**data, "by": BY}, now)


def _labels_for(session: Session, rt: Host, subject: str) -> frozenset[str] | None:
    record = state.get_case(session, subject)
    me = state.get_participant(session, subject, rt.actor_id)
    if record is None or me is None:
        return None
    wanted = {LABEL_BY_RM.get(RM(me.rm_state)), LABEL_BY_EM.get(EM(record.em_state))}
    return frozenset(w for w in wanted if w)


def _expected_labels(session: Session, rt: Host, ref: str) -> frozenset[str] | None:
    """The RM/EM labels the stored state implies; None when unknown or ambiguous."""
    found = {_labels_for(session, rt, s) for s in subjects_for_ref(session, ref)}
    found.discard(None)
    if len(found) != 1:
        return None
    return next(iter(found))


def _ambiguous(rt: Host, ref: str) -> bool:
    with rt.sessions() as session:
        found = {_labels_for(session, rt, s) for s in subjects_for_ref(session, ref)}
    found.discard(None)
    return len(found) > 1


def _label_repair(labels: list[str], expected: frozenset[str]) -> tuple[tuple[str, ...],
                                                                         tuple[str, ...]]:
    state_labels = set(RM_BY_LABEL) | set(EM_BY_LABEL)
    have = {label for label in labels if label in state_labels}
    add = tuple(sorted(expected - have))
    remove = tuple(sorted(have - expected))
    return add, remove
