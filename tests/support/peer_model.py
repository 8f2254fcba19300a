"""The protocol peer's model of a case, built from the bridge's own state machines.

One :class:`PeerCase` per case as one reference server knows it (the reference keeps one
DataLayer per server, shared by the actors it hosts): participants with their RM history
(``bridge.core.states.rm``), embargo consent (``pec``), the embargo as our EM machine's
:class:`~bridge.core.states.em.Embargo` *plus* the real EmbargoEvent ids (the active one, the
pending proposals), the case state (``cs``), notes, and the case ledger. Before a case exists
a :class:`PeerReport` holds the report phase (who offered what to whom, their RM).

Every change is checked first and applied only when allowed; what our machines refuse, or what
the reference refuses on top of them, raises :class:`Refused` naming the rule (``RULES``, each
with where the reference does it — see ``/work/notes/reference-findings.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from typing import Any

from bridge.core.errors import BridgeError
from bridge.core.states import cs, em, pec, rm
from bridge.core.states.cs import CaseState
from bridge.core.states.cs_names import parse_pxa, parse_vfd
from bridge.core.states.em import EM, Embargo, EMEvent
from bridge.core.states.pec import PEC, PECEvent
from bridge.core.states.rm import RM, RMEvent

RULES: dict[str, str] = {
    "IE-11-001": "inbox answers 400 'Activity is not addressed to actor <id>' when every "
                 "to/cc/bto/bcc address is an actor the server knows and none is the receiver "
                 "(routers/actors/_inbox.py _activity_addressed_to; findings §2, A6)",
    "unknown-case": "an activity whose case context is not known locally is deferred and "
                    "dropped after 300 s (DeferCheckNode, core/behaviors/inbox/nodes/"
                    "pipeline.py:235-306; findings §1, live flow A)",
    "untrusted-bootstrap": "Create(VulnerabilityCase) only from the actor the receiver offered "
                           "the report to, or the case's CASE_MANAGER participant; "
                           "Announce(VulnerabilityCase) only from the case actor "
                           "(core/use_cases/received/case/create.py:44-220, received/actor/"
                           "announce.py PCR-03-001; findings §1, A')",
    "rm-regression": "Add(ParticipantStatus) whose RM goes backwards, or anything after CLOSED "
                     "(core/behaviors/status/nodes/_adjudication.py _rm_is_acceptable, "
                     "rm_anomaly.py; findings A5)",
    "vfd-regression": "Add(ParticipantStatus) whose vfd goes backwards (_adjudication.py "
                      "is_monotonic_vfd_forward)",
    "embargo-id": "an embargo answer or terminate naming an EmbargoEvent that is not the "
                  "case's (pending proposal / active embargo) (core/services/"
                  "embargo_lifecycle.py; findings A4, live flow B)",
    "not-participant": "a case message from an actor who is not a participant of the case "
                       "(VerifySenderIsParticipantNode, core/behaviors/status/nodes/"
                       "conditions.py:42-111; findings A6)",
    "transition": "a transition our own RM/EM/CS/PEC machines refuse",
    "unparseable": "a body whose payload does not parse (ParsePayload: rejected; findings A5)",
    "status-target": "Add(ParticipantStatus) whose target is not a CaseParticipant of the case "
                     "(an actor id, or none): no semantic matches (AddParticipantStatusTo"
                     "ParticipantPattern, wire/as2/extractor/_instances.py:382: target_="
                     "CASE_PARTICIPANT); live I5: 'unknown use case called for event'",
    "no-case-manager": "a case with no CASE_MANAGER participant: every participant-originated "
                       "message fails (SvcAddNoteToCaseUseCase failed: No CASE_MANAGER "
                       "participant found; findings A2, PCR-08-001)",
}


class Refused(Exception):
    """The peer (like the reference) will not apply an activity: ``rule`` is a key of RULES."""

    def __init__(self, rule: str, reason: str) -> None:
        assert rule in RULES, rule
        super().__init__(f"{rule}: {reason}")
        self.rule = rule
        self.reason = reason


@cache
def _reachable(state: RM) -> frozenset[RM]:
    seen: set[RM] = set()
    frontier = {state}
    while frontier:
        frontier = {dst for (src, _), dst in rm.TRANSITIONS.items() if src in frontier} - seen
        seen |= frontier
    return frozenset(seen)


def rm_acceptable(current: RM, asserted: RM) -> bool:
    """The reference's ``_rm_is_acceptable`` with "forward" read off our RM machine: nothing
    after CLOSED; else a confirmation or any state our transitions reach from ``current``."""
    if current is RM.CLOSED:
        return False
    return asserted is current or asserted in _reachable(current)


def rm_step(current: RM, event: RMEvent, who: str) -> RM | None:
    """The RM after ``event`` (None: ``current`` already is where the event leads)."""
    try:
        return rm.transition(current, event)
    except BridgeError as exc:
        if current in {dst for (_, ev), dst in rm.TRANSITIONS.items() if ev is event}:
            return None
        raise Refused("transition", f"RM of {who}: {exc.reason}") from exc


def _vfd_events(current: str, asserted: str) -> list[cs.CSEvent]:
    before, after = CaseState(vfd=parse_vfd(current)), CaseState(vfd=parse_vfd(asserted))
    if not before.happened <= after.happened:
        raise Refused("vfd-regression", f"vfd {current} -> {asserted} goes backwards")
    return [e for e in cs.VFD_EVENTS if e in after.happened - before.happened]


@dataclass
class Status:
    """One ParticipantStatus as the server stores it."""

    id: str
    actor: str
    rm: RM
    vfd: str
    consent: PEC
    roles: tuple[str, ...]
    published: datetime


@dataclass
class Participant:
    id: str
    actor: str
    roles: list[str]
    name: str
    published: datetime
    statuses: list[Status] = field(default_factory=list)
    consent: PEC = PEC.NO_EMBARGO
    accepted_embargoes: list[str] = field(default_factory=list)

    @property
    def rm(self) -> RM:
        return self.statuses[-1].rm if self.statuses else RM.START

    @property
    def vfd(self) -> str:
        return self.statuses[-1].vfd if self.statuses else "vfd"

    def status_roles(self) -> tuple[str, ...]:
        return tuple(r.upper() for r in self.roles)


@dataclass
class EmbargoRecord:
    id: str
    start: datetime
    end: datetime
    published: datetime
    invite_id: str | None = None


@dataclass
class Note:
    id: str
    author: str
    content: str
    name: str | None
    published: datetime


@dataclass
class PeerReport:
    """The report phase: an Offer, its two parties and their RM (before a case exists)."""

    id: str
    offer: dict[str, Any]
    offerer: str
    offered_to: str
    rm: dict[str, RM]
    """Report-phase RM statuses: the reference writes one for the offerer and, on a received
    RV, for the validating actor (``TransitionRMtoValid``), and none for RI/RC."""
    case_id: str | None = None
    """Set once a case holding the report is bootstrapped here."""
    answers: dict[str, tuple[str, RM]] = field(default_factory=dict)
    """Each actor's stored answer to the Offer before a case exists (the answer's id, and the
    RM it reads as: TentativeReject INVALID, Reject CLOSED). The reference stores the
    activity and records no RM for it ("no case found for report … RM state not updated"):
    this is what it holds of that actor's RM."""


