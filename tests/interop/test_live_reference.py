"""Interoperability against *running* CERTCC/Vultron reference servers (not a replay).

Skipped unless ``VULTRON_REF_FINDER_URL`` and ``VULTRON_REF_VENDOR_URL`` name the API bases
of two reference servers (``http://127.0.0.1:PORT/api/v2``), one actor each — the reference's
multi-actor layout: actor ``finder`` on the first, ``vendor`` (self-hosting its CaseActor) on
the second. The reference is never part of this repository; start it from outside, e.g. with
the helper script the interop notes describe (``run.sh start 17901 17902``).

The module has two halves:

* the **reference-facing half** (``RefServer`` and the ``build_*`` activity builders):
  create actors, fire the reference's trigger endpoints, post to its inboxes and read back what
  it holds (RM/EM/VFD per case participant, notes, embargo) through its datalayer read API;
* the **peer half**: whatever stands opposite the reference. Today that is ``ScriptedPeer`` —
  a loopback inbox (``<peer>/actors/<name>/inbox/`` → 202) that records what the reference
  delivers, plus the hand-built activities the reference demonstrably accepts. The bridge half
  (``bridge_*`` functions at the end) is where the bridge replaces the scripted peer; those
  tests are skipped until ``VULTRON_BRIDGE_URL`` is set and the functions are wired.

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
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from tests.support.servers import running_app

FINDER_URL = os.environ.get("VULTRON_REF_FINDER_URL", "").rstrip("/")
VENDOR_URL = os.environ.get("VULTRON_REF_VENDOR_URL", "").rstrip("/")
BRIDGE_URL = os.environ.get("VULTRON_BRIDGE_URL", "").rstrip("/")

pytestmark = pytest.mark.skipif(
    not (FINDER_URL and VENDOR_URL),
    reason="needs running CERTCC/Vultron reference servers: set VULTRON_REF_FINDER_URL and "
    "VULTRON_REF_VENDOR_URL to their API bases (http://127.0.0.1:PORT/api/v2)",
)

WAIT = 15.0
"""Seconds to wait for the reference's background processing and deliveries."""


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()


def wait_for(probe: Callable[[], Any], timeout: float = WAIT, what: str = "condition") -> Any:
    """Poll ``probe`` until it returns something truthy; return it, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.2)


# --------------------------------------------------------------------------------------------
# Reference-facing half
# --------------------------------------------------------------------------------------------


@dataclass
class RefServer:
    """One reference server (its ``/api/v2`` base) and the local actor it hosts."""

    base: str
    actor_short: str
    client: httpx.Client

    @property
    def actor_id(self) -> str:
        return f"{self.base}/actors/{self.actor_short}"

    def ensure_actor(self, actor_id: str, name: str, actor_type: str = "Organization") -> None:
        """Register an actor record (``POST /actors/``; 201 new, 200 existing). Needed for
        trigger targets the reference looks up (invitees) and it makes IE-11-001 strict."""
        r = self.client.post(
            f"{self.base}/actors/", json={"name": name, "actor_type": actor_type, "id": actor_id}
        )
        assert r.status_code in (200, 201), r.text

    def trigger(self, name: str, body: dict[str, Any], actor: str | None = None) -> httpx.Response:
        """``POST /actors/{actor}/trigger/{name}`` (answers 202 ``{"activity": …}`` or 4xx)."""
        return self.client.post(f"{self.base}/actors/{actor or self.actor_short}/trigger/{name}",
                                json=body)

    def demo(self, name: str, body: dict[str, Any], actor: str | None = None) -> httpx.Response:
        """``POST /actors/{actor}/demo/{name}`` (add-note-to-case, notify-*, close-case)."""
        return self.client.post(f"{self.base}/actors/{actor or self.actor_short}/demo/{name}",
                                json=body)

    def post_inbox(self, activity: dict[str, Any], actor: str | None = None) -> httpx.Response:
        """Deliver ``activity`` as a peer would (plain JSON, unsigned — as the reference does)."""
        return self.client.post(f"{self.base}/actors/{actor or self.actor_short}/inbox/",
                                json=activity)

    def get(self, object_id: str) -> dict[str, Any] | None:
        """``GET /datalayer/{id}``: the stored object (case, participant, note …) or None."""
        r = self.client.get(f"{self.base}/datalayer/{object_id}")
        if r.status_code == 404:
            return None
        r.raise_for_status()
        data = r.json()
        return data if isinstance(data, dict) and data.get("id") else None

    def case(self, case_id: str) -> dict[str, Any] | None:
        data = self.get(case_id)
        return data if data and data.get("type") == "VulnerabilityCase" else None

    def cases(self) -> dict[str, Any]:
        r = self.client.get(f"{self.base}/datalayer/VulnerabilityCases/")
        r.raise_for_status()
        data = r.json()
        return data if isinstance(data, dict) else {}

    def participant(self, case_id: str, actor_id: str) -> dict[str, Any] | None:
        """The *current* participant record of ``actor_id`` in the case (read by id: the
        participants inlined in the stored case row can be stale)."""
        case = self.case(case_id)
        if not case:
            return None
        pid = case.get("actorParticipantIndex", {}).get(actor_id)
        return self.get(pid) if pid else None

    def rm_state(self, case_id: str, actor_id: str) -> str | None:
        p = self.participant(case_id, actor_id)
        statuses = (p or {}).get("participantStatuses") or []
        return statuses[-1].get("rmState") if statuses else None

    def vfd_state(self, case_id: str, actor_id: str) -> str | None:
        p = self.participant(case_id, actor_id)
        statuses = (p or {}).get("participantStatuses") or []
        return statuses[-1].get("vfdState") if statuses else None

    def consent(self, case_id: str, actor_id: str) -> str | None:
        return (self.participant(case_id, actor_id) or {}).get("embargoConsentState")

    def roles(self, case_id: str, actor_id: str) -> list[str]:
        return list((self.participant(case_id, actor_id) or {}).get("caseRoles") or [])

    def em_state(self, case_id: str) -> str | None:
        statuses = (self.case(case_id) or {}).get("caseStatuses") or []
        last = statuses[-1] if statuses else None
        return last.get("emState") if isinstance(last, dict) else None

    def active_embargo(self, case_id: str) -> str | None:
        return (self.case(case_id) or {}).get("activeEmbargo")

    def notes(self, case_id: str) -> list[str]:
        notes = (self.case(case_id) or {}).get("notes") or []
        return [n if isinstance(n, str) else n.get("id") for n in notes]

    def ledger(self, case_id: str) -> list[dict[str, Any]]:
        """The case ledger as this server holds it (``GET …/demo/cases/{case}/log``)."""
        r = self.client.get(f"{self.base}/actors/{self.actor_short}/demo/cases/{case_id}/log")
        return r.json() if r.status_code == 200 and isinstance(r.json(), list) else []

    def action_rules(self, case_id: str, actor_id: str) -> dict[str, Any]:
        """``rm_state/em_state/vfd_state/pxa_state/cs_state`` in one call. Only for ``urn:``
        case ids: an ``http://`` case id breaks the route (its ``{actor_id:path}`` is greedy)."""
        r = self.client.get(f"{self.base}/actors/{actor_id}/cases/{case_id}/action-rules")
        r.raise_for_status()
        return dict(r.json())

    def submit_report(self, recipient_id: str, name: str = "report") -> dict[str, Any]:
        """Fire submit-report; returns the ``Offer`` the reference delivers to ``recipient_id``."""
        r = self.trigger("submit-report", {"report_name": name, "report_content": f"{name}: a bug",
                                           "recipient_id": recipient_id})
        assert r.status_code == 202, r.text
        return dict(r.json()["offer"])


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


