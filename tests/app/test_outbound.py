"""End to end: a person's triage in (fake) GitHub → signed webhook → the bridge → the right
activity delivered to a reference-like inbox; the bridge's own changes echo back and cause
nothing."""

from __future__ import annotations

from pathlib import Path

from tests.service.bridge_env import bridge_env
from tests.support.servers import wait_for


def test_label_webhook_delivers_validate_to_the_finder(tmp_path: Path) -> None:
    with bridge_env(tmp_path) as env:
        report_id, ref = env.seed_report(content="CANARY-1 heap overflow in parse()")
        env.human_label(ref, "vultron:valid")
        assert wait_for(lambda: len(env.receiver.received) == 1)
        rv = env.receiver.received[0]
        assert rv["type"] == "Accept"
        assert rv["actor"] == env.rt.actor_id
        assert rv["object"]["type"] == "Offer"
        assert rv["object"]["object"]["id"] == report_id
        signed = env.receiver.headers[0]
        assert "signature" in signed and "digest" in signed


def test_commands_and_the_echoes_of_the_bridges_own_writes(tmp_path: Path) -> None:
    with bridge_env(tmp_path) as env:
        _, ref = env.seed_report()
        env.human_comment(ref, "/vultron validate")
        assert wait_for(lambda: len(env.receiver.received) == 2)  # RV, then the case
        env.human_comment(ref, "Looks real.\n/vultron engage")
        assert wait_for(lambda: len(env.receiver.received) == 3)
        # the bridge set vultron:valid then vultron:accepted through the API; the fake sent
        # those changes back as webhooks (sender: the bridge's bot): they must cause nothing
        labels = env.gh.fake.repos[ref.project].issues[ref.number].labels  # type: ignore[index]
        assert wait_for(lambda: "vultron:accepted" in labels and "vultron:valid" not in labels)
        assert wait_for(lambda: env.inbound_statuses()["pending"] == 0)
        echoes = [w for w in env.gh.fake.hooks.sent if w.payload.get("sender", {}).get("login")
                  == "vultron-bot"]
        assert echoes, "the fake should have echoed the bridge's label writes"
        assert [a["type"] for a in env.receiver.received] == ["Accept", "Create", "Join"]
        assert env.outbox_count() == 3


def test_refused_transition_sends_nothing_and_comments(tmp_path: Path) -> None:
    with bridge_env(tmp_path) as env:
        _, ref = env.seed_report()
        env.human_label(ref, "vultron:fix-deployed")
        issue = env.gh.fake.repos[ref.project].issues[ref.number]  # type: ignore[index]
        assert wait_for(lambda: any("nothing was sent" in c.body for c in issue.comments))
        assert wait_for(lambda: "vultron:fix-deployed" not in issue.labels)
        assert env.receiver.received == [] and env.outbox_count() == 0


def test_duplicate_webhook_delivery_is_one_effect(tmp_path: Path) -> None:
    with bridge_env(tmp_path) as env:
        _, ref = env.seed_report()
        env.human_label(ref, "vultron:valid")
        first = env.gh.fake.hooks.sent[-1]
        import httpx

        for _ in range(5):
            answer = httpx.post(f"{env.bridge_url}/webhooks/github", content=first.body,
                                headers=first.headers)
            assert answer.status_code == 202 and answer.json()["status"] == "duplicate"
        assert wait_for(lambda: len(env.receiver.received) == 2)  # RV and Create(case), once
        assert wait_for(lambda: env.inbound_statuses()["pending"] == 0)
        assert env.outbox_count() == 2
        assert sorted(env.receiver.posts.values()) == [1, 1]


def test_release_naming_the_fix_sends_fix_deployed(tmp_path: Path) -> None:
    from bridge.store import db, state

    with bridge_env(tmp_path) as env:
        report_id, ref = env.seed_report()
        with db.transaction(env.rt.sessions) as session:
            record = state.get_case(session, report_id)
            assert record is not None
            state.put_case(session, report_id, em_state="NONE", cs_state="VFd.pxa",
                           embargo_end=None, data=record.data, now=env.rt.clock())
        repo = env.gh.fake.repos[ref.project]
        release = {"id": 1, "tag_name": "v1.2.3", "name": "v1.2.3", "draft": False,
                   "prerelease": False, "body": f"Security fix for #{ref.number} (see notes).",
                   "html_url": "https://github.com/acme/embargoed/releases/tag/v1.2.3",
                   "published_at": "2026-11-23T10:00:00Z", "created_at": "2026-11-23T10:00:00Z"}
        env._emit(repo, "release", {"action": "published", "release": release})
        assert wait_for(lambda: len(env.receiver.received) == 1)
        cd = env.receiver.received[0]
        assert cd["type"] == "Add" and cd["object"]["type"] == "ParticipantStatus"
        assert cd["object"]["vfdState"] == "VFD"


def test_receiver_faults_are_retried_until_delivered(tmp_path: Path) -> None:
    with bridge_env(tmp_path) as env:
        _, ref = env.seed_report()
        env.receiver.faults.extend([(500, None), (429, "1"), (503, None)])
        env.human_label(ref, "vultron:valid")
        assert wait_for(lambda: len(env.receiver.received) == 2, timeout=20)
        # RV three times refused then delivered; Create(case) waited behind it, once
        assert env.receiver.attempts == 5
        assert [a["type"] for a in env.receiver.received] == ["Accept", "Create"]
        assert env.outbox_count() == 2
