"""Privacy after the write: a destination made public while report content was being written
raises the alarm at once; an issue transferred to a public repository is checked where it
lives now, and nothing is written there.

On the old code the comment landed in a repository made public during the check with no alarm
until the "publicized" webhook, and after a transfer the *old* repository was checked while the
write followed GitHub's redirect into the new, public one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridge.app.effects import apply_effects
from bridge.core.effects import Comment
from bridge.core.errors import NotPrivateError
from bridge.core.refs import TrackerRef
from tests.fakes.github import harness as gh
from tests.support.app_env import Env, make_env, offer

CANARY = "CANARY-after-write-5be1 use-after-free in free_list()"
REF = TrackerRef("github", gh.PRIVATE_REPO, 1)


class PublicizedDuringWrite:
    """The real adapter, but the repository is made public while the comment is written."""

    def __init__(self, env: Env) -> None:
        self.inner = env.tracker.adapter
        self.fake = env.tracker.fake

    def comment(self, ref: TrackerRef, body: str, *, marker_id: str | None = None) -> Any:
        written = self.inner.comment(ref, body, marker_id=marker_id)
        self.fake.set_private(ref.project, False)  # someone flips it, just then
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    with make_env(tmp_path) as e:
        e.post(offer(1))
        assert e.work() == ["done"]
        yield e


def _audit(env: Env, kind: str) -> list[dict[str, Any]]:
    from bridge.store import audit

    with env.rt.sessions() as s:
        return [e for e in audit.export(s) if e["kind"] == kind]


def test_a_repository_made_public_during_a_content_write_raises_the_alarm_at_once(
        env: Env) -> None:
    env.rt._adapters["github"] = PublicizedDuringWrite(env)  # type: ignore[assignment]
    before = len(env.alarms.texts)
    apply_effects(env.rt, "github", [Comment(ref=REF, body=f"details: {CANARY}")])
    [entry] = _audit(env, "privacy.exposed")
    assert entry["data"]["ref"] == str(REF) and "public" in entry["data"]["reason"]
    alarms = env.alarms.texts[before:]
    assert len(alarms) == 1 and "no longer private" in alarms[0] and str(REF) in alarms[0]
    assert CANARY not in alarms[0] and CANARY not in str(entry)


def test_a_notice_without_content_is_not_rechecked(env: Env) -> None:
    env.rt._adapters["github"] = PublicizedDuringWrite(env)  # type: ignore[assignment]
    apply_effects(env.rt, "github", [Comment(ref=REF, body="a notice", content=False)])
    assert _audit(env, "privacy.exposed") == []


def test_an_issue_transferred_to_a_public_repository_is_checked_where_it_lives(
        env: Env) -> None:
    fake = env.tracker.fake
    moved = fake.transfer(gh.PRIVATE_REPO, 1, gh.PUBLIC_REPO)
    with pytest.raises(NotPrivateError, match=f"transferred to {gh.PUBLIC_REPO}"):
        apply_effects(env.rt, "github", [Comment(ref=REF, body=f"details: {CANARY}")])
    public = fake.repos[gh.PUBLIC_REPO].issues[moved.number]
    assert not any(CANARY in c.body for c in public.comments)
    assert not any(CANARY in c.body for c in fake.repos[gh.PRIVATE_REPO].issues[1].comments)
