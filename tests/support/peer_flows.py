"""The two recorded live conversations with the reference implementation
(``corpus/vultron/reference-server/live-flows``), as steps run through the bridge with the
protocol peer on the other side.

The recording drives the flows: the peer's actors are the ones the recording created (its
``A0``/``B0`` log lines), the report names and contents, the notes, the embargo dates come
from the recorded activities and from each step's ``what``; every recorded step id has a step
here (``test_protocol_peer`` checks it), plus the steps the recording could not reach
(``A4+``: the finder accepts the embargo; ``B13``/``B14``: an invitation of the bridge into
a case, answered ``/vultron case accept``).

:func:`play` plays a chain of steps, each followed by
:meth:`~tests.support.peer_world.World.settle`, the conversation's problems
(:meth:`~tests.support.peer_world.World.problems`: anything refused or dead-lettered on either
side, any disagreement) and a :class:`Snapshot` of both sides.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from bridge.core.refs import TrackerRef
from tests.fakes.github.model import Issue
from tests.paths import VULTRON_CORPUS
from tests.support.peer_model import PeerCase, PeerReport, View
from tests.support.peer_world import World, world
from tests.support.protocol_peer import ProtocolPeer

LIVE = VULTRON_CORPUS / "reference-server" / "live-flows"
J = dict[str, Any]


@cache
def recording(flow: str) -> dict[str, J]:
    """The recorded steps of flow ``A`` or ``B``, by step id, in order."""
    lines = (LIVE / f"{flow}.jsonl").read_text(encoding="utf-8").splitlines()
    steps = [json.loads(line) for line in lines if line.strip()]
    return {s["step"]: s for s in steps}


def recorded_hosts() -> dict[str, str]:
    """README: which recorded host is which party (``http://finder.test`` …)."""
    text = (LIVE / "README.md").read_text(encoding="utf-8")
    hosts = dict.fromkeys(re.findall(r"`(http://[a-z]+\.test)`", text), "")
    for host in hosts:
        hosts[host] = "bridge" if "bridge" in host else "reference"
    return hosts


def created_actor(flow: str, step: str) -> tuple[str, str]:
    """(short name, type) of the actor a recorded step created on the reference server."""
    lines = [line for log in recording(flow)[step]["reference_log"].values() for line in log]
    found = next(m for m in (re.search(r"Created actor (\S+) \(type=(\w+)\)", x) for x in lines)
                 if m)
    return found.group(1).rsplit("/", 1)[-1], found.group(2)


def what(step: str) -> str:
    flow = step[0]
    record = recording(flow).get(step)
    return str(record["what"]) if record else EXTRA[step]


def _iso_in(text: str) -> datetime:
    found = re.search(r"\d{4}-\d\d-\d\dT[\d:]+(?:Z|[+-]\d\d:\d\d)", text)
    assert found, text
    value = found.group(0)
    if value.endswith("Z") and value.count(":") == 1:
        value = value[:-1] + ":00Z"
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def recorded_report(step: str) -> J:
    """The report the finder offered in a recorded step of flow A."""
    offer = recording("A")[step]["received_by_bridge"][0]["activity"]
    return dict(offer["object"])


def recorded_payload(step: str, event_type: str) -> J:
    for item in recording("B")[step]["received_by_bridge"]:
        entry = item["activity"]["object"]
        if entry.get("eventType") == event_type:
            return dict(entry["payloadSnapshot"])
    raise KeyError((step, event_type))


def recorded_note(step: str) -> str:
    """The text of the note the bridge sent in a recorded step of flow A."""
    return str(recording("A")[step]["sent_by_bridge"][0]["activity"]["object"]["content"])


EXTRA = {
    "A4+": "finder: trigger accept-embargo (EA, Accept(Invite) to the case manager)",
    "B13": "refvendor opens a second case and its case actor invites the bridge "
           "(Invite(actor -> case), roles [vendor])",
    "B14": "maintainer comments /vultron case accept (Accept(Invite) to the case actor)",
    "B15": "maintainer adds label vultron:valid in the case it joined by invitation (RV: "
           "no Offer to answer, Add(ParticipantStatus) VALID to the case's participants)",
    "B16": "maintainer adds label vultron:accepted there (RA, Join)",
    "B17": "maintainer closes the issue (RC, Leave)",
}


@dataclass
class Run:
    w: World
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def peer(self) -> ProtocolPeer:
        return self.w.peer

    def case(self, key: str = "case") -> PeerCase:
        return self.w.peer.case(self.ids[key])


# --- flow A: a finder on the reference reports to the bridge (vendor, case owner) -------------


def _a_setup(run: Run) -> None:
    name, kind = created_actor("A", "A0")
    run.ids["finder"] = run.peer.add_actor(name, kind, "Finder").id


def _offer(run: Run, step: str, key: str) -> None:
    report = recorded_report(step)
    act = run.peer.offer_report(run.ids["finder"], run.w.bridge_actor, report["name"],
                                report["content"])
    run.ids[key] = act["object"]["id"]


def _case_of(run: Run, key: str = "report1") -> None:
    report = run.peer.reports[run.ids[key]]
    if report.case_id:
        run.ids["case"] = report.case_id


def a1(run: Run) -> None:
    _offer(run, "A1", "report1")


def a2(run: Run) -> None:
    run.w.tracker.human_label(run.w.issue(run.ids["report1"]), "vultron:valid")


def a3(run: Run) -> None:
    run.w.tracker.human_label(run.w.issue(run.ids["report1"]), "vultron:accepted")


def a4(run: Run) -> None:
    end = _iso_in(what("A4"))
    run.ids["embargo_end"] = end.isoformat()
    run.w.tracker.human_comment(run.w.issue(run.ids["report1"]),
                                f"/vultron embargo propose {end.isoformat()}")


def a4_accept(run: Run) -> None:
    case = run.case()
    assert case.pending, "the finder has no proposal to accept"
    run.ids["embargo"] = next(iter(case.pending))
    run.peer.accept_embargo(run.ids["finder"], case.id, run.ids["embargo"])


def a5(run: Run) -> None:
    run.w.tracker.human_label(run.w.issue(run.ids["report1"]), "vultron:fix-ready")


def a6(run: Run) -> None:
    run.ids["note"] = recorded_note("A6")
    run.w.tracker.human_comment(run.w.issue(run.ids["report1"]), f"/vultron note {run.ids['note']}")


def a7(run: Run) -> None:
    run.w.tracker.human_close(run.w.issue(run.ids["report1"]))


def a8(run: Run) -> None:
    _offer(run, "A8", "report2")


def a9(run: Run) -> None:
    run.w.tracker.human_label(run.w.issue(run.ids["report2"]), "vultron:invalid")


def a10(run: Run) -> None:
    run.w.tracker.human_close(run.w.issue(run.ids["report2"]))


# --- flow B: a vendor on the reference owns the case (with its case actor) --------------------


def _b_setup(run: Run) -> None:
    name, kind = created_actor("B", "B0")
    display = recorded_payload("B3", "validate_report")["object"]["target"]["name"]
    vendor = run.peer.add_actor(name, kind, display)
    run.peer.auto_create.add(vendor.id)
    run.ids["vendor"] = vendor.id


def b1(run: Run) -> None:
    """The recording POSTed an Offer naming the bridge as its actor to the vendor's inbox
    (the bridge has no outbound Offer yet): so does this step, after leaving in the bridge's
    store what sending it would (``World.seed_own_offer``). The vendor opens the case and its
    case actor sends the bridge the bootstrap."""
    report = recorded_payload("B1", "add_report_to_case")["object"]
    us = run.w.bridge_actor
    offer: J = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Offer",
             "id": f"{us}/activities/offer-b1", "actor": us, "to": [run.ids["vendor"]],
             "target": run.ids["vendor"],
             "name": f"{us} Offer {report['name']} to {run.ids['vendor']}",
             "object": {"type": "VulnerabilityReport", "id": f"{us}/reports/b1",
                        "name": report["name"], "content": report["content"],
                        "attributedTo": us, "published": report["published"],
                        "updated": report["updated"]}}
    run.w.seed_own_offer(offer, run.ids["vendor"])
    answer = httpx.post(run.ids["vendor"] + "/inbox/", json=offer, timeout=10)
    assert answer.status_code == 202, answer.text
    run.ids["report"] = offer["object"]["id"]
    run.ids["case"] = str(run.peer.reports[run.ids["report"]].case_id)
    run.ids["case_actor"] = str(run.case().manager)


