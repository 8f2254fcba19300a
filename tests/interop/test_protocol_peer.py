"""Interoperability with a protocol-checking peer: the two live conversations recorded against
the reference implementation (``corpus/vultron/reference-server/live-flows``), played through
the bridge with :class:`~tests.support.protocol_peer.ProtocolPeer` — our own state machines,
refusing what the reference refuses — on the other side.

Flow A: a finder on the reference reports to the bridge (vendor, case owner). Flow B: a vendor
on the reference owns the case, with its per-case actor; the bridge takes part (B13/B14: it is
invited into a second case). Each chain of steps is played once (``played``); each
``test_A…``/``test_B…`` then requires that every step up to its own left nothing refused or
dead-lettered on either side and both sides agreeing on RM, EM (the same embargo id and end)
and CS (``Played.assert_healthy``), and looks at what its step did.

The peer's own rules are proved to refuse (``test_peer_refuses_…``), and what it sends is
checked against the recorded wire shapes, so these checks cannot pass by saying nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.core.states.em import EM
from bridge.core.states.rm import RM
from tests.support import reference_wire as wire
from tests.support.peer_flows import (
    EXTRA,
    LIVE,
    SETUPS,
    STEPS,
    Played,
    Snapshot,
    chain,
    end_of,
    first_step,
    play,
    recorded_hosts,
    recording,
)
from tests.support.peer_model import RULES, PeerCase
from tests.support.peer_world import START
from tests.support.protocol_peer import ProtocolPeer
from tests.support.servers import free_port, running_app

J = dict[str, Any]


# --- the recording drives the flows -----------------------------------------------------------


def test_every_recorded_step_is_played() -> None:
    for flow in ("A", "B"):
        steps = list(recording(flow))
        assert steps[0] == f"{flow}0" and f"{flow}0" in SETUPS
        missing = [s for s in steps[1:] if s not in STEPS]
        assert not missing, f"flow {flow}: recorded steps with no step here: {missing}"
    assert set(STEPS) - set(recording("A")) - set(recording("B")) == set(EXTRA)


def test_the_readme_names_every_recorded_party() -> None:
    hosts = recorded_hosts()
    assert hosts == {"http://finder.test": "reference", "http://vendor.test": "reference",
                     "http://bridge.test": "bridge"}
    text = "\n".join((LIVE / f"{f}.jsonl").read_text(encoding="utf-8") for f in "AB")
    assert set(re.findall(r"http://[a-z]+\.test", text)) == set(hosts)


def _shape_diff(recorded: Any, built: Any, path: str = "") -> list[str]:
    """Where ``built`` is not structured like ``recorded`` (keys, nesting, JSON types);
    id-keyed maps and lists are compared by their first element."""
    if isinstance(recorded, dict) and isinstance(built, dict):
        if _is_map(recorded) or _is_map(built):
            first = [next(iter(d.values()), None) for d in (recorded, built)]
            return [] if None in first else _shape_diff(first[0], first[1], path + "{id}")
        out = [f"{path}.{k}: missing" for k in sorted(recorded.keys() - built.keys())]
        out += [f"{path}.{k}: not in the recording" for k in sorted(built.keys() -
                                                                    recorded.keys())]
        for key in sorted(recorded.keys() & built.keys()):
            out += _shape_diff(recorded[key], built[key], f"{path}.{key}")
        return out
    if isinstance(recorded, list) and isinstance(built, list):
        return _shape_diff(recorded[0], built[0], path + "[0]") if recorded and built else []
    kinds = [type(v).__name__ for v in (recorded, built)]
    return [] if kinds[0] == kinds[1] else [f"{path}: recorded {kinds[0]}, built {kinds[1]}"]


def _is_map(value: J) -> bool:
    return bool(value) and all(":" in key for key in value)


def _kinds(activities: list[J]) -> list[tuple[Any, ...]]:
    return [(a["type"], a["object"].get("type"), a["object"].get("eventType"))
            for a in activities]


@pytest.mark.parametrize("last", ["A7", "A10", "B12"])
def test_the_peer_speaks_as_the_reference_did(tmp_path: Path, last: str) -> None:
    """Every activity the reference sent the bridge in the recording, the peer sends in the
    same step, in the same order and of the same structure (field for field)."""
    flow = last[0]
    speaking = [s for s in chain(last)[1]
                if recording(flow).get(s, {}).get("received_by_bridge")]
    assert speaking
    played = play(tmp_path, last, only=speaking.__contains__)
    for step in speaking:
        recorded = [r["activity"] for r in recording(flow)[step]["received_by_bridge"]]
        built = played.at(step).sent
        assert _kinds(built) == _kinds(recorded), step
        for one, two in zip(recorded, built, strict=True):
            assert _shape_diff(one, two) == [], (step, _kinds([one]))


def _rehost(value: Any, hosts: dict[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in hosts.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {k: _rehost(v, hosts) for k, v in value.items()}
    if isinstance(value, list):
        return [_rehost(v, hosts) for v in value]
    return value


BRIDGE_STAND_IN = "http://127.0.0.1:9"


def test_the_peer_defers_what_the_reference_deferred_in_flow_A() -> None:
    """Replay what the bridge sent the reference finder (``sent_by_bridge``): the peer answers
    as the reference did and defers exactly the activities its log says it deferred."""
    with lone_peer() as (peer, finder, _):
        hosts = {"http://finder.test": peer.base.removesuffix("/api/v2/actors/"),
                 "http://bridge.test": BRIDGE_STAND_IN}
        deferred_by_reference, n = set(), 0
        for step, record in recording("A").items():
            for item in record["received_by_bridge"]:
                offer = _rehost(item["activity"], hosts)
                peer.offer_report(finder, offer["target"], offer["object"]["name"],
                                  offer["object"]["content"], report_id=offer["object"]["id"],
                                  offer_id=offer["id"])
            for item in record["sent_by_bridge"]:
                sent = _rehost(item["activity"], hosts)
                assert post(peer, "finder", sent).status_code == item["answer"], step
                n += 1
                if any("Deferred" in line for line in record["reference_log"]["finder"]):
                    deferred_by_reference.add(sent["id"])
        assert n == 8 and len(deferred_by_reference) == 4
        assert {d[2]["id"] for d in peer.deferred} == deferred_by_reference


def test_the_peer_answers_the_recorded_misaddressed_accept_as_the_reference_did() -> None:
    """B8: the bridge's Accept(Invite) addressed to the vendor and delivered to its case actor
    too; the reference answered 400 (IE-11-001) there and 202 at the vendor."""
    record = recording("B")["B8"]
    peer = ProtocolPeer(free_port(), START)
    with running_app(peer.app(), peer.port):
        hosts = {"http://vendor.test": peer.base.removesuffix("/api/v2/actors/"),
                 "http://bridge.test": BRIDGE_STAND_IN}
        for item in record["sent_by_bridge"]:
            name = _rehost(item["recipient"], hosts).rsplit("/", 1)[-1]
            if name not in {a.name for a in peer.actors.values()}:
                peer.add_actor(name, "Service", name)
        answers = []
        for item in record["sent_by_bridge"]:
            name = item["recipient"].rsplit("/", 1)[-1]
            answers.append(post(peer, name, _rehost(item["activity"], hosts)).status_code)
        assert answers == [item["answer"] for item in record["sent_by_bridge"]] == [400, 202]
        log = " ".join(record["reference_log"]["vendor"])
        assert "IE-11-001" in log and rules(peer)[0] == "IE-11-001"


# --- the flows: each chain is played once; each test looks at its step ----------------------


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Played]:
    chains: dict[str, Played] = {}

    def upto(step: str) -> Played:
        end = end_of(step)
        if end not in chains:
            chains[end] = play(tmp_path_factory.mktemp(end.replace("+", "p")), end)
        found = chains[end]
        found.assert_healthy(step)
        return found

    return upto


def _rm(snap: Snapshot, case: str, who: str) -> str:
    return snap.views[snap.ids[case]].rm[snap.ids.get(who, who)]


def _comments(snap: Snapshot) -> list[str]:
    return [c.body for issue in snap.issues.values() for c in issue.comments]


# flow A: the peer is the finder, the bridge the vendor and case owner


def test_A1_finder_offers_a_report(played: Callable[[str], Played]) -> None:
    snap = played("A1").at("A1")
    report = snap.ids["report1"]
    content = recording("A")["A1"]["received_by_bridge"][0]["activity"]["object"]["content"]
    assert [i.body and content in i.body for i in snap.issues.values()] == [True]
    assert snap.views[report].rm == {snap.ids["finder"]: "ACCEPTED", played("A1").bridge_actor:
                                     "RECEIVED"}


def test_A2_maintainer_validates_and_the_bridge_opens_the_case(
        played: Callable[[str], Played]) -> None:
    p = played("A2")
    snap = p.at("A2")
    case = snap.cases[snap.ids["case"]]
    assert case.reports[0]["id"] == snap.ids["report1"]
    assert case.manager == p.bridge_actor == case.owner
    assert _rm(snap, "case", p.bridge_actor) == "VALID"


def test_A3_maintainer_engages(played: Callable[[str], Played]) -> None:
    p = played("A3")
    assert _rm(p.at("A3"), "case", p.bridge_actor) == "ACCEPTED"


def test_A4_maintainer_proposes_an_embargo(played: Callable[[str], Played]) -> None:
    snap = played("A4").at("A4")
    view = snap.views[snap.ids["case"]]
    assert view.em == "PROPOSED"
    assert [end and end.isoformat() for end in view.pending.values()] == [
        snap.ids["embargo_end"]]


def test_A4plus_finder_accepts_the_embargo(played: Callable[[str], Played]) -> None:
    snap = played("A4+").at("A4+")
    view = snap.views[snap.ids["case"]]
    assert (view.em, view.embargo_id) == ("ACTIVE", snap.ids["embargo"])
    assert view.embargo_end is not None
    assert view.embargo_end.isoformat() == snap.ids["embargo_end"]


def test_A5_maintainer_marks_the_fix_ready(played: Callable[[str], Played]) -> None:
    snap = played("A5").at("A5")
    assert snap.views[snap.ids["case"]].cs == "VFd.pxa"


def test_A6_maintainer_adds_a_note(played: Callable[[str], Played]) -> None:
    snap = played("A6").at("A6")
    notes = [n.content for n in snap.cases[snap.ids["case"]].notes.values()]
    assert snap.ids["note"] in notes


def test_A7_maintainer_closes_the_case(played: Callable[[str], Played]) -> None:
    p = played("A7")
    assert _rm(p.at("A7"), "case", p.bridge_actor) == "CLOSED"


def test_A8_finder_offers_a_second_report(played: Callable[[str], Played]) -> None:
    p = played("A8")
    snap = p.at("A8")
    assert snap.views[snap.ids["report2"]].rm[p.bridge_actor] == "RECEIVED"


def _answer(snap: Snapshot, us: str) -> tuple[str, J]:
    """Our stored answer to the second report's Offer, as the reference holds it (before a
    case exists it records no RM status for it), and the activity the peer processed."""
    report = snap.reports[snap.ids["report2"]]
    assert us not in report.rm or report.rm[us] is RM.RECEIVED, report.rm
    answer_id, _ = report.answers[us]
    return answer_id, next(a for _, a in snap.processed if a.get("id") == answer_id)


def test_A9_maintainer_invalidates_it(played: Callable[[str], Played]) -> None:
    """Before a case exists RI is the report-level TentativeReject of the finder's Offer: the
    reference stores it and records no RM ("no case found … RM state not updated"); both
    sides agree that the stored answer says INVALID."""
    p = played("A9")
    snap = p.at("A9")
    assert snap.views[snap.ids["report2"]].rm[p.bridge_actor] == "INVALID"
    assert snap.reports[snap.ids["report2"]].case_id is None
    _, answer = _answer(snap, p.bridge_actor)
    assert answer["type"] == "TentativeReject"
    assert answer["object"]["object"]["id"] == snap.ids["report2"]


def test_A10_maintainer_closes_it(played: Callable[[str], Played]) -> None:
    p = played("A10")
    snap = p.at("A10")
    assert snap.views[snap.ids["report2"]].rm[p.bridge_actor] == "CLOSED"
    assert snap.reports[snap.ids["report2"]].answers[p.bridge_actor][1] is RM.CLOSED
    assert _answer(snap, p.bridge_actor)[1]["type"] == "Reject"


# flow B: the peer's vendor owns the case through its case actor; the bridge takes part


def test_B1_the_case_actor_bootstraps_the_case_at_the_bridge(
        played: Callable[[str], Played]) -> None:
    snap = played("B1").at("B1")
    case = snap.cases[snap.ids["case"]]
    assert case.owner == snap.ids["vendor"] and case.manager == snap.ids["case_actor"]
    assert snap.bridge[case.id] is not None
    assert case.embargo.state is EM.ACTIVE and case.active is not None


def test_B2_maintainer_links_the_case_to_an_issue(played: Callable[[str], Played]) -> None:
    snap = played("B2").at("B2")
    assert snap.ids["issue"] == "github:acme/embargoed#1" and 1 in snap.issues


def test_B3_vendor_validates(played: Callable[[str], Played]) -> None:
    assert _rm(played("B3").at("B3"), "case", "vendor") == "VALID"


def test_B4_vendor_engages(played: Callable[[str], Played]) -> None:
    assert _rm(played("B4").at("B4"), "case", "vendor") == "ACCEPTED"


def test_B5_vendor_adds_a_note_the_bridge_mirrors(played: Callable[[str], Played]) -> None:
    snap = played("B5").at("B5")
    assert any(snap.ids["vendor_note"] in body for body in _comments(snap))


def test_B6_vendor_reports_the_fix_ready(played: Callable[[str], Played]) -> None:
    snap = played("B6").at("B6")
    assert snap.views[snap.ids["case"]].cs == "VFd.pxa"


def test_B7_vendor_proposes_an_embargo_revision(played: Callable[[str], Played]) -> None:
    snap = played("B7").at("B7")
    view = snap.views[snap.ids["case"]]
    assert view.em == "REVISE" and list(view.pending) == [snap.ids["revision"]]


def test_B8_maintainer_accepts_the_revision(played: Callable[[str], Played]) -> None:
    p = played("B8")
    snap = p.at("B8")
    bridge = snap.cases[snap.ids["case"]].participants[p.bridge_actor]
    assert snap.ids["revision"] in bridge.accepted_embargoes
    answers = [a for who, a in snap.processed
               if who == snap.ids["case_actor"] and a["type"] == "Accept"]
    assert answers and answers[0]["actor"] == p.bridge_actor


def test_B9_maintainer_engages(played: Callable[[str], Played]) -> None:
    p = played("B9")
    assert _rm(p.at("B9"), "case", p.bridge_actor) == "ACCEPTED"


def test_B10_maintainer_adds_a_note(played: Callable[[str], Played]) -> None:
    p = played("B10")
    snap = p.at("B10")
    notes = snap.cases[snap.ids["case"]].notes.values()
    assert any(n.author == p.bridge_actor and snap.ids["note"] in n.content for n in notes)


def test_B11_vendor_terminates_the_embargo(played: Callable[[str], Played]) -> None:
    snap = played("B11").at("B11")
    assert snap.views[snap.ids["case"]].em == "EXITED"


def test_B12_vendor_closes_the_case(played: Callable[[str], Played]) -> None:
    snap = played("B12").at("B12")
    assert (_rm(snap, "case", "vendor"), _rm(snap, "case", "case_actor")) == ("CLOSED",
                                                                             "CLOSED")


def test_B13_the_case_actor_invites_the_bridge(played: Callable[[str], Played]) -> None:
    snap = played("B13").at("B13")
    assert any("vultron:invited" in i.labels for i in snap.issues.values())


def test_B14_maintainer_accepts_the_invitation(played: Callable[[str], Played]) -> None:
    p = played("B14")
    snap = p.at("B14")
    case = snap.cases[snap.ids["case2"]]
    assert p.bridge_actor in case.participants, "the bridge never joined the case"
    assert case.participants[p.bridge_actor].roles == ["vendor"]
    assert snap.bridge[case.id] is not None


def test_B15_the_invited_bridge_validates_with_its_status(
        played: Callable[[str], Played]) -> None:
    """No Offer was made to the bridge: its RV is Add(ParticipantStatus) VALID, which the
    case actor records (and fans out) as the reference does a participant's status."""
    p = played("B17")
    snap = p.at("B15")
    case_id = snap.ids["case2"]
    assert _rm(snap, "case2", p.bridge_actor) == "VALID"
    got = {r: a for r, a in snap.processed if a["type"] == "Add"
           and a["actor"] == p.bridge_actor}
    case = snap.cases[case_id]
    assert set(got) == set(case.participants) - {p.bridge_actor}, got.keys()
    assert len({a["id"] for a in got.values()}) == 1  # one activity to the case's audience
    status = next(iter(got.values()))
    assert status["object"]["type"] == "ParticipantStatus"
    assert status["object"]["rmState"] == "VALID" and status["context"] == case_id
    assert sorted(status["to"]) == sorted(set(case.participants) - {p.bridge_actor})


