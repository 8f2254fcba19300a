"""Playing the live flows (:mod:`tests.support.live_flows`) and keeping what each step left
on both sides: :func:`play` runs a flow's steps in order, each followed by
:meth:`~tests.support.live_world.LiveWorld.settle`; a :class:`Record` per step holds what the
bridge accepted (inputs and their outcome), queued and delivered (with the reference's HTTP
answer), its view and its issues, the reference's view and its log lines, and the step's
problems; :meth:`Played.markdown` writes that down for a run report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.live_flows import FLOWS, Run
from tests.support.live_world import Check, LiveWorld
from tests.support.peer_model import View

J = dict[str, Any]


@dataclass
class Record:
    """One step, both sides, as it settled."""

    step: str
    what: str
    problems: list[str]
    """Problems this step raised (not already there after the step before)."""
    standing: list[str]
    """Every problem present after this step."""
    bridge_inputs: list[J]
    bridge_outbox: list[J]
    bridge_views: dict[str, View | None]
    reference_views: dict[str, View | None]
    issues: dict[str, J]
    reference_log: dict[str, list[str]]
    error: str | None = None


@dataclass
class Played:
    flow: str
    bridge_actor: str
    records: list[Record] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)

    def at(self, step: str) -> Record:
        found = [r for r in self.records if r.step == step]
        assert found, f"step {step} was not reached:\n{self.report()}"
        return found[0]

    def report(self, step: str | None = None) -> str:
        """The problems step by step (each where it first appeared), up to ``step``."""
        lines = []
        for r in self.records:
            if r.problems or r.error:
                lines.append(f"after {r.step} ({r.what}):")
                lines += [f"    {p}" for p in ([r.error] if r.error else []) + r.problems]
            if r.step == step:
                break
        return "\n".join(lines)

    def markdown(self) -> str:
        """Step by step, what each side recorded (for the run report)."""
        out = [f"## Flow {self.flow}", "", f"Bridge actor: `{self.bridge_actor}`", ""]
        out += [f"- `{k}`: `{v}`" for k, v in sorted(self.ids.items()) if len(v) < 200]
        comments = 0
        for r in self.records:
            out += ["", f"### {r.step} — {r.what}", ""]
            if r.error:
                out.append(f"**could not be played**: {r.error}")
            out += _md_bridge(r)
            total = sum(len(i["comments"]) for i in r.issues.values())
            new = [c for i in r.issues.values() for c in i["comments"]][comments:]
            comments = total
            out.append("- tracker: " + "; ".join(
                f"{n} {i['state']} labels {i['labels']}" for n, i in r.issues.items()))
            out += [f"  - new comment by {_first_line(c)}" for c in new]
            for subject in r.bridge_views:
                out.append(f"- views of `{subject}`:")
                out.append(f"  - bridge: {_md_view(r.bridge_views[subject])}")
                out.append(f"  - reference: {_md_view(r.reference_views.get(subject))}")
            for name, lines in r.reference_log.items():
                chosen = [line for line in lines if KEY_LINE.search(line)]
                if chosen:
                    out.append(f"- reference {name} log ({len(lines)} lines, key ones):")
                    out += [f"  - `{_trim(line)}`" for line in chosen[:14]]
            out.append("- **problems**: " + ("none" if not r.standing else ""))
            out += [f"  - {'NEW ' if p in r.problems else 'still '}{_trim(p, 400)}"
                    for p in r.standing]
        return "\n".join(out) + "\n"


KEY_LINE = re.compile(r"Dispatch: dispatched|RM[: ]|embargo|EM |Deferred|WARNING|ERROR|"
                      r"refusing|Reject|bootstrap accepted|note|Delivered .* to http")


def _trim(text: str, size: int = 240) -> str:
    text = text.strip().replace("`", "'")
    return text if len(text) <= size else text[:size] + "…"


def _first_line(text: str) -> str:
    line = next((x for x in text.splitlines() if x.strip()), "")
    return _trim(line, 200)


def _md_view(view: View | None) -> str:
    if view is None:
        return "does not know it"
    rm = ", ".join(f"{a.rsplit('/', 1)[-1]} {s}" for a, s in sorted(view.rm.items()))
    text = f"RM [{rm}] EM {view.em}"
    if view.embargo_id:
        text += f" embargo `{view.embargo_id.rsplit('/', 1)[-1]}` ends {view.embargo_end}"
    if view.pending:
        text += " pending " + ", ".join(f"`{i.rsplit('/', 1)[-1]}` ({e})"
                                        for i, e in view.pending.items())
    return text + (f" CS {view.cs}" if view.cs else "")


def _md_bridge(r: Record) -> list[str]:
    out = []
    for i in r.bridge_inputs:
        reason = f" — {_trim(str(i['reason']), 200)}" if i["reason"] else ""
        out.append(f"- bridge accepted {i['source']} {i['what']}: **{i['status']}**{reason}")
    for o in r.bridge_outbox:
        to = ", ".join(x.rsplit("/", 1)[-1] for x in o["to"] or [])
        cc = ", ".join(x.rsplit("/", 1)[-1] for x in o["cc"] or [])
        error = f" ({_trim(str(o['error']), 200)})" if o["error"] else ""
        out.append(f"- bridge sent {o['what']} to [{to}] cc [{cc}] → inbox `{o['inbox']}`: "
                   f"**{o['status']}** HTTP {o['answer']} after {o['attempts']} attempt(s)"
                   f"{error}")
    return out


def _issues(run: Run) -> dict[str, J]:
    fake = run.w.tracker.gh.fake
    with fake.lock:
        issues = list(fake.repos["acme/embargoed"].issues.values())
        return {f"#{i.number}": {"title": i.title, "state": i.state, "labels": list(i.labels),
                                 "comments": [f"{c.user.login}: {c.body}"
                                              for c in i.comments]} for i in issues}


UNPLAYABLE = (AssertionError, LookupError, ValueError, pytest.fail.Exception)


def play(w: LiveWorld, flow: str) -> Played:
    """Play one flow against the live servers: each step, then settle, then a record."""
    run = Run(w)
    played = Played(flow, w.bridge_actor, ids=run.ids)
    seen: set[str] = set()
    for step in FLOWS[flow]:
        w.start_step()
        error = None
        try:
            step.act(run)
        except UNPLAYABLE as exc:
            error = f"step could not be played: {type(exc).__name__}: {exc}"
        unmet = [] if error else w.settle(Check([lambda s=step: s.expect(run)]))
        found = unmet + w.problems()
        subjects = list(w.shared)
        played.records.append(Record(
            step.name, step.what, [p for p in found if p not in seen], found,
            w.step_inputs(), w.step_outbox(),
            {s: w.bridge_view(s) for s in subjects},
            {s: w.views(s)[0] for s in subjects}, _issues(run),
            {s.actor_short: list(s.log.lines) if s.log else [] for s in w.servers}, error))
        seen |= set(found)
        if error:
            break
    return played