def b2(run: Run) -> None:
    ref = run.w.open_issue(recorded_payload("B1", "add_report_to_case")["object"]["name"])
    run.ids["issue"] = str(ref)
    run.w.link(run.ids["case"], ref)


def _issue(run: Run) -> TrackerRef:
    project, _, number = run.ids["issue"].partition(":")[2].partition("#")
    return TrackerRef("github", project, int(number))


def b3(run: Run) -> None:
    run.peer.validate(run.ids["vendor"], run.ids["report"])


def b4(run: Run) -> None:
    run.peer.engage(run.ids["vendor"], run.ids["case"])


def b5(run: Run) -> None:
    note = recorded_payload("B5", "add_note_to_case")["object"]
    run.ids["vendor_note"] = note["content"]
    run.peer.add_note(run.ids["vendor"], run.ids["case"], note["name"], note["content"])


def b6(run: Run) -> None:
    run.peer.notify_fix_ready(run.ids["vendor"], run.ids["case"])


def b7(run: Run) -> None:
    end = _iso_in(what("B7"))
    run.ids["revision_end"] = end.isoformat()
    act = run.peer.propose_revision(run.ids["vendor"], run.ids["case"], end)
    run.ids["revision"] = act["object"]["id"]


def b8(run: Run) -> None:
    run.w.tracker.human_label(_issue(run), "vultron:embargo-accept")


