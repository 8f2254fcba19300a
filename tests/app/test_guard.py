"""The embargo guard: each breach kind, end to end through the webhook route, raises an alarm
at a loopback notifier (naming case, ref and end, never content); ended embargoes are noted."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from bridge.app.guard import check_expired
from bridge.store import state
from tests.fakes.github.model import User
from tests.support.app_env import FINDER, Env, make_env, offer

REPORT = "https://finder.example/reports/1"
END = "2099-01-31T12:00:00-05:00"
CANARY = "CANARY-guard-5e1 use after free in render()"


def put_embargo_in_force(env: Env, end: str = END) -> None:
    env.post(offer(content=CANARY))
    env.post({"type": "Add", "id": "https://finder.example/activities/embargo-1", "actor": FINDER,
              "object": {"type": "EmbargoEvent", "id": f"{REPORT}/embargo", "endTime": end},
              "target": REPORT})
    assert env.work() == ["done", "done"]
    with env.rt.sessions() as session:
        record = state.get_case(session, REPORT)
    assert record is not None and record.em_state == "ACTIVE"


def deliver(env: Env, kind: str, headers: dict[str, str], body: bytes) -> None:
    response = env.client.post(f"/webhooks/{kind}", content=body, headers=headers)
    assert response.status_code == 202, response.text


def emit_as_human(env: Env, repo_name: str, event: str, payload: dict[str, Any]) -> None:
    fake = env.tracker.fake
    repo = fake.repos[repo_name]
    full = {**payload, "repository": fake.render.repo(repo),
            "sender": fake.render.user(User("maintainer"))}
    fake.hooks.emit(event, full)


def assert_alarm(env: Env, what: str, ref: str) -> None:
    assert env.alarms.texts, "no alarm reached the notifier"
    alarm = env.alarms.texts[-1]
    assert what in alarm and ref in alarm and REPORT in alarm
    assert "2099-01-31T17:00:00+00:00" in alarm  # the agreed end, in UTC
    assert CANARY not in alarm


def test_repository_made_public(tmp_path: Path) -> None:
    with make_env(tmp_path) as env:
        put_embargo_in_force(env)
        issue = env.tracker.fake.repos["acme/embargoed"].issues[1]
        comments_before = len(issue.comments)
        env.tracker.fake.repos["acme/embargoed"].private = False
        emit_as_human(env, "acme/embargoed", "repository", {"action": "publicized"})
        headers, body = env.tracker.deliveries[-1]
        deliver(env, "github", headers, body)
        env.work()
        assert_alarm(env, "was made public", "github:acme/embargoed#1")
        # nothing written on a public issue: no comment, and no label announcing the embargo
        # (tracker-side authority, docs/security.md); the alarm carries the breach
        assert "vultron:embargo-breach" not in issue.labels
        assert len(issue.comments) == comments_before
        assert "embargo.breach" in env.audit_kinds()


def test_advisory_published(tmp_path: Path) -> None:
    with make_env(tmp_path, mode="advisory") as env:
        put_embargo_in_force(env)
        fake = env.tracker.fake
        repo = fake.repos["acme/widget"]
        [advisory] = repo.advisories.values()
        advisory.state = "published"  # a maintainer published it in the web UI
        emit_as_human(env, "acme/widget", "repository_advisory", {
            "action": "published", "repository_advisory": fake.render.advisory(repo, advisory)})
        headers, body = env.tracker.deliveries[-1]
        deliver(env, "github", headers, body)
        env.work()
        assert_alarm(env, "advisory was published", f"github:acme/widget@{advisory.ghsa_id}")
        # the bridge itself published nothing and wrote no comment on the public advisory
        assert not repo.issues and len(repo.advisories) == 1
        assert CANARY not in json.dumps([m for m in env.alarms.received])


def test_confidential_flag_removed(tmp_path: Path) -> None:
    with make_env(tmp_path, kind="gitlab", mode="confidential_issue") as env:
        put_embargo_in_force(env)
        h = env.tracker
        h.fake.set_confidential("acme/widgets", 1, False, by=h.human)
        headers, body = h.deliveries[-1]
        deliver(env, "gitlab", headers, body)
        env.work()
        assert_alarm(env, "made public", "gitlab:acme/widgets#1")
        notes = [n for n in h.fake.issue("acme/widgets", 1).notes
                 if "embargo breach" in str(getattr(n, "body", ""))]
        assert notes == []  # the issue is no longer confidential: no note is written there


def test_no_alarm_without_an_embargo(tmp_path: Path) -> None:
    with make_env(tmp_path) as env:
        env.post(offer())
        env.work()
        env.tracker.fake.repos["acme/embargoed"].private = False
        emit_as_human(env, "acme/embargoed", "repository", {"action": "publicized"})
        deliver(env, "github", *env.tracker.deliveries[-1])
        env.work()
        assert env.alarms.texts == []


def test_check_expired_notes_an_ended_embargo_once(tmp_path: Path) -> None:
    now = [datetime.fromisoformat("2030-01-01T00:00:00+00:00").timestamp()]
    with make_env(tmp_path, clock=lambda: now[0]) as env:
        put_embargo_in_force(env, end="2030-01-02T00:00:00+01:00")
        assert check_expired(env.rt) == []
        now[0] += 2 * 86400
        assert check_expired(env.rt) == [REPORT]
        issue = env.tracker.fake.repos["acme/embargoed"].issues[1]
        ended = [c.body for c in issue.comments if "reached its agreed end" in c.body]
        assert len(ended) == 1 and "2030-01-01T23:00:00+00:00" in ended[0]
        assert "vultron:embargo-exited" in issue.labels
        assert "vultron:embargo-active" not in issue.labels
        with env.rt.sessions() as session:
            record = state.get_case(session, REPORT)
        assert record is not None and record.em_state == "EXITED"
        assert check_expired(env.rt) == []
        assert "embargo.expired" in env.audit_kinds()