# --------------------------------------------------------------------------------------------
# Bridge half: the bridge instead of the scripted peer. Wire these when the bridge can be
# started on loopback from a test; until then the tests below are skipped.
# --------------------------------------------------------------------------------------------

bridge_only = pytest.mark.skipif(
    not BRIDGE_URL, reason="bridge half not wired: set VULTRON_BRIDGE_URL to a running bridge "
    "whose actors the reference servers can reach, and implement the bridge_* functions")


def bridge_vendor_actor() -> str:
    """The bridge's vendor actor id; the reference delivers to ``<id>/inbox/``."""
    return f"{BRIDGE_URL}/actors/vendor"


def bridge_case_for_report(report_id: str) -> str:
    """The case id the bridge opened for ``report_id`` (from its store or API)."""
    raise NotImplementedError("bridge half: look the case up in the bridge")


def bridge_case_manager(case_id: str) -> str:
    """The actor the bridge names as ``case_manager`` in that case."""
    raise NotImplementedError("bridge half: the bridge's case actor for the case")


def bridge_propose_embargo(case_id: str, days: int) -> None:
    """Make the bridge send ``Invite(EmbargoEvent)`` for the case (tracker action or API)."""
    raise NotImplementedError("bridge half: drive an embargo proposal through the bridge")


@bridge_only
def test_bridge_as_vendor_against_reference_finder(finder: RefServer) -> None:
    """The reference finder reports to the bridge; the bridge must seed the finder's replica,
    name a case manager, and get an embargo to ACTIVE on the finder's side."""
    finder.ensure_actor(bridge_vendor_actor(), "Bridge vendor")
    offer = finder.submit_report(bridge_vendor_actor(), name="bridge interop")
    case_id = wait_for(lambda: bridge_case_for_report(offer["object"]["id"]), what="bridge case")
    wait_for(lambda: finder.rm_state(case_id, finder.actor_id), what="finder replica")
    assert finder.roles(case_id, bridge_case_manager(case_id))
    bridge_propose_embargo(case_id, days=30)
    wait_for(lambda: finder.consent(case_id, finder.actor_id) == "INVITED", what="INVITED")
    assert finder.trigger("accept-embargo", {"case_id": case_id}).status_code == 202
    wait_for(lambda: finder.em_state(case_id) == "ACTIVE", what="EM ACTIVE at the finder")