def test_B16_B17_the_invited_bridge_engages_and_closes(played: Callable[[str], Played]) -> None:
    p = played("B17")
    assert _rm(p.at("B16"), "case2", p.bridge_actor) == "ACCEPTED"
    assert _rm(p.at("B17"), "case2", p.bridge_actor) == "CLOSED"


# --- the peer refuses what the reference refuses ------------------------------------------------

STRANGER = "http://127.0.0.1:9/actors/stranger"


@contextmanager
def lone_peer() -> Iterator[tuple[ProtocolPeer, str, str]]:
    """A peer hosting ``finder`` that offered a report to ``vendor`` on another server
    (registered here, never reached): (peer, finder id, vendor id)."""
    peer = ProtocolPeer(free_port(), START)
    with running_app(peer.app(), peer.port):
        finder = peer.add_actor("finder", "Person", "Finder").id
        vendor = "http://127.0.0.1:9/actors/vendor"
        peer.register(vendor)
        yield peer, finder, vendor


def post(peer: ProtocolPeer, name: str, activity: J) -> httpx.Response:
    return httpx.post(f"{peer.base}{name}/inbox/", json=activity, timeout=10)


def rules(peer: ProtocolPeer) -> list[str]:
    return [r.rule for r in peer.refusals()]


def case_document(peer: ProtocolPeer, case_id: str, finder: str, manager: str,
                  report: J) -> J:
    """A case as the bridge's Create would name it: ``manager`` (vendor, owner and
    manager) at RM VALID, the finder at ACCEPTED."""
    case = PeerCase(case_id, manager, START, status_id=f"{case_id}/status")
    peer.participant(case, manager, ["vendor", "case_owner", "case_manager"], manager,
                     [RM.VALID])
    peer.participant(case, finder, ["finder", "reporter"], finder, [RM.ACCEPTED])
    case.reports = [report]
    return wire.case_wire(case, participants="wire")