@dataclass(frozen=True)
class View:
    """What one side believes about a subject: RM per participant, EM (with the embargo's
    real id and end), pending proposals, CS (None for a report: no case state yet)."""

    subject: str
    rm: dict[str, str]
    em: str
    embargo_id: str | None = None
    embargo_end: datetime | None = None
    end_known: bool = True
    """False when the end never crossed the wire (the reference announces its default
    embargo as a bare id): the other side cannot know it."""
    pending: dict[str, datetime | None] = field(default_factory=dict)
    cs: str | None = None


@dataclass
class PeerCase:
    id: str
    attributed_to: str | None
    published: datetime
    participants: dict[str, Participant] = field(default_factory=dict)
    reports: list[dict[str, Any]] = field(default_factory=list)
    embargo: Embargo = field(default_factory=Embargo)
    active: str | None = None
    pending: dict[str, EmbargoRecord] = field(default_factory=dict)
    embargoes: dict[str, EmbargoRecord] = field(default_factory=dict)
    state: CaseState = field(default_factory=CaseState)
    status_id: str = ""
    notes: dict[str, Note] = field(default_factory=dict)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    invitations: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    """Invite(actor -> case) ids this server sent: invitee and roles."""
    ends_told: set[str] = field(default_factory=set)
    """Embargo ids whose end crossed the wire between this peer and its counterpart."""
    proposed_ids: list[str] = field(default_factory=list)
    """``proposedEmbargoes`` as the reference keeps it: every proposal not yet removed (the
    active one included)."""

    # --- who is who ---------------------------------------------------------------------

    def with_role(self, role: str) -> str | None:
        return next((a for a, p in self.participants.items() if role in p.roles), None)

    @property
    def owner(self) -> str | None:
        return self.with_role("case_owner") or self.attributed_to

    @property
    def manager(self) -> str | None:
        return self.with_role("case_manager")

    def speaks_for_owner(self, actor: str | None) -> bool:
        """The reference moves a case's EM only on its owner's word (``is_owner`` in
        ``embargo_lifecycle.accept_embargo_invite``); the owner's case actor speaks for it."""
        return actor is not None and actor in {self.attributed_to, self.owner, self.manager}

    def participant(self, actor: str) -> Participant:
        found = self.participants.get(actor)
        if found is None:
            raise Refused("not-participant", f"{actor} is not a participant of case {self.id}")
        return found

    def by_participant_id(self, pid: str) -> Participant | None:
        return next((p for p in self.participants.values() if p.id == pid), None)

    def vendor_of_record(self) -> Participant | None:
        """Whose vfd is the case's: the owner when it is a vendor, else the first vendor."""
        owner = self.participants.get(self.owner or "")
        if owner is not None and "vendor" in owner.roles:
            return owner
        return next((p for p in self.participants.values() if "vendor" in p.roles), None)

    # --- RM and statuses -----------------------------------------------------------------

    def add_status(self, p: Participant, status: Status) -> list[Refused]:
        """Append ``status`` to ``p``, its dimensions adjudicated one by one as the reference
        does (``FilterParticipantStatusDimensionsNode``): a refused RM or vfd is carried
        forward, the rest applied; a new vfd of the vendor of record moves the case state
        through our CS machine. Returns what was refused (nothing applied when all was)."""
        refused: list[Refused] = []
        rm_state = status.rm
        if not rm_acceptable(p.rm, status.rm):
            refused.append(Refused("rm-regression", f"RM state regression for {p.actor}: "
                                                    f"{p.rm} -> {status.rm}"))
            rm_state = p.rm
        vfd, state = status.vfd, self.state
        try:
            events = _vfd_events(p.vfd, status.vfd)
            if p is self.vendor_of_record():
                for event in events:
                    state = cs.transition(state, event)
        except Refused as exc:
            refused.append(exc)
            vfd, state = p.vfd, self.state
        except BridgeError as exc:
            refused.append(Refused("transition", f"CS: {exc.reason}"))
            vfd, state = p.vfd, self.state
        if len(refused) < 2:
            p.statuses.append(replace(status, rm=rm_state, vfd=vfd))
            self.state = state
        return refused

    def rm_event(self, actor: str, event: RMEvent, status_id: str, now: datetime) -> None:
        p = self.participant(actor)
        new = rm_step(p.rm, event, actor)
        if new is not None:
            p.statuses.append(replace(p.statuses[-1], id=status_id, rm=new, published=now)
                              if p.statuses else Status(status_id, actor, new, "vfd",
                                                        p.consent, p.status_roles(), now))

    def set_pxa(self, pxa: str) -> None:
        after = CaseState(self.state.vfd, parse_pxa(pxa))
        if not self.state.happened <= after.happened:
            raise Refused("transition", f"CS: pxa {self.state.pxa} -> {pxa} goes backwards")
        state = self.state
        for event in cs.PXA_EVENTS:
            if event in after.happened - state.happened:
                try:
                    state = cs.transition(state, event)
                except BridgeError as exc:
                    raise Refused("transition", f"CS: {exc.reason}") from exc
        self.state = state

    # --- embargo --------------------------------------------------------------------------

    def propose(self, record: EmbargoRecord, now: datetime | None = None) -> None:
        """EP / EV (our classifier's choice by EM state), the proposal kept under its id."""
        event = EMEvent.PROPOSE_REVISION if self.embargo.state in em.IN_FORCE else EMEvent.PROPOSE
        try:
            embargo = em.apply(self.embargo, event, end_time=record.end, now=now)
        except BridgeError as exc:
            raise Refused("transition", f"EM: {exc.reason}") from exc
        self.embargo = embargo
        self.pending[record.id] = record
        self.embargoes[record.id] = record
        for p in self.participants.values():
            p.consent = _pec(p.consent, PECEvent.REVISE if event is EMEvent.PROPOSE_REVISION
                             else PECEvent.INVITE)

    def pending_record(self, embargo_id: str | None) -> EmbargoRecord:
        record = self.pending.get(embargo_id or "")
        if record is None:
            raise Refused("embargo-id", f"embargo {embargo_id} is not a pending proposal of case "
                                        f"{self.id} (pending: {sorted(self.pending) or 'none'})")
        return record

    def answer(self, actor: str, embargo_id: str | None, accept: bool) -> None:
        """An EA/EC or ER/EJ. The owner's moves the case's EM; anyone else's only records
        that participant's consent (the reference: "recorded consent … EM unchanged")."""
        record = self.pending_record(embargo_id)
        p = self.participant(actor)
        if self.speaks_for_owner(actor):
            revision = self.embargo.state is EM.REVISE
            event = {(True, False): EMEvent.ACCEPT, (True, True): EMEvent.ACCEPT_REVISION,
                     (False, False): EMEvent.REJECT,
                     (False, True): EMEvent.REJECT_REVISION}[(accept, revision)]
            self._apply_answer(event, record)
        consent = _pec(p.consent, PECEvent.ACCEPT if accept else PECEvent.DECLINE)
        p.consent = consent
        if accept and record.id not in p.accepted_embargoes:
            p.accepted_embargoes.append(record.id)

    def _apply_answer(self, event: EMEvent, record: EmbargoRecord) -> None:
        try:
            embargo = em.apply(self.embargo, event, end_time=record.end)
        except BridgeError as exc:
            raise Refused("transition", f"EM: {exc.reason}") from exc
        self.embargo = embargo
        self.pending.pop(record.id, None)
        if event in (EMEvent.ACCEPT, EMEvent.ACCEPT_REVISION):
            self.active = record.id

    def activate(self, record: EmbargoRecord) -> None:
        """``Add(EmbargoEvent)`` from the owner: the proposal it names is in force (the
        reference overrides from any state, with a warning, when nothing was proposed)."""
        if record.id in self.pending:
            event = (EMEvent.ACCEPT_REVISION if self.embargo.state is EM.REVISE
                     else EMEvent.ACCEPT)
            self._apply_answer(event, self.pending[record.id])
        elif record.id != self.active or self.embargo.state not in em.IN_FORCE:
            self.embargo = Embargo(EM.ACTIVE, record.end)
            self.active = record.id
        self.embargoes[record.id] = record

    def terminate(self, embargo_id: str | None) -> None:
        if embargo_id is None or embargo_id != self.active:
            raise Refused("embargo-id", f"embargo {embargo_id} is not the active embargo of case "
                                        f"{self.id} (active: {self.active})")
        try:
            self.embargo = em.apply(self.embargo, EMEvent.TERMINATE)
        except BridgeError as exc:
            raise Refused("transition", f"EM: {exc.reason}") from exc
        self.pending.clear()
        self.active = None

    # --- what this side believes ------------------------------------------------------------

    def view(self) -> View:
        in_force = self.embargo.state in em.IN_FORCE
        proposing = self.embargo.state in (EM.PROPOSED, EM.REVISE)
        return View(
            subject=self.id,
            rm={a: p.rm.value for a, p in self.participants.items()},
            em=self.embargo.state.value,
            embargo_id=self.active if in_force else None,
            embargo_end=self.embargo.end_time if in_force else None,
            end_known=not in_force or (self.active in self.ends_told),
            pending={i: r.end for i, r in self.pending.items()} if proposing else {},
            cs=str(self.state),
        )


def _pec(state: PEC, event: PECEvent) -> PEC:
    try:
        return pec.transition(state, event)
    except BridgeError:
        return state  # consent is bookkeeping here: the reference does not refuse on it


REPORT_PROGRESS = (RM.START, RM.RECEIVED, RM.INVALID, RM.VALID, RM.DEFERRED, RM.ACCEPTED,
                   RM.CLOSED)
"""Report-phase RM by progress, as the reference reads it (``_current_report_phase_rm_state``;
tests.support.ref_server.RefServer.report_rm reads the live one the same way)."""


def report_rm(report: PeerReport, actor: str) -> RM:
    """What the server holds of ``actor``'s RM for a report with no case: the further of its
    report-phase status and its stored answer to the Offer."""
    held = [report.rm.get(actor, RM.RECEIVED)]
    if actor in report.answers:
        held.append(report.answers[actor][1])
    return max(held, key=REPORT_PROGRESS.index)


def report_view(report: PeerReport) -> View:
    actors = set(report.rm) | set(report.answers)
    return View(subject=report.id, rm={a: report_rm(report, a).value for a in actors},
                em="NONE")
