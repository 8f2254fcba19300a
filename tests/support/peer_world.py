"""The bridge and a protocol-checking peer on loopback, driven synchronously.

A :class:`World` is fake GitHub (signed webhooks to the bridge), the bridge's HTTP app (its
processing and delivery workers are *not* threads: :meth:`World.settle` runs them to a
standstill, together with the peer's outgoing queue), and a
:class:`~tests.support.protocol_peer.ProtocolPeer` whose actors are a trusted prefix of the
bridge (the reference does not sign). The bridge's clock is fixed, so nothing waits: a message
the bridge would retry later stays pending and :meth:`World.problems` reports it.

:meth:`World.problems` is the conversation's health after a step: what the peer refused
(or still defers), what the bridge answered with an error, what the bridge dead-lettered,
left undelivered, failed or refused, and every subject on which the two sides' views (RM per
participant, EM with the embargo's id and end, pending proposals, CS) differ.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bridge.app import process
from bridge.app.delivery import actor_key, make_send
from bridge.app.runtime import Runtime
from bridge.config import load_config_text
from bridge.coord import linking
from bridge.core.refs import TrackerRef
from bridge.core.states.em import EM
from bridge.delivery import worker
from bridge.service.app import create_app
from bridge.store import cases, db, inbound, links, state
from bridge.store.models import Inbound, Outbox
from tests.fakes.github.harness import BOT, PRIVATE_REPO, WEBHOOK_SECRET, github_harness
from tests.fakes.github.model import Issue, User
from tests.service.bridge_env import HUMAN, BridgeEnv
from tests.support.peer_model import View
from tests.support.protocol_peer import ProtocolPeer, shape
from tests.support.servers import Receiver, free_port, running_app

CONFIG = """
actor: {{name: vendor, base_url: "{bridge}"}}
database_url: "sqlite:///{db}"
trackers:
  github:
    {{kind: github, url: "{github}", token: t, webhook_secrets: ["{secret}"], bot_login: {bot}}}
destinations:
  default: {{tracker: github, project: {repo}, mode: private_issue}}
peers:
  trusted:
    - {{prefix: "{peer}"}}