def bootstrap(peer: ProtocolPeer, finder: str, vendor: str) -> str:
    act = peer.offer_report(finder, vendor, "R", "details")
    case_id = "http://127.0.0.1:9/cases/1"
    doc = case_document(peer, case_id, finder, vendor, act["object"])
    create = {"type": "Create", "id": "http://127.0.0.1:9/a/create", "actor": vendor,
              "to": [finder], "context": case_id, "object": doc}
    assert post(peer, "finder", create).status_code == 202
    assert case_id in peer.cases, peer.refusals()
    return case_id


def test_peer_refuses_misaddressed_activities_IE_11_001() -> None:
    with lone_peer() as (peer, finder, vendor):
        case_id = bootstrap(peer, finder, vendor)
        join = {"type": "Join", "actor": vendor, "context": case_id, "object": case_id}
        answer = post(peer, "finder", {**join, "id": "urn:uuid:1", "to": [vendor]})
        assert answer.status_code == 400
        assert answer.json() == {"detail": f"Activity is not addressed to actor {finder}."}
        assert rules(peer) == ["IE-11-001"]
        for n, to in enumerate(([finder], [STRANGER], None, ["http://x.test/u/finder"])):
            body = {**join, "id": f"urn:uuid:{n + 2}", **({"to": to} if to else {})}
            assert post(peer, "finder", body).status_code == 202, to
        assert rules(peer) == ["IE-11-001"]


