"""Interoperability against *running* CERTCC/Vultron reference servers (not a replay).

Skipped unless ``VULTRON_REF_FINDER_URL`` and ``VULTRON_REF_VENDOR_URL`` name the API bases
of two reference servers (``http://127.0.0.1:PORT/api/v2``), one actor each — the reference's
multi-actor layout: actor ``finder`` on the first, ``vendor`` (self-hosting its CaseActor) on
the second. The reference is never part of this repository; start it from outside, e.g. with
the helper script the interop notes describe (``run.sh start 17901 17902``). Its refusals are
only in its log (it answers 202 and decides in the background): set
``VULTRON_REF_FINDER_LOG`` and ``VULTRON_REF_VENDOR_LOG`` to the servers' log files so that
the bridge half reads them; ``VULTRON_LIVE_RECORD=<dir>`` writes each flow's step-by-step
record there (``live-<flow>.md``).

The module has two halves:

* the **reference-facing half** (:class:`~tests.support.ref_server.RefServer` and the
  ``build_*`` activity builders here): create actors, fire the reference's trigger endpoints,
  post to its inboxes and read back what it holds through its datalayer read API, with
  ``ScriptedPeer`` — a loopback inbox that records what the reference delivers — opposite;
* the **bridge half**: a whole bridge on loopback (:mod:`tests.support.live_world`: fake
  GitHub sending signed webhooks, the bridge's app at its real URL, the reference's actors
  trusted) plays the recorded live flows A and B and the invitation flow I
  (:mod:`tests.support.live_flows`) against the reference; after every step nothing may be
  refused, deferred or dead-lettered on either side and both must agree on RM (per
  participant), EM (the embargo's id and end) and CS (``test_live_step``).

Facts the assertions rest on (verified live against the reference at CERTCC/Vultron 6883299d):

* the reference delivers to ``<actor id>/inbox/`` and never fetches actor documents;
* every case-level message a reference *participant* originates goes ``to:[<CASE_MANAGER>]``;
* a received ``Create(VulnerabilityCase)`` is accepted from the actor the reference submitted
  the report to, or from the case's ``case_manager`` participant;
* ``ParticipantStatus.rmState`` defaults to ``START``: omitting it is reported back as an
  "RM state regression" note;
* protocol refusals are 202 + log; only unknown inbox actor (404), missing ``type`` (400),
  unknown ``type`` (422) and IE-11-001 mis-addressing (400) are HTTP errors.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from bridge.store import cases
from tests.support.live_flows import FLOWS
from tests.support.live_record import Played, play
from tests.support.live_world import LiveWorld, live_world, ref_servers
from tests.support.ref_server import RefServer, later, now, wait_for
from tests.support.servers import running_app

FINDER_URL = os.environ.get("VULTRON_REF_FINDER_URL", "").rstrip("/")
VENDOR_URL = os.environ.get("VULTRON_REF_VENDOR_URL", "").rstrip("/")
FINDER_LOG = os.environ.get("VULTRON_REF_FINDER_LOG")
VENDOR_LOG = os.environ.get("VULTRON_REF_VENDOR_LOG")
RECORD_DIR = os.environ.get("VULTRON_LIVE_RECORD")

pytestmark = pytest.mark.skipif(
    not (FINDER_URL and VENDOR_URL),
    reason="needs running CERTCC/Vultron reference servers: set VULTRON_REF_FINDER_URL and "
    "VULTRON_REF_VENDOR_URL to their API bases (http://127.0.0.1:PORT/api/v2)",
)

# --------------------------------------------------------------------------------------------
# Activity builders: the shapes the reference parses (camelCase keys, enum NAMES for states,
# lower-case caseRoles, upper-case cvdRole).
# --------------------------------------------------------------------------------------------


def new_id(base: str, kind: str) -> str:
    return f"{base}/{kind}/{uuid.uuid4()}"


def build_participant(actor: str, case_id: str, roles: list[str], rm: str = "ACCEPTED",
                      ) -> dict[str, Any]:
    """An inline ``CaseParticipant`` with one status (explicit ``rmState``: never omit it)."""
    return {
        "type": "CaseParticipant", "id": f"urn:uuid:{uuid.uuid4()}", "attributedTo": actor,
        "context": case_id, "caseRoles": roles,
        "participantStatuses": [{
            "type": "ParticipantStatus", "id": f"urn:uuid:{uuid.uuid4()}", "attributedTo": actor,
            "context": case_id, "rmState": rm, "vfdState": "vfd",
            "cvdRole": [r.upper() for r in roles],
        }],
    }


def build_case(case_id: str, attributed_to: str, participants: list[dict[str, Any]],
               reports: list[str]) -> dict[str, Any]:
    """A ``VulnerabilityCase`` the reference will seed: ``published`` is required whenever
    ``attributedTo`` is set; one participant must hold ``case_manager``."""
    return {
        "type": "VulnerabilityCase", "id": case_id, "attributedTo": attributed_to,
        "published": now(), "name": "interop case", "caseParticipants": participants,
        "actorParticipantIndex": {p["attributedTo"]: p["id"] for p in participants},
        "vulnerabilityReports": reports,
    }


def build_activity(base: str, kind: str, actor: str, to: list[str], obj: Any,
                   **extra: Any) -> dict[str, Any]:
    activity = {"@context": "https://www.w3.org/ns/activitystreams", "type": kind,
                "id": new_id(base, "activities"), "actor": actor, "to": to, "object": obj,
                "published": now()}
    activity.update(extra)
    return activity


def build_embargo(base: str, case_id: str, owner: str, days: int = 30) -> dict[str, Any]:
    return {"type": "EmbargoEvent", "id": new_id(base, "embargoes"), "context": case_id,
            "startTime": now(), "endTime": later(days), "attributedTo": owner}


def build_status(base: str, case_id: str, actor: str, rm: str | None, vfd: str,
                 roles: list[str]) -> dict[str, Any]:
    status = {"type": "ParticipantStatus", "id": new_id(base, "statuses"), "context": case_id,
              "attributedTo": actor, "vfdState": vfd, "cvdRole": [r.upper() for r in roles]}
    if rm is not None:
        status["rmState"] = rm
    return status


# --------------------------------------------------------------------------------------------
# Scripted peer: a loopback inbox the reference can deliver to
# --------------------------------------------------------------------------------------------


@dataclass
class ScriptedPeer:
    """Stands where the bridge will stand: records every ``POST /actors/<name>/inbox/``."""

    base: str = ""
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/actors/{name}/inbox/")
        async def inbox(name: str, request: Request) -> Response:
            body = json.loads(await request.body())
            with self.lock:
                self.received.append((name, body))
            return Response(status_code=202)

        return app

    def actor(self, name: str) -> str:
        return f"{self.base}/actors/{name}"

    def inbox(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [body for who, body in self.received if who == name]

    def wait_for(self, name: str, kind: str, object_type: str | None = None,
                 predicate: Callable[[dict[str, Any]], bool] = lambda _: True) -> dict[str, Any]:
        """The first activity of ``kind`` (with an inline object of ``object_type``) delivered to
        ``name``'s inbox that satisfies ``predicate``."""
        def probe() -> dict[str, Any] | None:
            for body in self.inbox(name):
                obj = body.get("object")
                if body.get("type") != kind:
                    continue
                if object_type and not (isinstance(obj, dict) and obj.get("type") == object_type):
                    continue
                if predicate(body):
                    return body
            return None
        return dict(wait_for(probe, what=f"{kind}({object_type}) at {name}"))


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as c:
        yield c