delivery: {{allow_loopback: true, timeout_seconds: 3, retry: {{base: 0.05, cap: 0.5}}}}
"""

_IN_FORCE = (EM.ACTIVE, EM.REVISE)
_PROPOSING = (EM.PROPOSED, EM.REVISE)


@dataclass
class BridgeSide:
    """The bridge's half of a conversation: its runtime, the fake GitHub with the person
    triaging in it, and the bridge's store read back. Its workers run when :meth:`pump` is
    called (never in threads), so a test decides when the bridge moves."""

    rt: Runtime
    tracker: BridgeEnv
    """The fake GitHub and the person triaging in it (``human_label`` …)."""
    send: worker.Send

    @property
    def bridge_actor(self) -> str:
        return self.rt.actor_id

    # --- driving -----------------------------------------------------------------------------

    def pump(self) -> int:
        """Process every waiting input and deliver every due message; how many moved."""
        return self._process() + self._deliver()

    def _process(self) -> int:
        done = 0
        while True:
            with self.rt.sessions.begin() as session:
                items = inbound.claim_inbound(session, "interop", self.rt.clock(), 60, 50)
            if not items:
                return done
            for item in items:
                process.process_one(self.rt, item)
            done += len(items)

    def _deliver(self) -> int:
        done = 0
        while True:
            n = worker.run_once(self.rt.sessions, self.send, worker_id="interop",
                                now=self.rt.clock, policy=self.rt.policy, rnd=lambda: 0.5,
                                batch=50)
            if not n:
                return done
            done += n

    def issue(self, subject: str) -> TrackerRef:
        """The (first) issue linked to a report or case."""
        with self.rt.sessions() as session:
            found = links.links_for_subject(session, subject)
        assert found, f"the bridge linked no issue to {subject}"
        project, _, number = found[0].ref.partition(":")[2].partition("#")
        return TrackerRef("github", project, int(number))

    def issue_of(self, ref: TrackerRef) -> Issue:
        """The fake GitHub issue behind ``ref``."""
        assert ref.number is not None
        fake = self.tracker.gh.fake
        with fake.lock:
            return fake.repos[ref.project].issues[ref.number]

    def open_issue(self, title: str) -> TrackerRef:
        """The maintainer opens an issue in the private repository."""
        fake = self.tracker.gh.fake
        with fake.lock:
            repo = fake.repos[PRIVATE_REPO]
            issue = Issue(repo.next_number(), title, "tracking", User(HUMAN))
            repo.issues[issue.number] = issue
            payload = {"action": "opened", "issue": fake.render.issue(repo, issue)}
        self.tracker._emit(repo, "issues", payload)
        return TrackerRef("github", PRIVATE_REPO, issue.number)

    def seed_own_offer(self, offer: dict[str, Any], to: str) -> None:
        """What the bridge keeps of a report it offered to ``to`` (``bridge.store.cases``: a
        report row with ``finder`` = us and ``offered_to``, the Offer, both parties)."""
        report, us, now = offer["object"]["id"], self.bridge_actor, self.rt.clock()
        with db.transaction(self.rt.sessions) as session:
            state.put_object(session, offer["id"], "Offer", offer, now)
            state.put_case(session, report, em_state="NONE", cs_state="vfd.pxa",
                           embargo_end=None, now=now,
                           data={"kind": "report", "offer_id": offer["id"], "finder": us,
                                 "offered_to": to})
            state.put_participant(session, report, us, rm_state="ACCEPTED", em_consent=None,
                                  roles=["finder", "reporter"], now=now)
            state.put_participant(session, report, to, rm_state="RECEIVED", em_consent=None,
                                  roles=["vendor"], now=now)

    def link(self, subject: str, ref: TrackerRef) -> None:
        """``vultron-bridge link SUBJECT REF``."""
        with db.transaction(self.rt.sessions) as session:
            linking.link(session, subject, [ref], "tracks", HUMAN, self.rt.clock())

    # --- looking -----------------------------------------------------------------------------

    def bridge_view(self, subject: str) -> View | None:
        with self.rt.sessions() as session:
            record = state.get_case(session, subject)
            if record is None:
                return None
            rm = {p.actor: p.rm_state for p in state.participants_for_case(session, subject)}
            case = cases.load_case(session, subject)
        if case is None:
            return View(subject, rm, record.em_state)
        active = case.active_embargo if case.em in _IN_FORCE else None
        return View(subject, rm, case.em.value, active.id if active else None,
                    active.end if active else None,
                    pending=({e.id: e.end for e in case.proposed} if case.em in _PROPOSING
                             else {}),
                    cs=case.cs)

    def bridge_case_of(self, report_id: str) -> str | None:
        with self.rt.sessions() as session:
            record = state.get_case(session, report_id)
        found = record.data.get("case_id") if record else None
        return found if isinstance(found, str) else None

    def outbox(self) -> list[dict[str, Any]]:
        with self.rt.sessions() as session:
            rows = session.execute(select(Outbox.status, Outbox.recipient, Outbox.activity,
                                          Outbox.last_status, Outbox.last_error)
                                   .order_by(Outbox.id)).all()
        return [dict(r._mapping) for r in rows]

    def inbound_rows(self) -> list[dict[str, Any]]:
        with self.rt.sessions() as session:
            rows = session.execute(select(Inbound.source, Inbound.key, Inbound.status,
                                          Inbound.last_error).order_by(Inbound.id)).all()
        return [dict(r._mapping) for r in rows]

    def bridge_problems(self) -> list[str]:
        """What the bridge dead-lettered, left undelivered, failed or refused."""
        out = []
        for row in self.outbox():
            if row["status"] != "delivered":
                out.append(f"bridge: {row['status']} {shape(row['activity'])} to "
                           f"{row['recipient']} (last answer {row['last_status']}: "
                           f"{row['last_error']})")
        for row in self.inbound_rows():
            error = row["last_error"] or ""
            if row["status"] in ("pending", "failed") or "refused" in error:
                out.append(f"bridge: input {row['source']} {row['key']} {row['status']}: "
                           f"{error}")
        return out


@dataclass
class World(BridgeSide):
    """The bridge and the protocol peer (:func:`world`)."""

    peer: ProtocolPeer = field(kw_only=True)

    def settle(self, rounds: int = 100) -> None:
        """Run the bridge's workers and the peer's queue until nothing moves."""
        for _ in range(rounds):
            if not self.pump() + self.peer.flush():
                return
        raise AssertionError(f"the conversation did not settle in {rounds} rounds")

    def problems(self) -> list[str]:
        out = [f"peer: {r}" for r in self.peer.refusals()]
        out += [f"peer: [{s.step}] the bridge answered {s.status} to {shape(s.activity)} "
                f"{s.activity.get('id')}: {s.error}" for s in self.peer.send_failures()]
        out += self.bridge_problems()
        for subject in self.shared_subjects():
            out += [f"disagree on {subject}: {d}" for d in self.disagreements(subject)]
        return out

    def shared_subjects(self) -> list[str]:
        """The peer's cases the bridge takes part in, and its reports the bridge is a party
        to (a case the bridge was only invited to is not shared yet)."""
        us = self.bridge_actor
        return [s for s in self.peer.subjects()
                if (s in self.peer.cases and us in self.peer.cases[s].participants)
                or (s in self.peer.reports
                    and us in (self.peer.reports[s].offerer, self.peer.reports[s].offered_to))]

    def disagreements(self, subject: str) -> list[str]:
        peer, bridge = self.peer.view(subject), self.bridge_view(subject)
        if bridge is None:
            return ["the bridge does not know it"]
        out = []
        report = self.peer.reports.get(subject)
        if report is not None and report.case_id is None and self.bridge_case_of(subject):
            out.append(f"the bridge put it in case {self.bridge_case_of(subject)}, which the "
                       f"peer was never (successfully) told about")
        return out + compare_views(peer, bridge)


def compare_views(peer: View, bridge: View) -> list[str]:
    """Where two sides' views of one subject differ: RM per participant, EM, the active
    embargo's id and end, pending proposals, CS (when ``peer`` has one)."""
    out = []
    if peer.rm != bridge.rm:
        actors = sorted(set(peer.rm) | set(bridge.rm))
        out += [f"RM of {a}: peer {peer.rm.get(a, '-')}, bridge {bridge.rm.get(a, '-')}"
                for a in actors if peer.rm.get(a) != bridge.rm.get(a)]
    if peer.em != bridge.em:
        out.append(f"EM: peer {peer.em}, bridge {bridge.em}")
    if peer.embargo_id != bridge.embargo_id:
        out.append(f"active embargo: peer {peer.embargo_id}, bridge {bridge.embargo_id}")
    elif peer.end_known and peer.embargo_end != bridge.embargo_end:
        out.append(f"embargo end: peer {peer.embargo_end}, bridge {bridge.embargo_end}")
    elif not peer.end_known and bridge.embargo_end not in (None, peer.embargo_end):
        out.append(f"embargo end never announced, yet the bridge holds "
                   f"{bridge.embargo_end} (the peer's is {peer.embargo_end})")
    if peer.pending != bridge.pending:
        out.append(f"pending proposals: peer {peer.pending}, bridge {bridge.pending}")
    if peer.cs is not None and peer.cs != bridge.cs:
        out.append(f"CS: peer {peer.cs}, bridge {bridge.cs}")
    return out