def test_peer_defers_an_unknown_case_and_reports_it_until_bootstrapped() -> None:
    with lone_peer() as (peer, finder, vendor):
        case_id = "http://127.0.0.1:9/cases/1"
        join = {"type": "Join", "id": "urn:uuid:j", "actor": vendor, "to": [finder],
                "context": case_id, "object": case_id}
        assert post(peer, "finder", join).status_code == 202
        assert rules(peer) == ["unknown-case"] and "deferred" in peer.refusals()[0].reason
        note = {"type": "Add", "id": "urn:uuid:n", "actor": vendor, "to": [finder],
                "target": "http://127.0.0.1:9/cases/2",
                "object": {"type": "Note", "id": "urn:uuid:note", "content": "x"}}
        assert post(peer, "finder", note).status_code == 202
        assert rules(peer) == ["unknown-case", "unknown-case"]
        bootstrap(peer, finder, vendor)  # the deferred Join is replayed and applied
        assert rules(peer) == ["unknown-case"] and "not known here" in peer.refusals()[0].reason
        assert peer.view(case_id, finder).rm[vendor] == "ACCEPTED"


def test_peer_refuses_a_case_bootstrap_from_an_untrusted_sender() -> None:
    with lone_peer() as (peer, finder, vendor):
        act = peer.offer_report(finder, vendor, "R", "details")
        doc = case_document(peer, "http://127.0.0.1:9/cases/1", finder, vendor, act["object"])
        for n, kind in enumerate(("Create", "Announce")):
            sent = {"type": kind, "id": f"urn:uuid:{n}", "actor": STRANGER, "to": [finder],
                    "object": doc}
            assert post(peer, "finder", sent).status_code == 202
        announce = {"type": "Announce", "id": "urn:uuid:a", "actor": vendor, "to": [finder],
                    "object": {**doc, "caseParticipants": doc["caseParticipants"][1:]}}
        assert post(peer, "finder", announce).status_code == 202
        assert rules(peer) == ["untrusted-bootstrap"] * 3 and not peer.cases
        managed = {"type": "Create", "id": "urn:uuid:m", "actor": STRANGER, "to": [finder],
                   "object": case_document(peer, "http://127.0.0.1:9/cases/2", finder,
                                           STRANGER, act["object"])}
        assert post(peer, "finder", managed).status_code == 202
        assert list(peer.cases) == ["http://127.0.0.1:9/cases/2"]  # its CASE_MANAGER sent it