@pytest.fixture
def finder(client: httpx.Client) -> RefServer:
    server = RefServer(FINDER_URL, "finder", client)
    server.ensure_actor(server.actor_id, "Finder", "Person")
    return server


@pytest.fixture
def vendor(client: httpx.Client) -> RefServer:
    server = RefServer(VENDOR_URL, "vendor", client)
    server.ensure_actor(server.actor_id, "Vendor", "Organization")
    return server


@pytest.fixture
def peer() -> Iterator[ScriptedPeer]:
    p = ScriptedPeer()
    with running_app(p.app()) as base:
        p.base = base
        yield p


@dataclass
class FinderCase:
    """A case the peer created for a report the reference finder submitted to it."""

    case_id: str
    report_id: str
    owner: str
    manager: str
    participants: dict[str, dict[str, Any]]


def peer_creates_case_for_finder(finder: RefServer, peer: ScriptedPeer,
                                 separate_manager: bool = True) -> FinderCase:
    """Drive the sequence the reference finder accepts: it submits a report to the peer's
    vendor; the vendor answers ``Create(VulnerabilityCase)`` naming a ``case_manager``."""
    owner = peer.actor(f"vendor-{uuid.uuid4().hex[:8]}")
    manager = peer.actor(f"case-{uuid.uuid4().hex[:8]}") if separate_manager else owner
    offer = finder.submit_report(owner)
    delivered = peer.wait_for(owner.rsplit("/", 1)[1], "Offer", "VulnerabilityReport")
    assert delivered["to"] == [owner] and delivered["id"] == offer["id"]
    report_id = offer["object"]["id"]
    case_id = f"urn:uuid:{uuid.uuid4()}"
    parts = {finder.actor_id: build_participant(finder.actor_id, case_id, ["finder", "reporter"])}
    if separate_manager:
        parts[owner] = build_participant(owner, case_id, ["vendor", "case_owner"])
        parts[manager] = build_participant(manager, case_id, ["case_manager", "coordinator"])
    else:
        parts[owner] = build_participant(
            owner, case_id, ["vendor", "case_owner", "case_manager", "coordinator"])
    case = build_case(case_id, manager, list(parts.values()), [report_id])
    create = build_activity(peer.base, "Create", owner, [finder.actor_id], case, context=case_id)
    assert finder.post_inbox(create).status_code == 202
    wait_for(lambda: finder.rm_state(case_id, finder.actor_id), what="the finder's case replica")
    return FinderCase(case_id, report_id, owner, manager, parts)


