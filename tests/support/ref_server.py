"""One running CERTCC/Vultron reference server, driven and read over HTTP (never replayed).

:class:`RefServer` fires the reference's trigger and demo endpoints, posts to its inboxes and
reads back what it holds through its datalayer read API — participants' RM/VFD/consent, the
case's EM, active embargo (with its end) and pxa, notes, the ledger — and :meth:`RefServer.view`
puts that in the same :class:`~tests.support.peer_model.View` the bridge's side is read into.
:class:`LogTail` reads what the server logged since a mark: its refusals are only there (it
answers 202 and decides in a background task).

Facts this rests on are in ``/work/notes/reference-findings.md`` (CERTCC/Vultron 6883299d).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.peer_model import View

WAIT = 15.0
"""Seconds to wait for the reference's background processing and deliveries."""

IN_FORCE = ("ACTIVE", "REVISE")
PROPOSING = ("PROPOSED", "REVISE")
"""EM states with a proposal outstanding. A participant of the reference keeps EM at NONE
when the owner proposes: the proposal is then only in ``pendingEmbargoProposalIndex``."""


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


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        found = value.get("id") or value.get("id_")
        return str(found) if found else None
    return str(value) if value else None


@dataclass
class RefServer:
    """One reference server (its ``/api/v2`` base) and the local actor it hosts."""

    base: str
    actor_short: str
    client: httpx.Client
    log: LogTail | None = None
    """Its log file (``server.log``), when the environment names it."""

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

    def by_type(self, kind: str) -> list[dict[str, Any]]:
        """Every stored object of ``kind`` (``GET /datalayer/{kind}s/``; core dumps: snake
        case, ``rm: {"state": …}``)."""
        r = self.client.get(f"{self.base}/datalayer/{kind}s/")
        r.raise_for_status()
        data = r.json()
        return [v for v in data.values() if isinstance(v, dict)] if isinstance(data, dict) else []

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
        return _id((self.case(case_id) or {}).get("activeEmbargo"))

    def notes(self, case_id: str) -> list[str]:
        notes = (self.case(case_id) or {}).get("notes") or []
        return [n if isinstance(n, str) else n.get("id") for n in notes]

    def note_texts(self, case_id: str) -> list[str]:
        """The content of every note attached to the case."""
        texts = []
        for note in self.notes(case_id):
            found = self.get(note) or {}
            texts.append(str(found.get("content") or ""))
        return texts

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

    def submit_report(self, recipient_id: str, name: str = "report",
                      content: str | None = None) -> dict[str, Any]:
        """Fire submit-report; returns the ``Offer`` the reference delivers to ``recipient_id``."""
        r = self.trigger("submit-report", {"report_name": name,
                                           "report_content": content or f"{name}: a bug",
                                           "recipient_id": recipient_id})
        assert r.status_code == 202, r.text
        return dict(r.json()["offer"])

    # --- what this server believes, as a View -----------------------------------------------

    def embargo_end(self, embargo_id: str | None) -> datetime | None:
        found = self.get(embargo_id) if embargo_id else None
        return parse_time((found or {}).get("endTime"))

    def report_rm(self, report_id: str) -> dict[str, str]:
        """Report-phase RM per actor: the highest-progress report-phase ParticipantStatus this
        server stored for the report (``context`` = the report id) — the reference writes one
        for a received RV — or the answer to its Offer it stored (:meth:`report_answers`),
        whichever went further."""
        order = ["RECEIVED", "INVALID", "VALID", "DEFERRED", "ACCEPTED", "CLOSED"]
        found: dict[str, str] = {}
        for actor, state in self.report_answers(report_id).items():
            found[actor] = state
        for status in self.by_type("ParticipantStatus"):
            if status.get("context") != report_id:
                continue
            actor = str(status.get("attributed_to") or status.get("attributedTo"))
            rm = status.get("rm")
            state = str(rm.get("state") if isinstance(rm, dict) else status.get("rmState"))
            if state in order and order.index(state) >= order.index(found.get(actor, state)):
                found[actor] = state
        return found

    def report_answers(self, report_id: str) -> dict[str, str]:
        """The RM each actor's stored answers to an Offer of the report read as (the
        furthest): ``TentativeReject`` INVALID, ``Reject`` CLOSED. Before a case exists this is
        all the reference records of such an answer: its received-side trees store the
        activity, then move an RM only inside a case ("no case found for report … RM state not
        updated", report/nodes/rm_transitions.py) — and there the *receiving* actor's, not the
        sender's. Its own demos check exactly that the answer is in the finder's datalayer
        (``verify_activity_in_inbox``)."""
        order = ["RECEIVED", "INVALID", "CLOSED"]
        found: dict[str, str] = {}
        for kind, state in (("TentativeReject", "INVALID"), ("Reject", "CLOSED")):
            for answer in self.by_type(kind):
                offer = answer.get("object_") or answer.get("object")
                if not isinstance(offer, dict) or (offer.get("type_") or offer.get("type")) \
                        != "Offer":
                    continue
                if _id(offer.get("object_") or offer.get("object")) != report_id:
                    continue
                actor = str(_id(answer.get("actor")))
                if order.index(state) > order.index(found.get(actor, "RECEIVED")):
                    found[actor] = state
        return found

    def view(self, subject: str) -> View | None:
        """RM per participant, EM, the active embargo (id, end), pending proposals and CS of a
        case as this server holds it (None when it does not know the case)."""
        case = self.case(subject)
        if case is None:
            return None
        rm: dict[str, str] = {}
        vfd: dict[str, str] = {}
        roles: dict[str, list[str]] = {}
        for actor, pid in (case.get("actorParticipantIndex") or {}).items():
            p = self.get(pid) or {}
            statuses = p.get("participantStatuses") or []
            last = statuses[-1] if statuses else {}
            rm[actor] = str(last.get("rmState") or "START")
            # vfd only moves forward. The reference's own RM changes (a received Join, say)
            # append a status without carrying the vfd over (CaseParticipant.append_rm_state,
            # core/models/case_participant.py:220-260): its default "vfd" there is not a
            # regression anyone sent, so the participant's vfd is the furthest it reached.
            vfd[actor] = max((str(x.get("vfdState") or "vfd") for x in statuses),
                             key=lambda v: VFD_ORDER.index(v) if v in VFD_ORDER else -1,
                             default="vfd")
            roles[actor] = [str(r) for r in p.get("caseRoles") or []]
        statuses = case.get("caseStatuses") or []
        last = statuses[-1] if statuses and isinstance(statuses[-1], dict) else {}
        em = str(last.get("emState") or "NONE")
        active = _id(case.get("activeEmbargo")) if em in IN_FORCE else None
        proposed = [i for i in (_id(e) for e in case.get("proposedEmbargoes") or []) if i]
        proposed += [i for i in case.get("pendingEmbargoProposalIndex") or {} if i not in proposed]
        pending = ({i: self.embargo_end(i) for i in proposed if i != _id(case.get("activeEmbargo"))}
                   if em in ("NONE", *PROPOSING) else {})
        if em == "NONE" and pending:
            # A participant of the reference records the owner's proposal only in
            # ``pendingEmbargoProposalIndex`` and keeps EM at NONE (it then activates with
            # "is not a standard machine transition", see BENIGN): EM PROPOSED in effect.
            em = "PROPOSED"
        owner = next((a for a, r in roles.items() if "case_owner" in r), None)
        vendor = owner if owner and "vendor" in roles.get(owner, []) else next(
            (a for a, r in roles.items() if "vendor" in r), None)
        cs = f"{vfd.get(vendor or '', 'vfd')}.{last.get('pxaState') or 'pxa'}"
        return View(subject, rm, em, active, self.embargo_end(active), pending=pending, cs=cs)