def _status(n: int, peer: ProtocolPeer, vendor: str, case_id: str, target: str | None = None,
            **fields: Any) -> J:
    """``Add(ParticipantStatus)`` to the vendor's CaseParticipant (``target``: another)."""
    return {"type": "Add", "id": f"urn:uuid:s{n}", "actor": vendor, "context": case_id,
            "target": target or peer.cases[case_id].participants[vendor].id,
            "object": {"type": "ParticipantStatus", "id": f"urn:uuid:st{n}",
                       "attributedTo": vendor, "context": case_id, **fields}}


def test_peer_refuses_an_rm_regression() -> None:
    with lone_peer() as (peer, finder, vendor):
        case_id = bootstrap(peer, finder, vendor)
        for n, fields in enumerate(({}, {"rmState": "RECEIVED"}, {"rmState": "ACCEPTED"},
                                    {"rmState": "CLOSED"}, {"rmState": "CLOSED"})):
            status = _status(n, peer, vendor, case_id, **fields)
            assert post(peer, "finder", status).status_code == 202
        assert rules(peer) == ["rm-regression"] * 3
        assert "START" in peer.refusals()[0].reason  # no rmState reads as START (findings A5)
        assert peer.view(case_id).rm[vendor] == "CLOSED"


def test_peer_refuses_a_vfd_regression() -> None:
    with lone_peer() as (peer, finder, vendor):
        case_id = bootstrap(peer, finder, vendor)
        for n, vfd in enumerate(("VFd", "Vfd")):
            status = _status(n, peer, vendor, case_id, rmState="VALID", vfdState=vfd)
            assert post(peer, "finder", status).status_code == 202
        assert rules(peer) == ["vfd-regression"]
        assert peer.view(case_id).cs == "VFd.pxa"  # the vendor's V and F, through our CS