START = datetime(2026, 12, 2, 3, 36, 16, tzinfo=UTC)
"""When the recorded conversations began (``live-flows``): both clocks start here."""


@contextmanager
def world(tmp: Path, *, seed: int = 1, start: datetime = START) -> Iterator[World]:
    with ExitStack() as stack:
        gh = stack.enter_context(github_harness(timeout=3))
        peer = ProtocolPeer(free_port(), start, seed)
        stack.enter_context(running_app(peer.app(), peer.port))
        port = free_port()
        bridge_url = f"http://127.0.0.1:{port}"
        config = load_config_text(CONFIG.format(
            bridge=bridge_url, db=tmp / "bridge.db", github=gh.fake.base_url,
            secret=WEBHOOK_SECRET, bot=BOT, repo=PRIVATE_REPO, peer=peer.base), env={})
        clock = start.timestamp()
        rt = Runtime.from_config(config, adapter_factory=lambda name, _: gh.adapter,
                                 clock=lambda: clock)
        stack.enter_context(running_app(create_app(rt), port))
        gh.fake.hooks.sink = f"{bridge_url}/webhooks/github"
        peer.register(rt.actor_id)
        tracker = BridgeEnv(rt, gh, Receiver(), bridge_url, peer.base)
        try:
            yield World(rt, tracker, make_send(rt, actor_key(rt)), peer=peer)
        finally:
            rt.engine.dispose()