VFD_ORDER = ["vfd", "Vfd", "VFd", "VFD"]
"""The vendor-fix path, in order."""

PROBLEM = re.compile(
    r"WARNING|ERROR|Traceback|refusing|IE-11-001|Deferred|not yet known|Reject\(|FAILURE|"
    r"regression|blocked|not updated|Invalid RM transition|not a participant|No participant|"
    r"is not the CaseActor|does not hold",
)
"""Log lines that mean the server did not (fully) do something."""
BENIGN = (
    # The inbox stores an inline case before the Create handler runs; the handler then
    # still updates the ReportCaseLink and the participants (create.py, CBT-01-006).
    "already exists as replica",
    # One server hosting both the owner and its case actor receives some messages twice.
    "skipping (idempotent)", "idempotent, skipping",
    # The vendor's own Create(CaseProposal) to its case actor, in every case it opens
    # (also in the reference's own two-server demo).
    "Failed to reconstruct CaseProposal model",
    # A participant keeps EM at NONE while the owner's proposal is pending; the owner's
    # Add(EmbargoEvent) then activates with this warning (findings A4).
    "is not a standard machine transition",
    # RV arrives before the Create(VulnerabilityCase) it precedes (a report-level reply);
    # validating, the finder would also give the case a default embargo — there is no case
    # yet, so it does not, and the bridge's case stays the only word on the embargo.
    "EnsureEmbargoExists: No case found for report",
    # A participant receiving Remove(EmbargoEvent) applies it (EM EXITED) and then cannot
    # re-announce it: only a trigger, not a received activity, has an activity factory.
    "trigger_activity_factory not available",
)
"""Matching lines that are the reference working as designed, not a refusal."""


def is_problem(line: str) -> bool:
    return bool(PROBLEM.search(line)) and not any(b in line for b in BENIGN)


@dataclass
class LogTail:
    """A reference server's log file, read from a mark (a byte offset) onwards."""

    path: Path
    mark: int = 0
    seen: int = 0
    lines: list[str] = field(default_factory=list)

    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def start(self) -> None:
        """Forget what came before: the next :meth:`read` starts here."""
        self.mark = self.seen = self.size()
        self.lines = []

    def grew(self) -> bool:
        """Whether the log grew since the last call (the server is still working)."""
        size = self.size()
        grown, self.seen = size != self.seen, size
        return grown

    def read(self) -> list[str]:
        """Every line since :meth:`start`."""
        with self.path.open("rb") as f:
            f.seek(self.mark)
            text = f.read().decode("utf-8", "replace")
        self.lines = [line for line in text.splitlines() if line.strip()]
        return self.lines

    def problems(self) -> list[str]:
        return [line for line in self.read() if is_problem(line)]
