"""The bridge against *running* CERTCC/Vultron reference servers, on loopback.

A :class:`LiveWorld` is the bridge half of :mod:`tests.support.peer_world` (fake GitHub
sending signed webhooks, the bridge's HTTP app at its real loopback URL, its processing and
delivery run by :meth:`~tests.support.peer_world.BridgeSide.pump`, the bridge's store read
back) with the protocol peer replaced by two reference servers (:class:`RefServer`, the
reference's multi-actor layout: ``finder`` on one, ``vendor`` self-hosting its case actors on
the other). The bridge's clock is the wall clock — the reference's is — and the reference's
actors are a trusted prefix (it does not sign); it delivers to ``<bridge actor>/inbox/``.

The reference decides in a background task after answering 202, so :meth:`LiveWorld.settle`
waits, bounded, on conditions: the bridge has nothing left to process or deliver, the step's
expectations hold on both sides, and the reference's logs have been quiet for a moment.
:meth:`LiveWorld.problems` is the conversation's health after a step: what the bridge
dead-lettered, failed, refused or ignored, what the reference's logs say it refused, deferred
or could not do, and where the two sides' views (RM per participant, EM with the embargo's
id and end, pending proposals, CS) differ.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from bridge.app.delivery import actor_key, make_send
from bridge.app.runtime import Runtime
from bridge.config import load_config_text
from bridge.service.app import create_app
from bridge.store import links
from bridge.store.models import Inbound, Outbox
from tests.fakes.github.harness import BOT, PRIVATE_REPO, WEBHOOK_SECRET, github_harness
from tests.service.bridge_env import BridgeEnv
from tests.support.peer_model import View
from tests.support.peer_world import BridgeSide, compare_views
from tests.support.protocol_peer import shape
from tests.support.ref_server import LogTail, RefServer
from tests.support.servers import Receiver, free_port, running_app

CONFIG = """
actor: {{name: {name}, base_url: "{bridge}"}}
database_url: "sqlite:///{db}"
trackers:
  github:
    {{kind: github, url: "{github}", token: t, webhook_secrets: ["{secret}"], bot_login: {bot}}}
destinations:
  default: {{tracker: github, project: {repo}, mode: private_issue}}
peers:
  trusted:
    - {{prefix: "{finder}/actors/"}}
    - {{prefix: "{vendor}/actors/"}}
