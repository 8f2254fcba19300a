"""End to end on GitLab: a person's label and `/vultron` note on a confidential issue →
GitLab's webhook → the bridge → the right activity at a reference-like inbox; the bridge's
own label writes echo back through the hook and cause nothing."""

from __future__ import annotations

from pathlib import Path

from tests.service.bridge_env import bridge_env
from tests.support.servers import wait_for


def test_gitlab_label_then_note_command(tmp_path: Path) -> None:
    with bridge_env(tmp_path, tracker="gitlab") as env:
        assert env.glh is not None
        report_id, ref = env.seed_report(content="CANARY-GL overflow")
        assert ref.tracker == "gitlab"
        env.human_label(ref, "vultron:valid")
        assert wait_for(lambda: len(env.receiver.received) == 2)
        rv, created = env.receiver.received
        assert rv["type"] == "Accept" and rv["object"]["object"]["id"] == report_id
        assert created["type"] == "Create" and created["object"]["type"] == "VulnerabilityCase"
        env.human_comment(ref, "/vultron engage")
        assert wait_for(lambda: len(env.receiver.received) == 3)
        issue = env.glh.fake.issue(ref.project, ref.number)
        assert wait_for(lambda: "vultron:accepted" in issue.labels)
        assert wait_for(lambda: env.inbound_statuses()["pending"] == 0)
        assert [a["type"] for a in env.receiver.received] == ["Accept", "Create", "Join"]
        assert env.receiver.received[2]["context"] == created["object"]["id"]
        assert env.outbox_count() == 3
