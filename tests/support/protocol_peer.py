"""A protocol-checking peer: one reference-implementation *server* on loopback, hosting actors
(``finder``, ``refvendor``, its per-case ``case-actor-…``) at ``/api/v2/actors/{name}`` with
inboxes at ``/api/v2/actors/{name}/inbox/``.

It is built from our own state machines (``tests.support.peer_model``), not from a
recording, and behaves like the reference (CERTCC/Vultron 6883299d) toward what it receives:

* **HTTP**: unknown actor 404; no ``type`` 400; unknown type 422; **mis-addressed 400**
  ``Activity is not addressed to actor <id>.`` (IE-11-001); a duplicate id 202 and nothing
  else; everything else 202, and the protocol decision is taken after — so a refusal is
  *recorded* (``refusals()``), as the reference only logs it;
* **protocol**: every rule in ``peer_model.RULES`` (unknown case — deferred, replayed when
  the case is bootstrapped, reported while still waiting; untrusted case bootstrap; RM
  regression; an embargo id that is not the case's; a sender that is not a participant;
  transitions our machines refuse);
* **as a case actor** (the case's ``case_manager``): every participant message it applies is
  committed to the case ledger and fanned out as ``Announce(CaseLedgerEntry)`` to every
  participant on another server — the bridge gets its own messages back, as from the
  reference.

What the peer's own actors do (offer a report, open a case on a received report, validate,
engage, add a note, report fix-ready, revise/terminate the embargo, invite an actor, close)
goes through the same rules (to its case actor) and reaches other servers in the
reference's wire shapes (``tests.support.reference_wire``), queued until :meth:`flush`.
The reference does not sign; configure the peer's actors as a trusted prefix.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response

from bridge.core.states.pec import PEC
from bridge.core.states.rm import RM
from bridge.core.vocab.activities import ACTIVITY_CLASSES
from tests.support import peer_inbound as inbound
from tests.support import reference_wire as wire
from tests.support.peer_model import (
    EmbargoRecord,
    Note,
    Participant,
    PeerCase,
    PeerReport,
    Refused,
    Status,
    View,
    report_view,
)

J = dict[str, Any]
API = "/api/v2/actors/"


@dataclass(frozen=True)
class PeerActor:
    name: str
    id: str
    kind: str
    """``Person``, ``Organization`` or ``Service``."""
    display: str
    published: datetime


@dataclass(frozen=True)
class Refusal:
    step: str
    receiver: str
    activity_id: str
    shape: str
    rule: str
    reason: str

    def __str__(self) -> str:
        return (f"[{self.step}] {self.receiver.rsplit('/', 1)[-1]} refused {self.shape} "
                f"{self.activity_id} ({self.rule}): {self.reason}")


@dataclass(frozen=True)
class Received:
    step: str
    receiver: str
    activity: J
    outcome: str
    """``processed``, ``refused``, ``deferred``, ``duplicate`` or ``misaddressed``."""


@dataclass(frozen=True)
class Sent:
    step: str
    recipient: str
    activity: J
    status: int | None
    error: str | None = None


def shape(activity: J) -> str:
    obj = activity.get("object")
    kind = obj.get("type") if isinstance(obj, dict) else "ref"
    if isinstance(obj, dict) and isinstance(obj.get("object"), dict):
        kind = f"{kind}({obj['object'].get('type')})"
    return f"{activity.get('type')}({kind})"


@dataclass
class ProtocolPeer:
    """See the module docstring. ``start`` is the peer's clock origin (timestamps advance one
    second per use); ``seed`` makes its ids repeatable."""

    port: int
    start: datetime
    seed: int = 1
    actors: dict[str, PeerActor] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)
    """Actor ids this server knows (its own and registered peers): IE-11-001 looks here."""
    auto_create: set[str] = field(default_factory=set)
    """Vendors that open a case on every report offered to them (``auto_create_case``)."""
    cases: dict[str, PeerCase] = field(default_factory=dict)
    reports: dict[str, PeerReport] = field(default_factory=dict)
    objects: dict[str, J] = field(default_factory=dict)
    """Activities received or sent, by id (an answer carries its Invite/Offer inline)."""
    received: list[Received] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    deferred: list[tuple[str, str, J, str]] = field(default_factory=list)
    """(case id, receiver, activity, step) waiting for the case's bootstrap."""
    outbox: list[tuple[str, J]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    step: str = "setup"
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ticks: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._seen: set[tuple[str, str]] = set()

    # --- identity, time, ids -----------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    def now(self) -> datetime:
        self._ticks += 1
        return self.start + timedelta(seconds=self._ticks)

    def new_id(self) -> str:
        return f"urn:uuid:{uuid.UUID(int=self._rng.getrandbits(128), version=4)}"

    def add_actor(self, name: str, kind: str, display: str) -> PeerActor:
        actor = PeerActor(name, self.base + name, kind, display, self.now())
        self.actors[actor.id] = actor
        self.known.add(actor.id)
        return actor

    def register(self, actor_id: str) -> None:
        """Tell this server about another server's actor (``POST /actors/``, as the
        reference's seed configs do): it then counts for IE-11-001."""
        self.known.add(actor_id)

    # --- HTTP ---------------------------------------------------------------------------------

    def app(self) -> FastAPI:
        app = FastAPI(redirect_slashes=False)

        @app.get(API + "{name}")
        def document(name: str) -> Response:
            found = next((a for a in self.actors.values() if a.name == name), None)
            if found is None:
                return _json(404, {"detail": "Actor not found."})
            return _json(200, {"@context": wire.AS, "id": found.id, "type": found.kind,
                               "name": found.display, "preferredUsername": found.name,
                               "inbox": found.id + "/inbox/", "outbox": found.id + "/outbox/"})

        @app.post(API + "{name}/inbox/")
        async def inbox(name: str, request: Request) -> Response:
            body = await request.body()
            status, detail = self.receive(name, body)
            return _json(status, {"detail": detail}) if detail else Response(status_code=status)

        @app.post(API + "{name}/inbox")
        def no_slash(name: str) -> Response:
            return _json(405, {"detail": "Method Not Allowed"})

        return app

    def receive(self, name: str, body: bytes) -> tuple[int, str | None]:
        """One inbox POST: the HTTP answer (status, detail); the decision is recorded."""
        with self.lock:
            receiver = next((a for a in self.actors.values() if a.name == name), None)
            if receiver is None:
                return 404, "Actor not found."
            try:
                data = json.loads(body)
            except ValueError:
                return 400, "Invalid JSON body."
            if not isinstance(data, dict) or "type" not in data:
                return 400, "Missing 'type' field in activity body."
            if data["type"] not in ACTIVITY_CLASSES:
                return 422, f"Unrecognized activity type: '{str(data['type'])[:40]}'."
            if not self.addressed_to(data, receiver.id):
                self._refuse(receiver.id, data, Refused(
                    "IE-11-001", f"not addressed to {receiver.id} (addresses: "
                                 f"{inbound.addresses(data)})"), "misaddressed")
                return 400, f"Activity is not addressed to actor {receiver.id}."
            key = (receiver.id, str(data.get("id")))
            if key in self._seen:
                self.received.append(Received(self.step, receiver.id, data, "duplicate"))
                return 202, None
            self._seen.add(key)
            self.deliver(receiver.id, data)
            return 202, None

    def addressed_to(self, data: J, receiver: str) -> bool:
        """IE-11-001 (``_activity_addressed_to``): no addresses, the receiver's id or short id,
        or any address this server does not know → addressed."""
        found = inbound.addresses(data)
        short = inbound.short_id(receiver)
        if not found or any(a == receiver or inbound.short_id(a) == short for a in found):
            return True
        known_short = {inbound.short_id(k) for k in self.known}
        return any(inbound.short_id(a) not in known_short for a in found)

    # --- processing -----------------------------------------------------------------------------

    def deliver(self, receiver: str, data: J, step: str | None = None) -> str:
        """Apply one activity at ``receiver`` (an inbox POST, a replay, or one of this server's
        own actors writing to another); returns the outcome recorded."""
        step = step or self.step
        if isinstance(data.get("id"), str):
            self.objects[data["id"]] = data
        try:
            outcome = inbound.process(self, receiver, data, step)
        except Refused as refusal:
            self._refuse(receiver, data, refusal, "refused", step)
            return "refused"
        self.received.append(Received(step, receiver, data, outcome))
        return outcome

    def _refuse(self, receiver: str, data: J, refusal: Refused, outcome: str,
                step: str | None = None) -> None:
        step = step or self.step
        self.refused.append(Refusal(step, receiver, str(data.get("id")), shape(data),
                                    refusal.rule, refusal.reason))
        self.received.append(Received(step, receiver, data, outcome))

    def defer(self, case_id: str, receiver: str, data: J, step: str) -> str:
        self.deferred.append((case_id, receiver, data, step))
        return "deferred"

    def replay(self, case_id: str) -> None:
        """The bootstrap of ``case_id`` arrived: what waited for it is applied, in order."""
        waiting = [d for d in self.deferred if d[0] == case_id]
        self.deferred = [d for d in self.deferred if d[0] != case_id]
        for _, receiver, data, step in waiting:
            self.deliver(receiver, data, step)

    def queue(self, recipient: str, activity: J) -> None:
        """Send ``activity`` to ``recipient``: another server's actor gets it on
        :meth:`flush`; one of ours has it delivered to its inbox here and now."""
        if isinstance(activity.get("id"), str):
            self.objects[activity["id"]] = activity
        if recipient in self.actors:
            self.deliver(recipient, activity)
        else:
            self.outbox.append((recipient, activity))

    def flush(self, timeout: float = 10.0) -> int:
        """Deliver everything queued, in order, to ``{actor id}/inbox/`` (unsigned JSON, as
        the reference); returns how many were sent."""
        with self.lock:
            queued, self.outbox = self.outbox, []
        for recipient, activity in queued:
            status, error = None, None
            try:
                answer = httpx.post(recipient.rstrip("/") + "/inbox/", json=activity,
                                    headers={"Content-Type": "application/json"},
                                    timeout=timeout)
                status = answer.status_code
                error = None if 200 <= status < 300 else answer.text[:300]
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            with self.lock:
                self.sent.append(Sent(self.step, recipient, activity, status, error))
        return len(queued)

    # --- what the tests look at ----------------------------------------------------------------

    def refusals(self) -> list[Refusal]:
        """Every refusal, and every activity still waiting for a case that never came (the
        reference drops those after 300 s)."""
        with self.lock:
            waiting = [Refusal(step, receiver, str(data.get("id")), shape(data), "unknown-case",
                               f"deferred: case {case_id} not yet known locally (dropped "
                               f"after 300 s)")
                       for case_id, receiver, data, step in self.deferred]
            return [*self.refused, *waiting]

    def send_failures(self) -> list[Sent]:
        with self.lock:
            return [s for s in self.sent if s.error is not None]

    def processed(self, receiver: str | None = None) -> list[J]:
        with self.lock:
            return [r.activity for r in self.received if r.outcome == "processed"
                    and (receiver is None or r.receiver == receiver)]

    def sent_in(self, step: str) -> list[J]:
        with self.lock:
            return [s.activity for s in self.sent if s.step == step]

    def subjects(self) -> list[str]:
        """The cases this server knows, and the reports not (yet) in one."""
        with self.lock:
            return [*self.cases, *(r for r, rep in self.reports.items() if rep.case_id is None)]

    def view(self, subject: str, actor: str | None = None) -> View:
        """What this server believes about a case (or a report not yet in one). The actors
        it hosts share one DataLayer, as the reference's do: ``actor``'s view is the server's,
        once it takes part (a participant, or a party to the report)."""
        with self.lock:
            case, report = self.cases.get(subject), self.reports.get(subject)
            if actor is not None:
                assert actor in self.actors, f"{actor} is not hosted here"
                parties = (case.participants if case is not None
                           else (report.offerer, report.offered_to) if report else ())
                assert actor in parties, f"{actor} takes no part in {subject}"
            if case is not None:
                return case.view()
            assert report is not None, f"{subject} is not known here"
            return report_view(report)

    def case(self, case_id: str) -> PeerCase:
        return self.cases[case_id]

    # --- the peer's own actors act (the reference's triggers) --------------------------------

    def offer_report(self, finder: str, to: str, name: str, content: str, *,
                     report_id: str | None = None, offer_id: str | None = None) -> J:
        """submit-report: ``Offer(VulnerabilityReport)`` to ``to`` (A1); the finder will take a
        case bootstrap for this report from ``to`` (its ReportCaseLink)."""
        with self.lock:
            when = self.now()
            report = wire.report_object(report_id or self.new_id(), name, content, finder,
                                        when)
            act = wire.offer(offer_id or self.new_id(), finder, to, report, when)
            self.reports[report["id"]] = PeerReport(report["id"], act, finder, to,
                                                    {finder: RM.ACCEPTED, to: RM.RECEIVED})
            self.queue(to, act)
            return act

    def _own(self, actor: str, kind: str, case: PeerCase, obj: Any, **extra: Any) -> J:
        """One of our participants writes to the case's manager (PCR-08-001); the manager
        applies it here (shared DataLayer) or it is queued for another server."""
        manager = case.manager
        if manager is None:
            self.refused.append(Refusal(self.step, actor, "-", kind, "no-case-manager",
                                        f"case {case.id} has no CASE_MANAGER participant"))
            return {}
        act = wire.activity(kind, self.new_id(), actor, [manager], obj, self.now(),
                            context=case.id, **extra)
        if manager in self.actors:
            self.deliver(manager, act)
        else:
            self.queue(manager, act)
        return act

    def validate(self, vendor: str, report_id: str) -> J:
        with self.lock:
            report = self.reports[report_id]
            case = self.cases[str(report.case_id)]
            return self._own(vendor, "Accept", case, inbound.stored_offer(self, report))

    def engage(self, actor: str, case_id: str) -> J:
        with self.lock:
            case = self.cases[case_id]
            return self._own(actor, "Join", case, wire.case_wire(case))

    def add_note(self, actor: str, case_id: str, name: str, content: str) -> J:
        """add-note-to-case: ``Create(Note)`` then ``Add(Note)`` to the case manager."""
        with self.lock:
            case = self.cases[case_id]
            note = wire.note_wire(Note(self.new_id(), actor, content, name, self.now()), case_id)
            self._own(actor, "Create", case, note)
            return self._own(actor, "Add", case, note, target=wire.case_wire(case))

    def notify_fix_ready(self, vendor: str, case_id: str) -> list[J]:
        """notify-fix-ready: the vendor's statuses vfd → Vfd → VFd (B6)."""
        with self.lock:
            case = self.cases[case_id]
            p = case.participants[vendor]
            out = []
            for vfd in ("Vfd", "VFd"):
                status = Status(self.new_id(), vendor, p.rm, vfd, p.consent, p.status_roles(),
                                self.now())
                target = wire.participant_wire(p, case_id)
                out.append(self._own(vendor, "Add", case, wire.status_wire(status, case_id),
                                     target=target))
            return out

    def propose_revision(self, actor: str, case_id: str, end: datetime) -> J:
        with self.lock:
            case = self.cases[case_id]
            when = self.now()
            record = EmbargoRecord(self.new_id(), when, end, when)
            return self._own(actor, "Invite", case, wire.embargo_wire(record, case_id))

    def terminate_embargo(self, actor: str, case_id: str) -> J:
        with self.lock:
            case = self.cases[case_id]
            record = case.embargoes[str(case.active)]
            obj = wire.embargo_wire(record, case_id)
            return self._own(actor, "Remove", case, obj, origin=case_id)

    def close_case(self, actor: str, case_id: str) -> J:
        with self.lock:
            case = self.cases[case_id]
            return self._own(actor, "Leave", case, wire.case_wire(case))

    def accept_embargo(self, actor: str, case_id: str, embargo_id: str) -> J:
        """accept-embargo: ``Accept(<the Invite inline>)`` to the case manager (A4 finding);
        applied here first (only the owner's answer moves the case's EM)."""
        with self.lock:
            case = self.cases[case_id]
            invite = self.objects[str(case.pending_record(embargo_id).invite_id)]
            if case.manager is not None:
                case.answer(actor, embargo_id, True)
            return self._own(actor, "Accept", case, invite)

    def invite(self, case_id: str, invitee: str, roles: list[str], name: str) -> J:
        """invite-actor-to-case: the case actor's ``Invite(<actor> -> case)`` (V4 finding)."""
        with self.lock:
            case = self.cases[case_id]
            manager, when = str(case.manager), self.now()
            obj = {**wire.actor_record(invitee, "Organization", name, when),
                   "inbox": {"id": self.new_id(), "type": "OrderedCollection", "items": [],
                             "current": 0},
                   "outbox": {"id": self.new_id(), "type": "OrderedCollection", "items": [],
                              "current": 0}}
            invite_id = self.new_id()
            act = {"actor": manager, "cc": [manager], "id": invite_id,
                   "name": f"{manager} Invite {invitee} to {case_id}", "object": obj,
                   "published": wire.z(when), "roles": roles, "target": case_id,
                   "to": [invitee], "type": "Invite", "updated": wire.z(when)}
            case.invitations[invite_id] = (invitee, roles)
            self.queue(invitee, act)
            return act

    def participant(self, case: PeerCase, actor: str, roles: list[str], name: str,
                    statuses: list[RM], consent: PEC = PEC.SIGNATORY) -> Participant:
        when = self.now()
        p = Participant(self.new_id(), actor, roles, name, when, consent=consent)
        for state in statuses:
            p.statuses.append(Status(self.new_id(), actor, state, "vfd", consent,
                                     p.status_roles(), when))
        case.participants[actor] = p
        return p


def _json(status: int, body: J) -> Response:
    return Response(json.dumps(body), status_code=status, media_type="application/json")