def test_peer_refuses_a_status_not_added_to_a_case_participant() -> None:
    """Live (flow I5): the reference matches Add(ParticipantStatus) only with a CaseParticipant
    ``target``; one to the sender's actor id, or with no target, is an unknown use case."""
    with lone_peer() as (peer, finder, vendor):
        case_id = bootstrap(peer, finder, vendor)
        for n, target in enumerate((vendor, "")):
            status = _status(n, peer, vendor, case_id, rmState="ACCEPTED")
            status["target"] = target
            assert post(peer, "finder", status).status_code == 202
        assert rules(peer) == ["status-target", "status-target"]
        assert peer.view(case_id).rm[vendor] == "VALID"
        status = _status(2, peer, vendor, case_id, rmState="ACCEPTED")
        assert post(peer, "finder", status).status_code == 202
        assert rules(peer) == ["status-target", "status-target"]
        assert peer.view(case_id).rm[vendor] == "ACCEPTED"


def test_peer_refuses_an_embargo_answer_or_terminate_naming_another_embargo() -> None:
    with lone_peer() as (peer, finder, vendor):
        case_id = bootstrap(peer, finder, vendor)
        end = (START + timedelta(days=60)).isoformat()

        def embargo(i: str) -> J:
            return {"type": "EmbargoEvent", "id": i, "context": case_id, "endTime": end}

        invite = {"type": "Invite", "id": "urn:uuid:inv", "actor": vendor, "to": [finder],
                  "context": case_id, "object": embargo("urn:uuid:e1")}
        other = {**invite, "id": "urn:uuid:inv2", "object": embargo("urn:uuid:e2")}
        sent = [invite,
                {"type": "Accept", "id": "urn:uuid:a2", "actor": vendor, "context": case_id,
                 "object": other},
                {"type": "Accept", "id": "urn:uuid:a1", "actor": vendor, "context": case_id,
                 "object": invite},
                {"type": "Remove", "id": "urn:uuid:r2", "actor": vendor, "origin": case_id,
                 "object": embargo("urn:uuid:e2")},
                {"type": "Remove", "id": "urn:uuid:r1", "actor": vendor, "origin": case_id,
                 "object": embargo("urn:uuid:e1")}]
        states = []
        for activity in sent:
            assert post(peer, "finder", activity).status_code == 202
            states.append(peer.view(case_id).em)
        assert rules(peer) == ["embargo-id", "embargo-id"]
        assert states == ["PROPOSED", "PROPOSED", "ACTIVE", "ACTIVE", "EXITED"]