def short(actor_id: str) -> str:
    return actor_id.rsplit("/", 1)[1]


# --------------------------------------------------------------------------------------------
# Bridge half: a whole bridge on loopback instead of the scripted peer. First in the module:
# the scripted peers of the tests below stop when their test ends, and the reference keeps
# retrying its deliveries to them in its log for a while.
# --------------------------------------------------------------------------------------------


@pytest.fixture
def bridge(finder: RefServer, vendor: RefServer, tmp_path: Path) -> Iterator[LiveWorld]:
    with live_world(tmp_path, finder, vendor) as w:
        yield w


def settled(w: LiveWorld, probe: Callable[[], Any], what: str) -> Any:
    """Wait for ``probe`` (bounded) while the bridge processes and delivers."""
    return wait_for(lambda: w.pump() >= 0 and probe(), what=what)


def bridge_case_for_report(w: LiveWorld, report_id: str) -> str | None:
    """The case the bridge opened for ``report_id`` (its store), if any."""
    return w.bridge_case_of(report_id)


def bridge_case_manager(w: LiveWorld, case_id: str) -> str:
    """The actor the bridge names as ``case_manager`` in that case (its store)."""
    with w.rt.sessions() as session:
        case = cases.load_case(session, case_id)
    assert case is not None, f"the bridge does not know case {case_id}"
    return next(a for a, p in case.participants.items() if "case_manager" in p.roles)


def bridge_propose_embargo(w: LiveWorld, case_id: str, days: int) -> None:
    """The maintainer comments ``/vultron embargo propose <end>`` on the case's issue."""
    end = (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)
    w.tracker.human_comment(w.issue(case_id), f"/vultron embargo propose {end.isoformat()}")


def test_bridge_as_vendor_against_reference_finder(finder: RefServer,
                                                   bridge: LiveWorld) -> None:
    """The reference finder reports to the bridge; validating it, the bridge must seed the
    finder's replica, name a case manager, and get an embargo to ACTIVE on both sides."""
    offer = finder.submit_report(bridge.bridge_actor, name="bridge interop")
    report_id = offer["object"]["id"]
    settled(bridge, lambda: bridge.links_of(report_id), "the bridge's issue for the report")
    bridge.tracker.human_label(bridge.issue(report_id), "vultron:valid")
    case_id = settled(bridge, lambda: bridge_case_for_report(bridge, report_id), "bridge case")
    settled(bridge, lambda: finder.rm_state(case_id, finder.actor_id), "finder replica")
    assert finder.roles(case_id, bridge_case_manager(bridge, case_id))
    bridge_propose_embargo(bridge, case_id, days=30)
    settled(bridge, lambda: finder.consent(case_id, finder.actor_id) == "INVITED", "INVITED")
    assert finder.trigger("accept-embargo", {"case_id": case_id}).status_code == 202
    settled(bridge, lambda: finder.em_state(case_id) == "ACTIVE", "EM ACTIVE at the finder")
    view = settled(bridge, lambda: bridge.bridge_view(case_id), "the bridge's view")
    assert view.em == "ACTIVE" and view.embargo_id == finder.active_embargo(case_id)


