"""Echoes by identity: a maintainer's command is never taken for the echo of a bridge comment.

The old code recorded "a comment on issue N" before every comment it meant to write, and took
the next comment on that issue within 10 minutes for its echo. When the adapter skipped the
comment (already there, found by its marker) no echo came, and the next comment — a
maintainer's ``/vultron status`` — was swallowed (two skipped comments, two commands lost).
Now a comment's echo is recognised by its marker, a skipped write forgets its record, and only
an event by the bridge's own bot (or an unknown actor) can be an echo at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridge.app.effects import apply_effects
from bridge.core.echoes import comment_kind, event_kinds, may_be_own, with_echo_marker
from bridge.core.effects import Comment as CommentEffect
from bridge.core.effects import SetLabels
from bridge.core.events import EventKind, TrackerEvent
from bridge.core.refs import TrackerRef
from bridge.store.models import TrackerWrite
from tests.fakes.github.harness import BOT
from tests.fakes.github.model import Comment, Label, User
from tests.support.app_env import Env, make_env, offer

REF = TrackerRef("github", "acme/embargoed", 1)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    with make_env(tmp_path) as e:
        e.post(offer(1))
        assert e.work() == ["done"]
        e.forward = _forwarder(e)  # type: ignore[attr-defined]
        e.forward()  # type: ignore[attr-defined]
        yield e


def _forwarder(env: Env) -> Any:
    sent = [len(env.tracker.deliveries)]

    def forward() -> list[str]:
        deliveries = env.tracker.deliveries
        for headers, body in deliveries[sent[0]:]:
            answer = env.client.post("/webhooks/github", content=body, headers=headers)
            assert answer.status_code == 202, answer.text
        sent[0] = len(deliveries)
        return env.work()

    def skip() -> None:
        sent[0] = len(env.tracker.deliveries)

    forward.skip = skip  # type: ignore[attr-defined]
    return forward


def _person(env: Env, who: str, *, comment: str | None = None, label: str | None = None) -> None:
    fake = env.tracker.fake
    with fake.lock:
        repo = fake.repos[REF.project]
        issue = repo.issues[1]
        payload: dict[str, Any] = {"issue": fake.render.issue(repo, issue)}
        if comment is not None:
            item = Comment(comment, User(who), issue.number)
            issue.comments.append(item)
            payload.update(action="created", comment=fake.render.comment(repo, item))
            event = "issue_comment"
        else:
            assert label is not None
            lab = repo.labels.setdefault(label, Label(label, "ededed", None))
            issue.labels.append(label)
            payload.update(action="labeled", issue=fake.render.issue(repo, issue),
                           label=fake.render.label(repo, lab))
            event = "issues"
        full = {**payload, "repository": fake.render.repo(repo),
                "sender": fake.render.user(User(who))}
    fake.hooks.emit(event, full)


def _bot_comments(env: Env) -> list[str]:
    issue = env.tracker.fake.repos[REF.project].issues[1]
    return [c.body for c in issue.comments if c.user.login == BOT]


def _open_records(env: Env) -> int:
    from sqlalchemy import func, select

    with env.rt.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(TrackerWrite).where(
            TrackerWrite.consumed.is_(False))) or 0)


def test_skipped_comments_do_not_swallow_the_next_commands(env: Env) -> None:
    note = CommentEffect(ref=REF, body="A note from the bridge.", marker_id="note-1",
                         content=False)
    for _ in range(3):  # written once, then skipped twice (its marker is found)
        apply_effects(env.rt, "github", [note])
    assert sum("A note from the bridge." in b for b in _bot_comments(env)) == 1
    env.forward()  # type: ignore[attr-defined]  # the one echo: consumed
    before = len(_bot_comments(env))
    for _ in range(2):
        _person(env, "maintainer", comment="/vultron status")
        env.forward()  # type: ignore[attr-defined]
    replies = _bot_comments(env)[before:]
    assert len(replies) == 2, replies  # each command answered: neither was swallowed
    env.forward()  # type: ignore[attr-defined]  # the replies' own echoes are recognised
    assert len(_bot_comments(env)) == before + 2
    assert _open_records(env) == 0


def test_a_person_repeating_the_bridges_label_is_not_its_echo(env: Env) -> None:
    from sqlalchemy import select

    from bridge.store import outbox

    apply_effects(env.rt, "github", [SetLabels(ref=REF, add=("vultron:valid",))])
    env.forward.skip()  # type: ignore[attr-defined]  # the bridge's own echo is late
    with env.rt.sessions() as s:
        queued = len(outbox.list_outbox(s, limit=1000))
    _person(env, "maintainer", label="vultron:valid")
    env.forward()  # type: ignore[attr-defined]
    with env.rt.sessions() as s:
        assert len(outbox.list_outbox(s, limit=1000)) > queued  # the person's label counted
        rows = s.execute(select(TrackerWrite.kind, TrackerWrite.consumed)
                         .where(TrackerWrite.kind == "label_add:vultron:valid")).all()
    assert [r.consumed for r in rows] == [False]  # still waiting for the bridge's own echo


def test_the_pure_rules() -> None:
    body = with_echo_marker("github:a/b#1", "hello")
    assert with_echo_marker("github:a/b#1", body) == body
    kind = comment_kind(None, body)
    assert kind is not None and kind.startswith("comment:e")
    event = TrackerEvent(kind=EventKind.COMMENTED, tracker="github", ref=REF, actor=BOT,
                         text=body, at=0.0, delivery_id="d")
    assert event_kinds(event) == [kind]
    human = event.model_copy(update={"text": "/vultron status"})
    assert event_kinds(human) == []
    assert comment_kind("m", "x") is not None and comment_kind("m", "x") != kind
    assert may_be_own(None, BOT) and may_be_own("Vultron-Bot", BOT) and may_be_own("x", None)
    assert not may_be_own("maintainer", BOT)


def test_a_validated_report_loses_its_received_label(env: Env) -> None:
    """The state labels are exclusive (docs/mapping.md): a maintainer's ``vultron:valid``
    replaces ``vultron:received`` (the old code left both on the issue)."""
    issue = env.tracker.fake.repos[REF.project].issues[1]
    assert "vultron:received" in issue.labels
    _person(env, "maintainer", label="vultron:valid")
    env.forward()  # type: ignore[attr-defined]
    env.forward()  # type: ignore[attr-defined]  # the removal's own echo
    assert [n for n in issue.labels if n.startswith("vultron:")] == ["vultron:valid"]
