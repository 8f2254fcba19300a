"""The recorded live conversations (``live-flows``), played by the bridge against running
reference servers instead of the protocol peer (:mod:`tests.support.peer_flows` plays them
against the peer).

* **A** — the reference ``finder`` reports to the bridge, which validates and so owns the
  case (its two participants: the bridge — vendor, case owner, case manager — and the
  finder); engage, embargo proposal the finder accepts, fix ready, note, the bridge ends the
  embargo, close; a second report invalidated, then closed.
* **B** — the reference ``vendor`` owns the case (with its per-case actor); the bridge
  offered the report and takes part: the vendor validates, engages, notes, reports fix ready,
  revises the embargo, the bridge accepts, engages, notes, the vendor ends the embargo and
  closes.
* **I** — the vendor's case actor invites the bridge into a second case; the maintainer
  answers ``/vultron case accept``; the vendor revises the embargo, the bridge rejects it,
  engages and closes.

Each :class:`Step` acts on one side (a reference trigger, or a person in the tracker) and
names what must then hold; :func:`play` runs the steps in order, each followed by
:meth:`~tests.support.live_world.LiveWorld.settle` and a :class:`Record` of both sides (what
the bridge accepted, queued and delivered, its view, its issues; the reference's view and its
log lines) with the step's problems.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from bridge.core.refs import TrackerRef
from tests.service.bridge_env import HUMAN
from tests.support.live_world import LiveWorld
from tests.support.peer_flows import recorded_note, recorded_payload, recorded_report
from tests.support.peer_model import View
from tests.support.ref_server import RefServer, wait_for

J = dict[str, Any]


def end_in(days: int, hours: int = 1) -> datetime:
    """An embargo end ``days`` from now, on the hour, in a UTC+``hours`` zone (A4 wrote
    ``+01:00``): the reference wants a future, zone-aware end."""
    zone = timezone(timedelta(hours=hours))
    return (datetime.now(UTC) + timedelta(days=days)).astimezone(zone).replace(
        minute=0, second=0, microsecond=0)


@dataclass
class Run:
    w: LiveWorld
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def us(self) -> str:
        return self.w.bridge_actor

    def ref(self, key: str) -> TrackerRef:
        project, _, number = self.ids[key].partition(":")[2].partition("#")
        return TrackerRef("github", project, int(number))

    def issue_for(self, subject_key: str, ref_key: str) -> TrackerRef:
        """The issue linked to ``ids[subject_key]``, remembered as ``ids[ref_key]``."""
        if ref_key not in self.ids:
            self.ids[ref_key] = str(self.w.issue(self.ids[subject_key]))
        return self.ref(ref_key)

    def view(self, key: str) -> View | None:
        return self.w.bridge_view(self.ids[key])

    def server_view(self, server: RefServer, key: str) -> View | None:
        return server.view(self.ids[key])


Act = Callable[[Run], None]
Expect = Callable[[Run], list[str]]


def nothing(_: Run) -> list[str]:
    return []


@dataclass(frozen=True)
class Step:
    name: str
    what: str
    act: Act
    expect: Expect = nothing
    """What must hold on both sides once the step has settled (what is missing)."""


def _need(ok: bool, text: str) -> list[str]:
    return [] if ok else [text]


def _labels(run: Run, ref: TrackerRef) -> list[str]:
    issue = run.w.issue_of(ref)
    return list(issue.labels)


def _bridge_em(run: Run, key: str) -> str | None:
    view = run.view(key)
    return view.em if view else None


# --- flow A: the reference finder reports to the bridge (vendor, case owner) ------------------


def a1(run: Run) -> None:
    report = recorded_report("A1")
    offer = run.w.finder.submit_report(run.us, report["name"], report["content"])
    run.ids["report1"] = offer["object"]["id"]
    run.ids["offer1"] = offer["id"]
    run.w.shared[run.ids["report1"]] = run.w.finder
    run.w.reports[run.ids["report1"]] = run.us


def a1_expect(run: Run) -> list[str]:
    if "report1" not in run.ids:
        return ["no report"]
    try:
        ref = run.issue_for("report1", "issue1")
    except AssertionError:
        return ["bridge: no issue linked to the report yet"]
    return _need("vultron:received" in _labels(run, ref), "bridge: issue not vultron:received")


def a2(run: Run) -> None:
    run.w.tracker.human_label(run.issue_for("report1", "issue1"), "vultron:valid")


def _promote(run: Run, report_key: str, server: RefServer) -> list[str]:
    """Once the bridge put the report in a case, compare the case instead of the report."""
    case_id = run.w.bridge_case_of(run.ids[report_key])
    if case_id is None:
        return ["bridge: the report is in no case yet"]
    run.ids["case"] = case_id
    if case_id not in run.w.shared:
        run.w.shared.pop(run.ids[report_key], None)
        run.w.reports.pop(run.ids[report_key], None)
        run.w.shared[case_id] = server
    return _need(server.case(case_id) is not None,
                 f"reference {server.actor_short}: no case {case_id}")


def a2_expect(run: Run) -> list[str]:
    out = _promote(run, "report1", run.w.finder)
    if out:
        return out
    return _need(run.w.finder.rm_state(run.ids["case"], run.us) == "VALID",
                 "reference finder: the bridge is not VALID in the case")


def a3(run: Run) -> None:
    run.w.tracker.human_label(run.ref("issue1"), "vultron:accepted")


def a3_expect(run: Run) -> list[str]:
    return _need(run.w.finder.rm_state(run.ids["case"], run.us) == "ACCEPTED",
                 "reference finder: the bridge is not ACCEPTED")


def a4(run: Run) -> None:
    end = end_in(89)
    run.ids["embargo_end"] = end.isoformat()
    run.w.tracker.human_comment(run.ref("issue1"), f"/vultron embargo propose {end.isoformat()}")


def a4_expect(run: Run) -> list[str]:
    view = run.view("case")
    if view is None or not view.pending:
        return ["bridge: no pending proposal"]
    run.ids["embargo"] = next(iter(view.pending))
    return _need(run.w.finder.consent(run.ids["case"], run.w.finder.actor_id) == "INVITED",
                 "reference finder: its consent is not INVITED")


def a4_accept(run: Run) -> None:
    answer = run.w.finder.trigger("accept-embargo", {"case_id": run.ids["case"]})
    assert answer.status_code == 202, answer.text


def a4_accept_expect(run: Run) -> list[str]:
    out = _need(_bridge_em(run, "case") == "ACTIVE", "bridge: EM is not ACTIVE")
    return out + _need(run.w.finder.em_state(run.ids["case"]) == "ACTIVE",
                       "reference finder: EM is not ACTIVE")


def a5(run: Run) -> None:
    run.w.tracker.human_label(run.ref("issue1"), "vultron:fix-ready")


def a5_expect(run: Run) -> list[str]:
    return _need(run.w.finder.vfd_state(run.ids["case"], run.us) == "VFd",
                 "reference finder: the bridge's vfd is not VFd")


def _note_stored(server: RefServer, text: str) -> bool:
    return any(text in str(n.get("content") or "") for n in server.by_type("Note"))


def a6(run: Run) -> None:
    run.ids["note"] = recorded_note("A6")
    run.w.tracker.human_comment(run.ref("issue1"), f"/vultron note {run.ids['note']}")


def a6_expect(run: Run) -> list[str]:
    return _need(_note_stored(run.w.finder, run.ids["note"]),
                 "reference finder: the note is not stored")


def a6_terminate(run: Run) -> None:
    run.w.tracker.human_comment(run.ref("issue1"), "/vultron embargo terminate")


def a6_terminate_expect(run: Run) -> list[str]:
    out = _need(_bridge_em(run, "case") == "EXITED", "bridge: EM is not EXITED")
    return out + _need(run.w.finder.em_state(run.ids["case"]) == "EXITED",
                       "reference finder: EM is not EXITED")


def a7(run: Run) -> None:
    run.w.tracker.human_close(run.ref("issue1"))


def a7_expect(run: Run) -> list[str]:
    return _need(run.w.finder.rm_state(run.ids["case"], run.us) == "CLOSED",
                 "reference finder: the bridge is not CLOSED")


def a8(run: Run) -> None:
    report = recorded_report("A8")
    offer = run.w.finder.submit_report(run.us, report["name"], report["content"])
    run.ids["report2"] = offer["object"]["id"]
    run.w.shared[run.ids["report2"]] = run.w.finder
    run.w.reports[run.ids["report2"]] = run.us


def a8_expect(run: Run) -> list[str]:
    try:
        ref = run.issue_for("report2", "issue2")
    except AssertionError:
        return ["bridge: no issue linked to report 2 yet"]
    return _need("vultron:received" in _labels(run, ref), "bridge: issue 2 not vultron:received")


def a9(run: Run) -> None:
    run.w.tracker.human_label(run.ref("issue2"), "vultron:invalid")


def a10(run: Run) -> None:
    run.w.tracker.human_close(run.ref("issue2"))


FLOW_A = [
    Step("A1", "finder: trigger submit-report, recipient = the bridge's actor", a1, a1_expect),
    Step("A2", "maintainer adds label vultron:valid (RV; the bridge creates its case)", a2,
         a2_expect),
    Step("A3", "maintainer adds label vultron:accepted (RA engage)", a3, a3_expect),
    Step("A4", "maintainer comments /vultron embargo propose <end> (EP)", a4, a4_expect),
    Step("A4+", "finder: trigger accept-embargo (EA, to the case manager = the bridge)",
         a4_accept, a4_accept_expect),
    Step("A5", "maintainer adds label vultron:fix-ready (CF)", a5, a5_expect),
    Step("A6", "maintainer comments /vultron note <text> (Create(Note))", a6, a6_expect),
    Step("A6+", "maintainer comments /vultron embargo terminate (ET)", a6_terminate,
         a6_terminate_expect),
    Step("A7", "maintainer closes the issue (RC)", a7, a7_expect),
    Step("A8", "finder: trigger submit-report #2 to the bridge", a8, a8_expect),
    Step("A9", "maintainer adds label vultron:invalid (RI)", a9),
    Step("A10", "maintainer closes issue #2 (RC from INVALID)", a10),
]


# --- flow B: the reference vendor owns the case (with its case actor) --------------------------


def _vendor_case_of(server: RefServer, report_id: str) -> str | None:
    for case_id, case in server.cases().items():
        reports = case.get("vulnerability_reports") or case.get("vulnerabilityReports") or []
        ids = [r if isinstance(r, str) else (r.get("id") or r.get("id_")) for r in reports]
        if report_id in ids:
            return str(case_id)
    return None


def _case_actor(server: RefServer, case_id: str) -> str | None:
    case = server.case(case_id) or {}
    for actor in case.get("actorParticipantIndex") or {}:
        if "case_manager" in server.roles(case_id, actor):
            return str(actor)
    return None


def b1(run: Run) -> None:
    """The bridge has no outbound Offer: as in the recording, the Offer naming the bridge as
    its actor is POSTed to the vendor's inbox, after leaving in the bridge's store what
    sending it would (``seed_own_offer``)."""
    report = recorded_payload("B1", "add_report_to_case")["object"]
    us, vendor = run.us, run.w.vendor.actor_id
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    offer: J = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Offer",
                "id": f"{us}/activities/offer-{stamp}", "actor": us, "to": [vendor],
                "target": vendor, "name": f"{us} Offer {report['name']} to {vendor}",
                "object": {"type": "VulnerabilityReport", "id": f"{us}/reports/{stamp}",
                           "name": report["name"], "content": report["content"],
                           "attributedTo": us, "published": report["published"],
                           "updated": report["updated"]}}
    run.w.seed_own_offer(offer, vendor)
    answer = run.w.vendor.post_inbox(offer)
    assert answer.status_code == 202, answer.text
    run.ids["report"], run.ids["offer"] = offer["object"]["id"], offer["id"]


def b1_expect(run: Run) -> list[str]:
    case_id = run.ids.get("case") or _vendor_case_of(run.w.vendor, run.ids["report"])
    if case_id is None:
        return ["reference vendor: no case for the report"]
    run.ids["case"] = case_id
    actor = _case_actor(run.w.vendor, case_id)
    if actor:
        run.ids["case_actor"] = actor
    if run.w.bridge_view(case_id) is None:
        return ["bridge: does not know the vendor's case"]
    run.w.shared.setdefault(case_id, run.w.vendor)
    return []


def b2(run: Run) -> None:
    ref = run.w.open_issue(recorded_payload("B1", "add_report_to_case")["object"]["name"])
    run.ids["issue"] = str(ref)
    run.w.link(run.ids["case"], ref)


def b3(run: Run) -> None:
    answer = run.w.vendor.trigger("validate-report", {"offer_id": run.ids["offer"]})
    assert answer.status_code == 202, answer.text


def _vendor_rm(run: Run, state: str) -> list[str]:
    view = run.view("case")
    vendor = run.w.vendor.actor_id
    return _need(view is not None and view.rm.get(vendor) == state,
                 f"bridge: the vendor is not {state}")


def b4(run: Run) -> None:
    answer = run.w.vendor.trigger("engage-case", {"case_id": run.ids["case"]})
    assert answer.status_code == 202, answer.text


def _comment_with(run: Run, text: str) -> bool:
    issue = run.w.issue_of(run.ref("issue"))
    return any(text in c.body for c in issue.comments if c.user.login != HUMAN)


def b5(run: Run) -> None:
    note = recorded_payload("B5", "add_note_to_case")["object"]
    run.ids["vendor_note"] = str(note["content"])
    answer = run.w.vendor.demo("add-note-to-case", {"case_id": run.ids["case"],
                                                    "note_name": note["name"],
                                                    "note_content": note["content"]})
    assert answer.status_code == 202, answer.text


def b5_expect(run: Run) -> list[str]:
    return _need(_comment_with(run, run.ids["vendor_note"]),
                 "bridge: the vendor's note is not on the issue")


def b6(run: Run) -> None:
    answer = run.w.vendor.demo("notify-fix-ready", {"case_id": run.ids["case"]})
    assert answer.status_code == 202, answer.text


def b6_expect(run: Run) -> list[str]:
    view = run.view("case")
    return _need(view is not None and view.cs.startswith("VF"),
                 "bridge: the case's CS does not show the vendor's fix ready")


def b7(run: Run) -> None:
    end = end_in(120, 0)
    run.ids["revision_end"] = end.isoformat()
    answer = run.w.vendor.trigger("propose-embargo-revision",
                                  {"case_id": run.ids["case"], "end_time": end.isoformat()})
    assert answer.status_code == 202, answer.text


def _pending(run: Run, key: str) -> list[str]:
    view = run.view(key)
    return _need(view is not None and bool(view.pending), "bridge: no pending proposal")


def b8(run: Run) -> None:
    run.w.tracker.human_label(run.ref("issue"), "vultron:embargo-accept")


def _consent(server: RefServer, run: Run, key: str, state: str) -> list[str]:
    return _need(server.consent(run.ids[key], run.us) == state,
                 f"reference {server.actor_short}: the bridge's consent is not {state}")


def b9(run: Run) -> None:
    run.w.tracker.human_label(run.ref("issue"), "vultron:accepted")


def _bridge_rm_at(server: RefServer, run: Run, key: str, state: str) -> list[str]:
    return _need(server.rm_state(run.ids[key], run.us) == state,
                 f"reference {server.actor_short}: the bridge is not {state}")


def b10(run: Run) -> None:
    run.ids["note"] = "INTEROP-NOTE-B10 the bridge's fix is in review"
    run.w.tracker.human_comment(run.ref("issue"), f"/vultron note {run.ids['note']}")


def b10_expect(run: Run) -> list[str]:
    texts = run.w.vendor.note_texts(run.ids["case"])
    return _need(any(run.ids["note"] in t for t in texts),
                 "reference vendor: the bridge's note is not attached to the case")


def b11(run: Run) -> None:
    answer = run.w.vendor.trigger("terminate-embargo", {"case_id": run.ids["case"]})
    assert answer.status_code == 202, answer.text


def b12(run: Run) -> None:
    answer = run.w.vendor.demo("close-case", {"case_id": run.ids["case"]})
    assert answer.status_code == 202, answer.text


FLOW_B = [
    Step("B1", "Offer(VulnerabilityReport) with actor = the bridge, POSTed to the vendor's "
         "inbox (the vendor opens the case, its case actor bootstraps the bridge)", b1,
         b1_expect),
    Step("B2", "maintainer opens an issue; vultron-bridge link CASE github:acme/embargoed#N",
         b2),
    Step("B3", "vendor: trigger validate-report (RV)", b3, lambda r: _vendor_rm(r, "VALID")),
    Step("B4", "vendor: trigger engage-case (RA, Join)", b4,
         lambda r: _vendor_rm(r, "ACCEPTED")),
    Step("B5", "vendor: demo add-note-to-case", b5, b5_expect),
    Step("B6", "vendor: demo notify-fix-ready (Add(ParticipantStatus) VFd)", b6, b6_expect),
    Step("B7", "vendor: trigger propose-embargo-revision (EV)", b7,
         lambda r: _pending(r, "case")),
    Step("B8", "maintainer adds label vultron:embargo-accept (EC, Accept(Invite))", b8,
         lambda r: _consent(r.w.vendor, r, "case", "SIGNATORY")),
    Step("B9", "maintainer adds label vultron:accepted (RA engage)", b9,
         lambda r: _bridge_rm_at(r.w.vendor, r, "case", "ACCEPTED")),
    Step("B10", "maintainer comments /vultron note <text> (Create(Note))", b10, b10_expect),
    Step("B11", "vendor: trigger terminate-embargo (ET)", b11,
         lambda r: _need(_bridge_em(r, "case") == "EXITED", "bridge: EM is not EXITED")),
    Step("B12", "vendor: demo close-case (RC, Leave)", b12,
         lambda r: _vendor_rm(r, "CLOSED")),
]


# --- flow I: the vendor's case actor invites the bridge into a case -----------------------------


def i1(run: Run) -> None:
    """A case the bridge is not in: a third party (a loopback inbox that only answers 202,
    so that no other conversation runs beside the bridge's) offers the recorded A1 report to
    the vendor, which opens a case; its case actor then invites the bridge."""
    report = recorded_report("A1")
    third = f"{run.w.sink}/actors/finder-{datetime.now(UTC).strftime('%H%M%S%f')}"
    offer: J = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Offer",
                "id": f"{third}/activities/offer", "actor": third,
                "to": [run.w.vendor.actor_id], "target": run.w.vendor.actor_id,
                "object": {"type": "VulnerabilityReport", "id": f"{third}/reports/1",
                           "name": f"{report['name']} (invite)", "content": report["content"],
                           "attributedTo": third}}
    answer = run.w.vendor.post_inbox(offer)
    assert answer.status_code == 202, answer.text
    run.ids["report"], run.ids["third"] = offer["object"]["id"], third
    case_id = wait_for(lambda: _vendor_case_of(run.w.vendor, run.ids["report"]),
                       what="the vendor's case for the finder's report")
    run.ids["case"] = case_id
    answer = run.w.vendor.trigger("invite-actor-to-case", {"case_id": case_id,
                                                           "invitee_id": run.us,
                                                           "roles": ["vendor"]})
    assert answer.status_code == 202, answer.text


def _invited_issue(run: Run) -> TrackerRef | None:
    fake = run.w.tracker.gh.fake
    with fake.lock:
        found = [i.number for i in fake.repos["acme/embargoed"].issues.values()
                 if "vultron:invited" in i.labels]
    if not found:
        return None
    ref = TrackerRef("github", "acme/embargoed", found[0])
    run.ids["issue"] = str(ref)
    return ref


def i1_expect(run: Run) -> list[str]:
    return _need(_invited_issue(run) is not None, "bridge: no issue labelled vultron:invited")


def i2(run: Run) -> None:
    run.w.tracker.human_comment(run.ref("issue"), "/vultron case accept")


def i2_expect(run: Run) -> list[str]:
    out = _bridge_rm_at(run.w.vendor, run, "case", "RECEIVED")
    if not out:
        run.w.shared.setdefault(run.ids["case"], run.w.vendor)
    return out


def i3(run: Run) -> None:
    end = end_in(100, 0)
    answer = run.w.vendor.trigger("propose-embargo-revision",
                                  {"case_id": run.ids["case"], "end_time": end.isoformat()})
    assert answer.status_code == 202, answer.text


def i4(run: Run) -> None:
    run.w.tracker.human_label(run.ref("issue"), "vultron:embargo-reject")


def i5(run: Run) -> None:
    run.w.tracker.human_label(run.ref("issue"), "vultron:valid")


def i6(run: Run) -> None:
    run.w.tracker.human_label(run.ref("issue"), "vultron:accepted")


def i7(run: Run) -> None:
    run.w.tracker.human_close(run.ref("issue"))


def i4_expect(run: Run) -> list[str]:
    log = run.w.vendor.log
    if log is None:
        return []
    return _need(any("rejected embargo proposal" in line for line in log.read()),
                 "reference vendor: logged no rejection")


FLOW_I = [
    Step("I1", "finder reports to the vendor (a case the bridge is not in); the vendor: "
         "trigger invite-actor-to-case (the bridge, roles [vendor])", i1, i1_expect),
    Step("I2", "maintainer comments /vultron case accept (Accept(Invite))", i2, i2_expect),
    Step("I3", "vendor: trigger propose-embargo-revision (EV)", i3,
         lambda r: _pending(r, "case")),
    Step("I4", "maintainer adds label vultron:embargo-reject (EJ, Reject(Invite))", i4,
         i4_expect),
    Step("I5", "maintainer adds label vultron:valid (RV: RECEIVED -> VALID in the case)", i5,
         lambda r: _bridge_rm_at(r.w.vendor, r, "case", "VALID")),
    Step("I6", "maintainer adds label vultron:accepted (RA engage)", i6,
         lambda r: _bridge_rm_at(r.w.vendor, r, "case", "ACCEPTED")),
    Step("I7", "maintainer closes the issue (RC)", i7,
         lambda r: _bridge_rm_at(r.w.vendor, r, "case", "CLOSED")),
]

FLOWS = {"A": FLOW_A, "B": FLOW_B, "I": FLOW_I}
