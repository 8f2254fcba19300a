"""The case view: one case (or report) with every linked issue and every party's state.

Issues come from the store's ``issue:<ref>`` objects (state, and labels when a ``reconcile``
recorded them) — or, with ``live``, from each tracker's ``get_issue``. An issue is
**fix-ready** when its labels hold ``vultron:fix-ready`` or ``vultron:fix-deployed``, or when it
is closed and either linked with relation ``fixes`` or stored as closed by a fix
(``closed_by_fix``). The case is fix-ready when all (policy ``all``) or any (``any``) of its
linked issues are; a case without issues is not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal

from sqlalchemy.orm import Session

from bridge.core.errors import BridgeError, NotFound
from bridge.core.refs import TrackerRef
from bridge.core.states import cs
from bridge.core.states.em import EM
from bridge.core.tracker import IssueSnapshot
from bridge.store import links, state

FIX_LABELS = frozenset({"vultron:fix-ready", "vultron:fix-deployed"})
Policy = Literal["all", "any"]
LiveReader = Callable[[str], IssueSnapshot]
"""Reads one issue from its tracker (``ref`` text → snapshot); raises BridgeError."""


@dataclass(frozen=True, slots=True)
class IssueView:
    ref: str
    tracker: str
    subjects: tuple[str, ...]
    relations: tuple[str, ...]
    state: str
    """``open``, ``closed``, ``deleted``, ``unknown`` (never seen) or an advisory state."""
    labels: tuple[str, ...]
    fix_ready: bool
    source: Literal["store", "live"]
    title: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ParticipantView:
    actor: str
    rm_state: str
    em_consent: str | None
    roles: tuple[str, ...]


@dataclass
class CaseView:
    case_id: str
    kind: str
    em_state: str
    embargo_end: datetime | None
    cs_state: str
    policy: Policy
    reports: list[str] = field(default_factory=list)
    participants: list[ParticipantView] = field(default_factory=list)
    issues: list[IssueView] = field(default_factory=list)

    @property
    def fix_ready_count(self) -> int:
        return sum(1 for i in self.issues if i.fix_ready)

    @property
    def fix_ready(self) -> bool:
        return aggregate(self.policy, [i.fix_ready for i in self.issues])

    def as_json(self, tz: tzinfo = UTC) -> dict[str, Any]:
        return {
            "case": self.case_id, "kind": self.kind, "em_state": self.em_state,
            "embargo_end": self.embargo_end.astimezone(tz).isoformat()
            if self.embargo_end else None,
            "cs_state": self.cs_state, "reports": self.reports,
            "participants": [
                {"actor": p.actor, "rm_state": p.rm_state, "em_consent": p.em_consent,
                 "roles": list(p.roles)} for p in self.participants
            ],
            "issues": [
                {"ref": i.ref, "tracker": i.tracker, "subjects": list(i.subjects),
                 "relations": list(i.relations), "state": i.state, "labels": list(i.labels),
                 "fix_ready": i.fix_ready, "source": i.source, "title": i.title,
                 "error": i.error} for i in self.issues
            ],
            "aggregate": {"policy": self.policy, "fix_ready": self.fix_ready,
                          "issues": len(self.issues), "fix_ready_issues": self.fix_ready_count,
                          "trackers": sorted({i.tracker for i in self.issues})},
        }


def aggregate(policy: Policy, flags: list[bool]) -> bool:
    """All / any of the flags; False without flags (nothing linked is nothing ready)."""
    if not flags:
        return False
    return all(flags) if policy == "all" else any(flags)


def issue_fix_ready(labels: Iterable[str], issue_state: str, relations: Iterable[str],
                    closed_by_fix: bool = False) -> bool:
    if FIX_LABELS & set(labels):
        return True
    return issue_state == "closed" and (closed_by_fix or "fixes" in set(relations))


def _stored_issue(session: Session, ref: str) -> tuple[str, tuple[str, ...], bool]:
    record = state.get_object(session, f"issue:{ref}")
    if record is None:
        return "unknown", (), False
    labels = record.data.get("labels")
    shown = tuple(sorted(str(x) for x in labels)) if isinstance(labels, list) else ()
    return (str(record.data.get("state", "open")), shown,
            bool(record.data.get("closed_by_fix", False)))


def _tracker(ref: str) -> str:
    return ref.partition(":")[0]



def subject_kind(data: dict[str, Any], reports: list[str], recorded: bool,
                 by_ref: dict[str, list[tuple[str, str]]]) -> str:
    """``case`` or ``report``: as recorded; a subject with reports is a case; one known only
    from links is a report when an issue mirrors it (the bridge mirrors reports), else a case
    (what coordinators link)."""
    if isinstance(data.get("kind"), str):
        return str(data["kind"])
    if reports:
        return "case"
    if not recorded:
        mirrored = any(rel == "mirrors" for pairs in by_ref.values() for _, rel in pairs)
        return "report" if mirrored else "case"
    return "report"


def build(session: Session, case_id: str, policy: Policy,
          live: LiveReader | None = None) -> CaseView:
    """The view of ``case_id`` (a case, or a report before its case exists).

    Raises NotFound when the store knows neither state nor links for it.
    """
    record = state.get_case(session, case_id)
    data = record.data if record else {}
    reports = [r for r in data.get("reports", []) if isinstance(r, str)]
    subjects = [case_id, *reports]
    by_ref: dict[str, list[tuple[str, str]]] = {}
    for subject in subjects:
        for link in links.links_for_subject(session, subject):
            by_ref.setdefault(link.ref, []).append((subject, link.relation.value))
    if record is None and not by_ref:
        raise NotFound("no case or report with that id is known")
    view = CaseView(
        case_id, subject_kind(data, reports, record is not None, by_ref),
        record.em_state if record else EM.NONE.value,
        datetime.fromtimestamp(record.embargo_end, UTC)
        if record and record.embargo_end is not None else None,
        record.cs_state if record else str(cs.INITIAL), policy, reports,
    )
    view.participants = [
        ParticipantView(p.actor, p.rm_state, p.em_consent, tuple(p.roles))
        for p in state.participants_for_case(session, case_id)
    ]
    for ref in sorted(by_ref):
        pairs = by_ref[ref]
        subs = tuple(dict.fromkeys(s for s, _ in pairs))
        rels = tuple(sorted({r for _, r in pairs}))
        view.issues.append(_issue(session, ref, subs, rels, live))
    return view


def _issue(session: Session, ref: str, subjects: tuple[str, ...], relations: tuple[str, ...],
           live: LiveReader | None) -> IssueView:
    issue_state, labels, by_fix = _stored_issue(session, ref)
    if live is None:
        return IssueView(ref, _tracker(ref), subjects, relations, issue_state, labels,
                         issue_fix_ready(labels, issue_state, relations, by_fix), "store")
    try:
        snap = live(ref)
    except NotFound:
        return IssueView(ref, _tracker(ref), subjects, relations, "deleted", (), False, "live",
                         error="not found in the tracker")
    except BridgeError as exc:
        # the stored state still says something; show it with the reason the tracker failed
        return IssueView(ref, _tracker(ref), subjects, relations, issue_state, labels,
                         issue_fix_ready(labels, issue_state, relations, by_fix), "store",
                         error=f"{exc.kind}: {exc.reason}"[:200])
    return IssueView(ref, _tracker(ref), subjects, relations, snap.state,
                     tuple(sorted(snap.labels)),
                     issue_fix_ready(snap.labels, snap.state, relations, by_fix), "live",
                     title=snap.title)


def live_reader(adapter_for: Callable[[str], Any],
                parse: Callable[[str], TrackerRef]) -> LiveReader:
    """A ``LiveReader`` over ``adapter_for(tracker name)`` (e.g. ``Runtime.adapter``)."""

    def read(ref: str) -> IssueSnapshot:
        parsed = parse(ref)
        snap: IssueSnapshot = adapter_for(parsed.tracker).get_issue(parsed)
        return snap

    return read