@pytest.fixture(scope="module")
def flows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Played]]:
    """Each flow played once, live, against both reference servers (a fresh bridge each)."""
    plays: dict[str, Played] = {}
    with httpx.Client(timeout=30) as client:
        def flow(name: str) -> Played:
            if name not in plays:
                finder, vendor = ref_servers(client, FINDER_URL, VENDOR_URL, FINDER_LOG,
                                             VENDOR_LOG)
                with live_world(tmp_path_factory.mktemp(f"live-{name}"), finder, vendor) as w:
                    plays[name] = play(w, name)
                if RECORD_DIR:
                    out = Path(RECORD_DIR) / f"live-{name}.md"
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_text(plays[name].markdown(), encoding="utf-8")
            return plays[name]

        yield flow


STEPS = [(flow, step.name) for flow, steps in FLOWS.items() for step in steps]


@pytest.mark.parametrize(("flow", "step"), STEPS, ids=[f"{f}-{s}" for f, s in STEPS])
def test_live_step(flows: Callable[[str], Played], flow: str, step: str) -> None:
    """After ``step`` (its flow played in order up to it): nothing refused, deferred or
    dead-lettered on either side, and both sides agree on RM, EM (embargo id and end) and
    CS; the message lists every problem step by step, where it first appeared."""
    played = flows(flow)
    record = played.at(step)
    assert not record.error, record.error
    assert not record.standing, "\n" + played.report(step)


# --------------------------------------------------------------------------------------------
# Tests: the reference as FINDER, the scripted peer as vendor / case owner
# --------------------------------------------------------------------------------------------


def test_finder_seeds_the_case_from_its_report_recipient(finder: RefServer,
                                                         peer: ScriptedPeer) -> None:
    c = peer_creates_case_for_finder(finder, peer)
    assert finder.rm_state(c.case_id, finder.actor_id) == "ACCEPTED"
    assert finder.roles(c.case_id, c.manager) == ["case_manager", "coordinator"]
    assert finder.em_state(c.case_id) == "NONE"
    rules = finder.action_rules(c.case_id, finder.actor_id)
    assert (rules["rm_state"], rules["em_state"], rules["vfd_state"]) == ("ACCEPTED", "NONE", "vfd")


def test_finder_addresses_case_messages_to_the_case_manager_only(finder: RefServer,
                                                                peer: ScriptedPeer) -> None:
    c = peer_creates_case_for_finder(finder, peer)
    r = finder.demo("add-note-to-case", {"case_id": c.case_id, "note_name": "q",
                                         "note_content": "is there a workaround?"})
    assert r.status_code == 202, r.text
    create = peer.wait_for(short(c.manager), "Create", "Note")
    add = peer.wait_for(short(c.manager), "Add", "Note")
    assert create["to"] == [c.manager] and add["to"] == [c.manager]
    assert add["target"] == c.case_id and create["object"]["context"] == c.case_id
    assert not peer.inbox(short(c.owner))[1:], "nothing but the Offer goes to the owner"


def test_finder_without_a_case_manager_cannot_send(finder: RefServer, peer: ScriptedPeer) -> None:
    owner = peer.actor(f"vendor-{uuid.uuid4().hex[:8]}")
    offer = finder.submit_report(owner)
    case_id = f"urn:uuid:{uuid.uuid4()}"
    parts = [build_participant(owner, case_id, ["vendor", "case_owner"]),
             build_participant(finder.actor_id, case_id, ["finder", "reporter"])]
    case = build_case(case_id, owner, parts, [offer["object"]["id"]])
    create = build_activity(peer.base, "Create", owner, [finder.actor_id], case, context=case_id)
    assert finder.post_inbox(create).status_code == 202
    wait_for(lambda: finder.case(case_id), what="the case replica")
    r = finder.demo("add-note-to-case", {"case_id": case_id, "note_name": "n", "note_content": "c"})
    assert r.status_code == 422 and "CASE_MANAGER" in r.text


