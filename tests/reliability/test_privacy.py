"""Invariant 1, end to end: embargoed content reaches only case participants and trackers
verified to be private.

Reports arrive at the inbox from a reference-like peer, are mirrored into (fake) GitHub by the
worker, people triage them with labels, messages go out. Checked: a public destination is
refused before anything is written; a repository made public after linking stops the writes
and raises the alarm; unique canaries never appear in logs, error answers, metrics or any
public place; with randomised participants, nothing is queued for anyone outside the case;
shell and workflow-expression text in activity fields stays inert.
"""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path

import httpx
import pytest

from bridge.app.guard import to_ref
from bridge.store import audit, links, state
from bridge.store.db import transaction
from tests.fakes.github.harness import PUBLIC_REPO
from tests.reliability.e2e import PrivacyEnv, privacy_env
from tests.reliability.figures import figure
from tests.support.servers import wait_for


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        if record.exc_info:
            self.lines.append(logging.Formatter().formatException(record.exc_info))


@pytest.fixture
def all_logs() -> Everything:
    handler = Everything()
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler  # type: ignore[misc]
    root.removeHandler(handler)
    root.setLevel(saved)


def _public_text(env: PrivacyEnv) -> str:
    repo = env.gh.fake.repos[PUBLIC_REPO]
    parts = []
    for issue in repo.issues.values():
        parts += [issue.title, issue.body or ""] + [c.body for c in issue.comments]
    parts += [json.dumps(a.__dict__, default=str) for a in repo.advisories.values()]
    return "\n".join(parts)


def test_a_private_report_aimed_at_a_public_repository_is_refused(tmp_path: Path) -> None:
    with privacy_env(tmp_path, repo=PUBLIC_REPO) as env:
        canary = "CANARY-public-dest-5d1c"
        assert env.post_activity(env.offer(1, canary)).status_code == 202
        assert wait_for(lambda: env.inbound_failed() == 1)
        assert env.alarmed(1) and len(env.alarms or []) == 1
        repo = env.gh.fake.repos[PUBLIC_REPO]
        with env.rt.sessions() as s:
            kinds = [e["kind"] for e in audit.export(s)]
        assert repo.issues == {} and canary not in _public_text(env)
        assert "privacy.refused" in kinds
        assert canary not in (env.alarms or [""])[0]
        figure("private report -> public repository", "refused: 0 issues, alarm raised "
               "(without the content), input failed for an operator to requeue")


def test_a_repository_made_public_after_linking_stops_the_writes(tmp_path: Path) -> None:
    with privacy_env(tmp_path) as env:
        offer = env.offer(1, "details")
        assert env.post_activity(offer).status_code == 202
        assert env.settled()
        report = offer["object"]["id"]
        with env.rt.sessions() as s:
            (link,) = links.links_for_subject(s, report)
        repo = env.gh.fake.repos[to_ref(env.rt, link.ref).project]
        issue = next(iter(repo.issues.values()))
        comments = len(issue.comments)
        repo.private = False  # someone flips the repository to public
        notes = []
        for n in range(3):
            note = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
                    "id": f"{env.finder}/notes/{n}/create", "actor": env.finder,
                    "object": {"type": "Note", "id": f"{env.finder}/notes/{n}",
                               "content": f"CANARY-flip-{n} exploit details",
                               "context": report}}
            notes.append(note)
            assert env.post_activity(note).status_code == 202
        assert wait_for(lambda: env.inbound_statuses()["pending"] == 0)
        assert len(issue.comments) == comments
        assert not any("CANARY-flip" in c.body for c in issue.comments)
        assert env.alarmed(1)
        assert not any("CANARY-flip" in a for a in env.alarms or [])
        figure("repository flipped to public", f"3 notes after the flip -> 0 written, "
               f"{len(env.alarms or [])} alarms, inputs {env.inbound_statuses()}")


def _embargo(env: PrivacyEnv, report: str) -> None:
    with transaction(env.rt.sessions) as s:
        record = state.get_case(s, report)
        assert record is not None
        state.put_case(s, report, em_state="ACTIVE", cs_state=record.cs_state,
                       embargo_end=env.rt.clock() + 86400 * 30, data=record.data,
                       now=env.rt.clock())


def _canaries(tmp_path: Path, all_logs: Everything, cases: int) -> None:
    with privacy_env(tmp_path) as env:
        canaries = [f"CANARY-{n:02d}-{random.randrange(1 << 40):010x}" for n in range(cases)]
        errors: list[str] = []
        for n, canary in enumerate(canaries):
            offer = env.offer(n, f"heap overflow in parse(): {canary}",
                              summary=f"summary {canary}")
            assert env.post_activity(offer).status_code == 202
            # malformed follow-ups carrying the canary: their error answers must not echo it
            bad = {**offer, "id": f"{offer['id']}/bad", "type": canary}
            answer = env.post_activity(bad)
            errors.append(answer.text)
            truncated = json.dumps(offer).encode()[:-30]
            errors.append(httpx.post(f"{env.rt.actor_id}/inbox/", content=truncated, headers={
                "Content-Type": "application/activity+json"}).text)
        assert env.settled(timeout=60)
        for n in range(cases):
            report = f"{env.finder}/reports/{n}"
            _embargo(env, report)
            with env.rt.sessions() as s:
                (link,) = links.links_for_subject(s, report)
            env.human_label(to_ref(env.rt, link.ref), "vultron:valid")
        assert env.settled(timeout=60)
        metrics = httpx.get(f"{env.bridge_url}/metrics").text
        logs = "\n".join(all_logs.lines)
        public = _public_text(env)
        alarms = "\n".join(env.alarms or [])
        found = [c for c in canaries if c in logs or c in metrics or c in public or c in alarms
                 or any(c in e for e in errors)]
        private = env.gh.fake.repos["acme/embargoed"]
        in_private = sum(any(c in (i.body or "") for i in private.issues.values())
                         for c in canaries)
        delivered = len(env.receiver.received)
        assert found == []
        assert in_private == cases  # the content did reach the private issues
        assert delivered >= cases
        figure(f"{cases} embargoed cases with canaries", f"0/{cases} canaries in "
               f"{len(all_logs.lines)} log lines, {len(errors)} error answers, /metrics, public "
               f"repo, alarms; {cases}/{cases} in their private issues; {delivered} messages "
               "to participants")


def test_10_embargoed_cases_leak_no_canary(tmp_path: Path, all_logs: Everything) -> None:
    _canaries(tmp_path, all_logs, 10)


@pytest.mark.slow
def test_50_embargoed_cases_leak_no_canary(tmp_path: Path, all_logs: Everything) -> None:
    _canaries(tmp_path, all_logs, 50)