def b9(run: Run) -> None:
    run.w.tracker.human_label(_issue(run), "vultron:accepted")


def b10(run: Run) -> None:
    run.ids["note"] = "INTEROP-NOTE-B10 the bridge's fix is in review"
    run.w.tracker.human_comment(_issue(run), f"/vultron note {run.ids['note']}")


def b11(run: Run) -> None:
    run.ids["ended"] = str(run.case().active)
    run.peer.terminate_embargo(run.ids["vendor"], run.ids["case"])


def b12(run: Run) -> None:
    run.peer.close_case(run.ids["vendor"], run.ids["case"])


def _b_invite_setup(run: Run) -> None:
    _b_setup(run)
    run.ids["finder"] = run.peer.add_actor("finder", "Person", "Finder").id


def b13(run: Run) -> None:
    """A case the bridge is not in: a finder (hosted on the vendor's server, only to make the
    case) offers the recorded A1 report; the case actor then invites the bridge."""
    report = recorded_report("A1")
    act = run.peer.offer_report(run.ids["finder"], run.ids["vendor"], report["name"],
                                report["content"])
    case_id = str(run.peer.reports[act["object"]["id"]].case_id)
    run.ids["case2"] = case_id
    run.ids["invite"] = run.peer.invite(case_id, run.w.bridge_actor, ["vendor"],
                                        "vultron-bridge")["id"]


def b14(run: Run) -> None:
    fake = run.w.tracker.gh.fake
    with fake.lock:
        invited = [i.number for i in fake.repos["acme/embargoed"].issues.values()
                   if "vultron:invited" in i.labels]
    ref = (TrackerRef("github", "acme/embargoed", invited[0]) if invited
           else run.w.issue(run.ids["case2"]))
    run.w.tracker.human_comment(ref, "/vultron case accept")


def _invited_issue(run: Run) -> TrackerRef:
    return run.w.issue(run.ids["case2"])


def b15(run: Run) -> None:
    run.w.tracker.human_label(_invited_issue(run), "vultron:valid")


def b16(run: Run) -> None:
    run.w.tracker.human_label(_invited_issue(run), "vultron:accepted")


def b17(run: Run) -> None:
    run.w.tracker.human_close(_invited_issue(run))


Step = Callable[[Run], None]
STEPS: dict[str, tuple[str | None, Step]] = {
    "A1": ("A0", a1), "A2": ("A1", a2), "A3": ("A2", a3), "A4": ("A3", a4),
    "A4+": ("A4", a4_accept), "A5": ("A4+", a5), "A6": ("A5", a6), "A7": ("A6", a7),
    "A8": ("A0", a8), "A9": ("A8", a9), "A10": ("A9", a10),
    "B1": ("B0", b1), "B2": ("B1", b2), "B3": ("B2", b3), "B4": ("B3", b4), "B5": ("B4", b5),
    "B6": ("B5", b6), "B7": ("B6", b7), "B8": ("B7", b8), "B9": ("B8", b9),
    "B10": ("B9", b10), "B11": ("B10", b11), "B12": ("B11", b12),
    "B13": ("B0+", b13), "B14": ("B13", b14), "B15": ("B14", b15), "B16": ("B15", b16),
    "B17": ("B16", b17),
}
"""Each step and the step it follows (``A0``/``B0``: the actors exist)."""
SETUPS: dict[str, Step] = {"A0": _a_setup, "B0": _b_setup, "B0+": _b_invite_setup}