def test_embargo_invite_accept_and_activation(finder: RefServer, peer: ScriptedPeer) -> None:
    c = peer_creates_case_for_finder(finder, peer)
    embargo = build_embargo(peer.base, c.case_id, c.owner)
    invite = build_activity(peer.base, "Invite", c.owner, [finder.actor_id], embargo,
                            context=c.case_id)
    assert finder.post_inbox(invite).status_code == 202
    wait_for(lambda: finder.consent(c.case_id, finder.actor_id) == "INVITED", what="INVITED")

    r = finder.trigger("accept-embargo", {"case_id": c.case_id})
    assert r.status_code == 202, r.text
    accept = peer.wait_for(short(c.manager), "Accept", "Invite")
    assert accept["to"] == [c.manager], "answered to the case manager, not the inviting owner"
    assert accept["object"]["id"] == invite["id"] and accept["context"] == c.case_id
    wait_for(lambda: finder.consent(c.case_id, finder.actor_id) == "SIGNATORY", what="SIGNATORY")
    assert finder.em_state(c.case_id) == "NONE", "consent alone does not activate"

    add = build_activity(peer.base, "Add", c.manager, [finder.actor_id], embargo,
                         target=c.case_id, context=c.case_id)
    assert finder.post_inbox(add).status_code == 202
    wait_for(lambda: finder.em_state(c.case_id) == "ACTIVE", what="EM ACTIVE")
    assert finder.active_embargo(c.case_id) == embargo["id"]

    r = finder.trigger("terminate-embargo", {"case_id": c.case_id})
    assert r.status_code == 202, r.text
    remove = peer.wait_for(short(c.manager), "Remove", "EmbargoEvent")
    assert remove["to"] == [c.manager] and remove["origin"] == c.case_id
    wait_for(lambda: finder.em_state(c.case_id) == "EXITED", what="EM EXITED")


def test_participant_status_is_applied_and_omitted_rm_is_a_regression(
        finder: RefServer, peer: ScriptedPeer) -> None:
    c = peer_creates_case_for_finder(finder, peer)
    owner_pid = c.participants[c.owner]["id"]
    good = build_status(peer.base, c.case_id, c.owner, "ACCEPTED", "VFd", ["vendor"])
    act = build_activity(peer.base, "Add", c.owner, [finder.actor_id], good, target=owner_pid,
                         context=c.case_id)
    assert finder.post_inbox(act).status_code == 202
    wait_for(lambda: finder.vfd_state(c.case_id, c.owner) == "VFd", what="VFd recorded")

    bad = build_status(peer.base, c.case_id, c.owner, None, "VFD", ["vendor"])
    act = build_activity(peer.base, "Add", c.owner, [finder.actor_id], bad, target=owner_pid,
                         context=c.case_id)
    assert finder.post_inbox(act).status_code == 202
    note = peer.wait_for(short(c.owner), "Add", "Note",
                         lambda b: "RM state regression" in str(b["object"].get("name")))
    assert note["to"] == [c.owner]
    wait_for(lambda: finder.vfd_state(c.case_id, c.owner) == "VFD", what="vfd still applied")
    assert finder.rm_state(c.case_id, c.owner) == "ACCEPTED", "rm carried forward"


def test_finder_leaves_the_case_through_the_case_manager(finder: RefServer,
                                                        peer: ScriptedPeer) -> None:
    c = peer_creates_case_for_finder(finder, peer)
    r = finder.demo("close-case", {"case_id": c.case_id})
    assert r.status_code == 202, r.text
    leave = peer.wait_for(short(c.manager), "Leave", "VulnerabilityCase")
    assert leave["to"] == [c.manager] and leave["object"]["id"] == c.case_id


def test_inbox_refusals_are_http_errors_only_for_transport_problems(
        finder: RefServer, vendor: RefServer, peer: ScriptedPeer) -> None:
    finder.ensure_actor(vendor.actor_id, "Vendor")
    note = {"type": "Note", "id": new_id(peer.base, "notes"), "content": "x"}
    misaddressed = build_activity(peer.base, "Create", peer.actor("p"), [vendor.actor_id], note)
    r = finder.post_inbox(misaddressed)
    assert r.status_code == 400 and "not addressed" in r.text
    unknown_addressee = build_activity(peer.base, "Create", peer.actor("p"), [peer.actor("q")],
                                       note)
    assert finder.post_inbox(unknown_addressee).status_code == 202, "liberal accept"
    assert finder.post_inbox({"id": new_id(peer.base, "a")}).status_code == 400
    assert finder.post_inbox({"type": "Frobnicate", "id": new_id(peer.base, "a")}
                             ).status_code == 422
    assert finder.post_inbox(unknown_addressee, actor=f"nobody-{uuid.uuid4().hex[:6]}"
                             ).status_code == 404


# --------------------------------------------------------------------------------------------
# Tests: the reference as VENDOR (self-hosted CaseActor), the scripted peer as finder/invitee
# --------------------------------------------------------------------------------------------