delivery: {{allow_loopback: true, timeout_seconds: 5, retry: {{base: 0.2, cap: 2.0}}}}
"""

BRIDGE_NAME = "bridge"
"""The bridge's actor name. Not ``vendor``: the reference resolves actors by their last path
segment too, and its own vendor is ``…/actors/vendor``."""
SETTLE = 15.0
"""Seconds a step may take on both sides before what is still missing is its problem."""
OWN_ECHO = ("our own", "a replay of")
"""An ignored input whose reason starts so is the bridge's own message relayed back to it by
the case actor (the reference fans every participant's message out to all, sender included),
or a replay of one it already handled (the ledger replayed to a new participant)."""
QUIET = 1.2
"""Seconds both sides must stay still before a step counts as settled."""


@dataclass
class Check:
    """What a step expects of both sides: each probe returns what is still missing."""

    probes: list[Callable[[], list[str]]] = field(default_factory=list)

    def missing(self) -> list[str]:
        out: list[str] = []
        for probe in self.probes:
            out += probe()
        return out


@dataclass
class LiveWorld(BridgeSide):
    finder: RefServer = field(kw_only=True)
    vendor: RefServer = field(kw_only=True)
    shared: dict[str, RefServer] = field(default_factory=dict, kw_only=True)
    """Subjects both sides hold, and the reference server that holds them: a case (compared
    in full) or a report before its case (the bridge's report-phase RM only: that is all the
    reference records of a report someone else received)."""
    reports: dict[str, str] = field(default_factory=dict, kw_only=True)
    """Report id → the actor it was offered to (for report-phase comparisons)."""
    sink: str = field(default="", kw_only=True)
    """A loopback inbox that answers every POST 202 (``…/actors/<name>/inbox/``): a third
    party whose own conversation with the reference is not under test."""
    marks: tuple[int, int] = (0, 0)

    @property
    def servers(self) -> tuple[RefServer, RefServer]:
        return self.finder, self.vendor

    # --- driving -----------------------------------------------------------------------------

    def start_step(self) -> None:
        """Mark where this step begins: in the reference's logs, and the bridge's rows."""
        for server in self.servers:
            if server.log is not None:
                server.log.start()
        self.marks = (self._max_id(Inbound), self._max_id(Outbox))

    def settle(self, check: Check, timeout: float = SETTLE) -> list[str]:
        """Pump the bridge until ``check`` holds and nothing moves for :data:`QUIET` seconds:
        the bridge idle, the reference's logs quiet, the two sides' differences unchanged.
        After ``timeout``: what of ``check`` still does not hold and what the bridge still has
        to do (the differences themselves are :meth:`problems`)."""
        deadline = time.monotonic() + timeout
        still_since: float | None = None
        views: list[str] | None = None
        while True:
            moved = self.pump()
            busy = self.busy()
            grew = [s for s in self.servers if s.log is not None and s.log.grew()]
            missing = check.missing()
            changed, views = views != (now := self.disagreements()), now
            if moved or busy or grew or missing or changed:
                still_since = None
            elif still_since is None:
                still_since = time.monotonic()
            elif time.monotonic() - still_since >= QUIET:
                return []
            if time.monotonic() > deadline:
                unmet = check.missing() + busy
                return [f"not reached in {timeout:.0f}s: {m}" for m in unmet]
            time.sleep(0.1)

    def busy(self) -> list[str]:
        """What the bridge still has to process or deliver (not dead-lettered)."""
        with self.rt.sessions() as session:
            pending_in = session.execute(select(Inbound.source, Inbound.key).where(
                Inbound.status == "pending")).all()
            pending_out = session.execute(select(Outbox.activity, Outbox.recipient).where(
                Outbox.status == "pending")).all()
        return ([f"bridge: input {s} {k} still pending" for s, k in pending_in]
                + [f"bridge: {shape(a)} to {r} still undelivered" for a, r in pending_out])

    # --- looking -----------------------------------------------------------------------------

    def links_of(self, subject: str) -> list[str]:
        """The tracker refs linked to a report or case."""
        with self.rt.sessions() as session:
            return [link.ref for link in links.links_for_subject(session, subject)]

    def _max_id(self, model: type[Inbound] | type[Outbox]) -> int:
        with self.rt.sessions() as session:
            rows = session.execute(select(model.id).order_by(model.id.desc()).limit(1)).all()
        return int(rows[0][0]) if rows else 0

    def step_inputs(self) -> list[dict[str, Any]]:
        """The bridge's inputs accepted since :meth:`start_step`: source, what it was, the
        outcome and its reason."""
        with self.rt.sessions() as session:
            rows = session.execute(select(Inbound.source, Inbound.key, Inbound.status,
                                          Inbound.last_error, Inbound.body)
                                   .where(Inbound.id > self.marks[0])
                                   .order_by(Inbound.id)).all()
        out = []
        for source, key, status, error, body in rows:
            what = source
            if source.startswith("inbox"):
                what = _describe(body)
            out.append({"source": source, "key": key, "what": what, "status": status,
                        "reason": error})
        return out

    def step_outbox(self) -> list[dict[str, Any]]:
        """What the bridge queued since :meth:`start_step`, with each delivery's outcome."""
        with self.rt.sessions() as session:
            rows = session.execute(select(Outbox.activity, Outbox.recipient, Outbox.inbox_url,
                                          Outbox.status, Outbox.attempts, Outbox.last_status,
                                          Outbox.last_error)
                                   .where(Outbox.id > self.marks[1])
                                   .order_by(Outbox.id)).all()
        return [{"what": shape(a), "id": a.get("id"), "to": a.get("to"), "cc": a.get("cc"),
                 "recipient": r, "inbox": url, "status": s, "attempts": n, "answer": st,
                 "error": e, "activity": a} for a, r, url, s, n, st, e in rows]

    def ignored_inputs(self) -> list[str]:
        """Inbox inputs of this step the bridge ignored (with its reason)."""
        return [f"bridge: ignored {i['what']} {i['key']}: {i['reason']}"
                for i in self.step_inputs()
                if i["status"] == "ignored" and i["source"].startswith("inbox")
                and not str(i["reason"]).startswith(OWN_ECHO)
                and "refused" not in str(i["reason"])]  # those are in bridge_problems

    def reference_problems(self) -> list[str]:
        """What the reference's logs say it refused or could not do in this step — about
        this conversation: a line naming an origin outside it (a peer of another test the
        reference still retries) is not."""
        ours = {_origin(u) for u in (self.bridge_actor, self.sink, self.finder.base,
                                     self.vendor.base)}
        out = []
        for server in self.servers:
            if server.log is not None:
                out += [f"reference {server.actor_short}: {line.strip()}"
                        for line in server.log.problems()
                        if {_origin(u) for u in URL.findall(line)} <= ours
                        and not (OUTBOX_SUMMARY in line and not URL.search(line))
                        and not self.answer_stored(server, line)]
        return out

    def answer_stored(self, server: RefServer, line: str) -> bool:
        """Whether ``line`` is the reference's soft pass on our answer to an Offer before a
        case exists ("…RMtoInvalid/…RMtoClosed: no case found for report R — RM state not
        updated") *and* the answer is what it recorded instead: our TentativeReject (INVALID)
        or Reject (CLOSED) of R's Offer is in its datalayer. That is all the reference can
        record of it (``RefServer.report_answers``)."""
        found = NO_CASE.search(line)
        if found is None:
            return False
        said = server.report_answers(found.group(2)).get(self.bridge_actor)
        return said in {"Invalid": ("INVALID", "CLOSED"), "Closed": ("CLOSED",)}[found.group(1)]

    def views(self, subject: str) -> tuple[View | None, View | None]:
        """(the reference's view, the bridge's view) of a shared subject."""
        server = self.shared[subject]
        bridge = self.bridge_view(subject)
        if subject in self.reports:
            us = self.bridge_actor
            rm = server.report_rm(subject)
            ours = {us: bridge.rm.get(us, "-")} if bridge else {}
            return (View(subject, {us: rm.get(us, "RECEIVED")}, "NONE"),
                    View(subject, ours, bridge.em) if bridge else None)
        ref = server.view(subject)
        if ref is not None and ref.embargo_id and not self.end_crossed(ref.embargo_id):
            ref = replace(ref, end_known=False)
        return ref, bridge

    def end_crossed(self, embargo_id: str) -> bool:
        """Whether the end of ``embargo_id`` ever reached the bridge: an activity it accepted
        or sent carries that EmbargoEvent inline with its ``endTime``. The reference's default
        embargo (its case actor makes one, 90 days, whenever it opens a case) is only ever
        named by id (``activeEmbargo``, ``proposedEmbargoes``): its end never crosses the
        wire, so the bridge cannot know it (it must then hold none, or the same)."""
        with self.rt.sessions() as session:
            bodies = [json.loads(b) for (b,) in session.execute(select(Inbound.body).where(
                Inbound.source.like("inbox%"))).all()]
            bodies += [a for (a,) in session.execute(select(Outbox.activity)).all()]
        return any(_carries_end(b, embargo_id) for b in bodies)

    def disagreements(self) -> list[str]:
        out = []
        for subject in self.shared:
            ref, bridge = self.views(subject)
            if ref is None:
                out.append(f"disagree on {subject}: the reference does not know it")
            elif bridge is None:
                out.append(f"disagree on {subject}: the bridge does not know it")
            else:
                out += [f"disagree on {subject}: {d}"
                        for d in compare_views(ref, bridge)]
        return [d.replace("peer ", "reference ") for d in out]

    def problems(self) -> list[str]:
        """Everything wrong after a step, on either side (see the module docstring)."""
        return (self.bridge_problems() + self.ignored_inputs() + self.reference_problems()
                + self.disagreements())


NO_CASE = re.compile(r"TransitionCaseParticipantRMto(Invalid|Closed): no case found for "
                     r"report '([^']+)' . RM state not updated")
OUTBOX_SUMMARY = "outbox item"
"""The reference's outbox loop sums up failed deliveries by item id only ("Too many errors for
outbox item …"); each attempt is logged with its URL, which says whose it was."""
URL = re.compile(r"https?://[^/\s'\"]+")


def _origin(url: str) -> str:
    found = URL.match(url)
    return found.group(0) if found else url


def _carries_end(value: Any, embargo_id: str) -> bool:
    if isinstance(value, dict):
        if (value.get("id") or value.get("id_")) == embargo_id and (
                value.get("endTime") or value.get("end_time")):
            return True
        return any(_carries_end(v, embargo_id) for v in value.values())
    if isinstance(value, list):
        return any(_carries_end(v, embargo_id) for v in value)
    return False


def _describe(body: bytes) -> str:
    """An inbox input as ``Type(ObjectType)``; a ledger entry with its event type and the
    activity it records (``Announce(CaseLedgerEntry)[add_note_to_case: Add(Note)]``)."""
    try:
        activity = json.loads(body)
    except ValueError:
        return "unparseable"
    what = shape(activity)
    entry = activity.get("object")
    if isinstance(entry, dict) and entry.get("type") == "CaseLedgerEntry":
        payload = entry.get("payloadSnapshot")
        inner = shape(payload) if isinstance(payload, dict) else "-"
        what += f"[{entry.get('eventType')}: {inner}]"
    return what


def ref_servers(client: httpx.Client, finder_url: str, vendor_url: str,
                finder_log: str | None, vendor_log: str | None) -> tuple[RefServer, RefServer]:
    finder = RefServer(finder_url, "finder", client,
                       LogTail(Path(finder_log)) if finder_log else None)
    vendor = RefServer(vendor_url, "vendor", client,
                       LogTail(Path(vendor_log)) if vendor_log else None)
    finder.ensure_actor(finder.actor_id, "Finder", "Person")
    vendor.ensure_actor(vendor.actor_id, "Vendor", "Organization")
    return finder, vendor


@contextmanager
def live_world(tmp: Path, finder: RefServer, vendor: RefServer) -> Iterator[LiveWorld]:
    """The bridge on a free loopback port, configured to trust both reference servers and
    registered on both (so they know it: invitations, strict IE-11-001)."""
    with ExitStack() as stack:
        gh = stack.enter_context(github_harness(timeout=5))
        port = free_port()
        bridge_url = f"http://127.0.0.1:{port}"
        config = load_config_text(CONFIG.format(
            name=BRIDGE_NAME, bridge=bridge_url, db=tmp / "bridge.db", github=gh.fake.base_url,
            secret=WEBHOOK_SECRET, bot=BOT, repo=PRIVATE_REPO, finder=finder.base,
            vendor=vendor.base), env={})
        rt = Runtime.from_config(config, adapter_factory=lambda name, _: gh.adapter)
        stack.enter_context(running_app(create_app(rt), port))
        gh.fake.hooks.sink = f"{bridge_url}/webhooks/github"
        receiver = Receiver()
        sink = stack.enter_context(running_app(receiver.app()))
        tracker = BridgeEnv(rt, gh, receiver, bridge_url, sink)
        for server in (finder, vendor):
            server.ensure_actor(rt.actor_id, "vultron-bridge", "Organization")
        try:
            yield LiveWorld(rt, tracker, make_send(rt, actor_key(rt)), finder=finder,
                            vendor=vendor, sink=sink)
        finally:
            rt.engine.dispose()

