"""The processing worker: scheduled checks run from its loop; notices without report content
are skipped (not failed) on an issue that is no longer private."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bridge.app import guard, process
from bridge.app.effects import apply_effects
from bridge.core.effects import Comment
from tests.service.bridge_env import bridge_env


def test_worker_loop_runs_the_embargo_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    with bridge_env(tmp_path, workers=False) as env:
        stop = threading.Event()

        def check(rt: object) -> list[str]:
            calls.append("checked")
            stop.set()
            return []

        monkeypatch.setattr(guard, "check_expired", check)
        process.run_forever(env.rt, "t", stop, idle=0.01)
    assert calls == ["checked"]


def test_notice_on_a_public_issue_is_skipped_but_content_is_refused(tmp_path: Path) -> None:
    from bridge.core.errors import NotPrivateError

    with bridge_env(tmp_path, workers=False) as env:
        _, ref = env.seed_report()
        env.gh.fake.set_private(ref.project, False)
        apply_effects(env.rt, "github", [Comment(ref=ref, body="breach notice", content=False)])
        with pytest.raises(NotPrivateError):
            apply_effects(env.rt, "github", [Comment(ref=ref, body="CANARY", content=True)])
        issue = env.gh.fake.repos[ref.project].issues[ref.number]  # type: ignore[index]
        assert issue.comments == []