def test_peer_refuses_a_message_from_a_non_participant() -> None:
    with lone_peer() as (peer, finder, vendor):
        case_id = bootstrap(peer, finder, vendor)
        report = next(iter(peer.reports.values()))
        sent: list[J] = [{"type": "Join", "id": "urn:uuid:j", "actor": STRANGER, "context": case_id,
                 "object": case_id},
                {"type": "Create", "id": "urn:uuid:n", "actor": STRANGER, "context": case_id,
                 "object": {"type": "Note", "id": "urn:uuid:note", "context": case_id,
                            "content": "hello"}},
                {"type": "Accept", "id": "urn:uuid:rv", "actor": STRANGER,
                 "object": report.offer}]
        for activity in sent:
            assert post(peer, "finder", activity).status_code == 202
        assert rules(peer) == ["not-participant"] * 3
        assert not peer.case(case_id).notes


def test_peer_refuses_what_the_reference_cannot_parse() -> None:
    with lone_peer() as (peer, finder, vendor):
        case_id = bootstrap(peer, finder, vendor)
        for n, fields in enumerate(({"rmState": "accepted"},
                                    {"vfdState": "CS_VENDOR_AWARE__FIX_READY__NOT_DEPLOYED"})):
            status = _status(n, peer, vendor, case_id, **fields)
            assert post(peer, "finder", status).status_code == 202
        assert rules(peer) == ["unparseable", "unparseable"]
        assert post(peer, "finder", {"actor": vendor}).status_code == 400
        assert post(peer, "finder", {"type": "Frobnicate"}).status_code == 422
        assert httpx.post(f"{peer.base}nobody/inbox/", json={"type": "Join"}).status_code == 404