def chain(step: str) -> tuple[str, list[str]]:
    """The setup and the steps to play, in order, to reach ``step``."""
    steps = [step]
    while steps[0] in STEPS:
        steps.insert(0, str(STEPS[steps[0]][0]))
    return steps[0], steps[1:]


@dataclass(frozen=True)
class Snapshot:
    """Both sides after one step: the peer's cases and reports (copies), each side's view of
    every shared subject, the tracker's issues, what the peer applied and sent in the step."""

    step: str
    ids: dict[str, str]
    cases: dict[str, PeerCase]
    reports: dict[str, PeerReport]
    views: dict[str, View]
    bridge: dict[str, View | None]
    issues: dict[int, Issue]
    processed: list[tuple[str, J]]
    sent: list[J]


@dataclass
class Played:
    """One chain of steps played to its end (or to the step that could not be played)."""

    bridge_actor: str
    history: list[tuple[str, list[str]]] = field(default_factory=list)
    """Each step played and the problems it left (new ones only)."""
    snapshots: dict[str, Snapshot] = field(default_factory=dict)
    error: str | None = None

    def at(self, step: str) -> Snapshot:
        assert step in self.snapshots, f"step {step} was not reached: {self.error}"
        return self.snapshots[step]

    def report(self, upto: str | None = None) -> str:
        lines = []
        for step, found in self.history:
            if found:
                lines.append(f"after {step} ({what(step)}):\n    " + "\n    ".join(found))
            if step == upto:
                break
        return "\n".join(lines)

    def assert_healthy(self, upto: str) -> None:
        """Every step up to ``upto`` left nothing refused or dead-lettered on either side and
        both sides agreeing on RM, EM (the embargo's id and end) and CS."""
        self.at(upto)
        steps = [s for s, _ in self.history]
        problems = [found for _, found in self.history[:steps.index(upto) + 1]]
        assert not any(problems), "\n" + self.report(upto)


def _snapshot(run: Run, step: str, marks: tuple[int, int]) -> Snapshot:
    w, peer = run.w, run.w.peer
    shared = w.shared_subjects()
    fake = w.tracker.gh.fake
    with fake.lock:
        issues = copy.deepcopy(fake.repos["acme/embargoed"].issues)
    with peer.lock:
        return Snapshot(
            step, dict(run.ids), copy.deepcopy(peer.cases), copy.deepcopy(peer.reports),
            {s: peer.view(s) for s in shared}, {s: w.bridge_view(s) for s in shared}, issues,
            [(r.receiver, r.activity) for r in peer.received[marks[0]:]
             if r.outcome == "processed"],
            [x.activity for x in peer.sent[marks[1]:]])


def play(tmp: Path, last: str, *, only: Callable[[str], bool] = lambda s: True) -> Played:
    """Play the steps up to ``last``; after each, the conversation's new problems
    (:meth:`World.problems`) and a :class:`Snapshot`."""
    setup, steps = chain(last)
    with world(tmp) as w:
        run = Run(w)
        played = Played(w.bridge_actor)
        SETUPS[setup](run)
        seen: set[str] = set()
        for name in filter(only, steps):
            w.peer.step = name
            marks = (len(w.peer.received), len(w.peer.sent))
            try:
                STEPS[name][1](run)
            except (AssertionError, LookupError, ValueError) as exc:
                played.error = (f"step {name} ({what(name)}) could not be played: "
                                f"{type(exc).__name__}: {exc}\n{played.report()}")
                break
            w.settle()
            if name.startswith("A"):
                _case_of(run, "report1" if "report1" in run.ids else "report2")
            found = w.problems()
            played.history.append((name, [p for p in found if p not in seen]))
            seen |= set(found)
            played.snapshots[name] = _snapshot(run, name, marks)
        return played


@contextmanager
def first_step(tmp: Path, step: str) -> Iterator[Run]:
    """A world left open after one first step (to look at, or tamper with)."""
    setup, steps = chain(step)
    assert len(steps) == 1, step
    with world(tmp) as w:
        run = Run(w)
        SETUPS[setup](run)
        w.peer.step = step
        STEPS[step][1](run)
        w.settle()
        yield run


ENDS = ("A7", "A10", "B12", "B17")
"""The last step of each chain: every step is played once, in the chain that ends here."""


def end_of(step: str) -> str:
    return next(end for end in ENDS if step in chain(end)[1])