def peer_offers_report_to_vendor(vendor: RefServer, peer: ScriptedPeer) -> tuple[str, str, str]:
    """The peer's finder offers a report; returns (finder id, case id, case actor id) once the
    vendor's CaseActor has sent ``Create(VulnerabilityCase)`` to the peer."""
    finder_id = peer.actor(f"finder-{uuid.uuid4().hex[:8]}")
    report = {"type": "VulnerabilityReport", "id": new_id(peer.base, "reports"),
              "name": "interop report", "content": "SQL injection in login",
              "attributedTo": finder_id, "published": now()}
    offer = build_activity(peer.base, "Offer", finder_id, [vendor.actor_id], report,
                           target=vendor.actor_id)
    assert vendor.post_inbox(offer).status_code == 202
    create = peer.wait_for(short(finder_id), "Create", "VulnerabilityCase")
    assert finder_id in create["to"] and vendor.actor_id in create["to"]
    return finder_id, create["object"]["id"], create["actor"]


def test_vendor_creates_the_case_on_offer_with_a_case_actor(vendor: RefServer,
                                                          peer: ScriptedPeer) -> None:
    finder_id, case_id, case_actor = peer_offers_report_to_vendor(vendor, peer)
    assert "/actors/case-actor-" in case_actor
    assert vendor.roles(case_id, case_actor) == ["coordinator", "case_manager"]
    assert vendor.roles(case_id, vendor.actor_id) == ["vendor", "case_owner"]
    assert vendor.roles(case_id, finder_id) == ["reporter"]
    assert vendor.rm_state(case_id, finder_id) == "ACCEPTED"
    assert vendor.rm_state(case_id, vendor.actor_id) == "RECEIVED"
    assert vendor.em_state(case_id) == "ACTIVE"
    assert vendor.consent(case_id, finder_id) == "SIGNATORY", "the reporter is signed up unasked"


def test_notes_go_to_the_case_actor_not_the_owner(vendor: RefServer, peer: ScriptedPeer) -> None:
    finder_id, case_id, case_actor = peer_offers_report_to_vendor(vendor, peer)
    to_owner = {"type": "Note", "id": new_id(peer.base, "notes"), "name": "n1",
                "content": "to the owner", "context": case_id, "attributedTo": finder_id}
    act = build_activity(peer.base, "Add", finder_id, [vendor.actor_id], to_owner, target=case_id)
    assert vendor.post_inbox(act).status_code == 202
    to_manager = dict(to_owner, id=new_id(peer.base, "notes"), content="to the case actor")
    for kind, extra in (("Create", {}), ("Add", {"target": case_id})):
        act = build_activity(peer.base, kind, finder_id, [case_actor], to_manager, **extra)
        assert vendor.post_inbox(act, actor=short(case_actor)).status_code == 202
    wait_for(lambda: to_manager["id"] in vendor.notes(case_id), what="note attached")
    assert to_owner["id"] not in vendor.notes(case_id), "a note sent to the owner is dropped"
    entry = peer.wait_for(short(finder_id), "Announce", "CaseLedgerEntry",
                          lambda b: b["object"].get("eventType") == "add_note_to_case")
    assert entry["actor"] == case_actor


def test_invite_actor_to_case_and_accept(vendor: RefServer, peer: ScriptedPeer) -> None:
    _, case_id, case_actor = peer_offers_report_to_vendor(vendor, peer)
    invitee = peer.actor(f"vendor2-{uuid.uuid4().hex[:8]}")
    r = vendor.trigger("invite-actor-to-case", {"case_id": case_id, "invitee_id": invitee})
    assert r.status_code == 404, "the invitee must be registered first"
    vendor.ensure_actor(invitee, "Vendor2")
    r = vendor.trigger("invite-actor-to-case",
                       {"case_id": case_id, "invitee_id": invitee, "roles": ["vendor"]})
    assert r.status_code == 202, r.text
    invite = peer.wait_for(short(invitee), "Invite")
    assert invite["actor"] == case_actor and invite["to"] == [invitee]
    assert invite["cc"] == [case_actor] and invite["target"] == case_id
    assert invite["object"]["id"] == invitee and invite["roles"] == ["vendor"]

    accept = build_activity(peer.base, "Accept", invitee, [case_actor], invite, context=case_id)
    assert vendor.post_inbox(accept, actor=short(case_actor)).status_code == 202
    wait_for(lambda: vendor.rm_state(case_id, invitee) == "RECEIVED", what="invitee participant")
    case = vendor.case(case_id) or {}
    assert case["actorParticipantIndex"][invitee] == f"{case_id}/participants/{short(invitee)}"
    assert vendor.roles(case_id, invitee) == ["vendor"]
    assert vendor.consent(case_id, invitee) == "SIGNATORY"
    peer.wait_for(short(invitee), "Announce", "VulnerabilityCase")