def test_peer_refuses_transitions_our_machines_refuse() -> None:
    with lone_peer() as (peer, finder, vendor):
        case_id = bootstrap(peer, finder, vendor)
        leave = {"type": "Leave", "id": "urn:uuid:l", "actor": vendor, "context": case_id,
                 "object": case_id}  # RC from VALID: engage or defer first
        assert post(peer, "finder", leave).status_code == 202
        assert rules(peer) == ["transition"]
        assert peer.view(case_id).rm[vendor] == "VALID"


def test_peer_cannot_speak_in_a_case_without_a_case_manager() -> None:
    with lone_peer() as (peer, finder, vendor):
        act = peer.offer_report(finder, vendor, "R", "details")
        doc = case_document(peer, "http://127.0.0.1:9/cases/1", finder, vendor, act["object"])
        doc["caseParticipants"][0]["caseRoles"] = ["vendor", "case_owner"]
        create = {"type": "Create", "id": "urn:uuid:c", "actor": vendor, "to": [finder],
                  "object": doc}
        assert post(peer, "finder", create).status_code == 202 and peer.cases
        peer.engage(finder, "http://127.0.0.1:9/cases/1")
        assert rules(peer) == ["no-case-manager"]


def test_every_rule_has_a_test_and_a_citation() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    for rule, citation in RULES.items():
        assert f'"{rule}"' in source, f"no test proves the peer refuses {rule}"
        assert "findings" in citation or ".py" in citation or rule == "transition"


def test_the_health_check_sees_a_disagreement(tmp_path: Path) -> None:
    """The agreement check can fail: the peer's view changed behind the bridge's back."""
    with first_step(tmp_path, "A1") as run:
        assert run.w.problems() == []
        run.peer.reports[run.ids["report1"]].rm[run.w.bridge_actor] = RM.VALID
        assert run.w.problems() == [f"disagree on {run.ids['report1']}: RM of "
                                    f"{run.w.bridge_actor}: peer VALID, bridge RECEIVED"]
