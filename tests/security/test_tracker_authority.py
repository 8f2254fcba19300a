"""Tracker-side authority: labels and ``/vultron`` commands count only from people with write
access, and a public issue never takes commands nor carries protocol state.

The attack: a coordinator links a case to a PUBLIC bug issue (a documented use). Any GitHub
user commenting ``/vultron embargo terminate`` (or ``published``, ``close``, ``note …``) on it
made the bridge send that message to every participant in the vendor's name, and the bridge
labelled the public issue ``vultron:embargo-active``, announcing the embargo.

Each test runs the whole bridge (inbox, webhook route, worker, real adapter) against a fake
tracker over HTTP, processing synchronously (no worker threads, no waiting). It snapshots the
store (outbox rows, the subject's state) and the fake's issues before every attempt and
compares after, and prints a matrix: attempt, refused, what leaked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from bridge.store import db, links, outbox, state
from tests.fakes.github.model import Comment, Issue, Label, User
from tests.support.app_env import FINDER, Env, make_env, offer

REPORT = "https://finder.example/reports/1"
CANARY = "CANARY-authority-93c1 stack overflow in decode()"
END = "2099-01-31T12:00:00-05:00"
PUBLIC_GH = "acme/widget"
PUBLIC_GL = "acme/public"


@dataclass
class Snapshot:
    outbox: list[tuple[str, str]]
    subject: tuple[str, str, float | None]
    rm: list[tuple[str, str]]
    public: tuple[tuple[str, ...], tuple[str, ...]]
    """The public issue's labels and the comments the bridge's bot wrote there."""
    mirror_labels: tuple[str, ...]
    mirror_comments: int


@dataclass
class Row:
    attempt: str
    refused: bool
    leaked: list[str]


@dataclass
class Scene:
    env: Env
    kind: str
    mirror: str
    public: str
    labels: Callable[[str], list[str]]
    comments: Callable[[str], list[str]]
    bot_comments: Callable[[str], list[str]]
    act: Callable[[str, str, str, str], None]
    """(who, ref, "label"/"comment", text): a person acts in the tracker's UI."""
    sent: int = 0
    rows: list[Row] = field(default_factory=list)

    def forward(self) -> None:
        """Hand the fake's new webhooks to the bridge and process them now."""
        deliveries = self.env.tracker.deliveries
        for headers, body in deliveries[self.sent:]:
            answer = self.env.client.post(f"/webhooks/{self.kind}", content=body,
                                          headers=headers)
            assert answer.status_code == 202, answer.text
        self.sent = len(deliveries)
        assert set(self.env.work()) <= {"done", "ignored"}

    def snapshot(self) -> Snapshot:
        with self.env.rt.sessions() as session:
            rows = [(r.recipient, str(r.activity.get("type")))
                    for r in outbox.list_outbox(session, limit=10_000)]
            record = state.get_case(session, REPORT)
            assert record is not None
            rm = sorted((p.actor, p.rm_state) for p in state.participants_for_case(session,
                                                                                  REPORT))
        return Snapshot(rows, (record.em_state, record.cs_state, record.embargo_end), rm,
                        (tuple(sorted(self.labels(self.public))),
                         tuple(self.bot_comments(self.public))),
                        tuple(sorted(self.labels(self.mirror))),
                        len(self.comments(self.mirror)))

    def attempt(self, who: str, where: str, how: str, text: str, *, allowed: bool) -> Snapshot:
        """One attempt: the store and the issues before and after; returns the after."""
        before = self.snapshot()
        ref = self.public if where == "public" else self.mirror
        self.act(who, ref, how, text)
        self.forward()
        after = self.snapshot()
        leaked = []
        if after.outbox != before.outbox:
            leaked.append(f"{len(after.outbox) - len(before.outbox)} message(s) queued")
        if after.subject != before.subject or after.rm != before.rm:
            leaked.append("protocol state changed")
        own = {text} if how == "label" and where == "public" else set()  # the person's own
        if (set(after.public[0]) != set(before.public[0]) | own
                or after.public[1] != before.public[1]):
            leaked.append("the bridge wrote on the public issue")
        self.rows.append(Row(f"{who} {how} {text!r} on the {where} issue", not leaked, leaked))
        if allowed:
            assert leaked, f"{who}'s {text!r} should have counted"
        else:
            assert leaked == [], f"{who}'s {text!r} on the {where} issue leaked: {leaked}"
        return after

    def matrix(self) -> str:
        lines = [f"{'attempt':<64} | refused | leaked (or, when allowed, caused)"]
        lines += [f"{r.attempt[:64]:<64} | {'yes' if r.refused else 'no':<7} | "
                  f"{', '.join(r.leaked) or '-'}" for r in self.rows]
        return "\n".join(lines)


def _embargo_in_force(env: Env) -> None:
    env.post({"type": "Add", "id": "https://finder.example/activities/embargo-1",
              "actor": FINDER, "target": REPORT,
              "object": {"type": "EmbargoEvent", "id": f"{REPORT}/embargo", "endTime": END}})
    assert env.work() == ["done"]
    with env.rt.sessions() as session:
        record = state.get_case(session, REPORT)
    assert record is not None and record.em_state == "ACTIVE"


def _link(env: Env, ref: str, relation: str) -> None:
    with db.transaction(env.rt.sessions) as session:
        links.add_link(session, REPORT, ref, relation, "coordinator", env.rt.clock())


# -- GitHub ---------------------------------------------------------------------------------


def _github_scene(env: Env) -> Scene:
    fake = env.tracker.fake
    fake.grant("acme/embargoed", "tina", "triage")
    fake.grant(PUBLIC_GH, "tina", "triage")
    public = fake.repos[PUBLIC_GH]
    with fake.lock:
        public.issues[1] = Issue(1, "Crash when decoding big files", "steps…", User("reporter"))

    def issue(ref: str) -> Any:
        project, _, number = ref.partition(":")[2].partition("#")
        return fake.repos[project].issues[int(number)]

    def act(who: str, ref: str, how: str, text: str) -> None:
        project = ref.partition(":")[2].partition("#")[0]
        with fake.lock:
            repo, item = fake.repos[project], issue(ref)
            payload: dict[str, Any] = {"issue": fake.render.issue(repo, item)}
            if how == "label":
                label = repo.labels.setdefault(text, Label(text, "ededed", None))
                item.labels.append(text)
                payload.update(action="labeled", issue=fake.render.issue(repo, item),
                               label=fake.render.label(repo, label))
                event = "issues"
            else:
                comment = Comment(text, User(who), item.number)
                item.comments.append(comment)
                payload.update(action="created", comment=fake.render.comment(repo, comment))
                event = "issue_comment"
            full = {**payload, "repository": fake.render.repo(repo),
                    "sender": fake.render.user(User(who))}
        fake.hooks.emit(event, full)

    return Scene(env, "github", "github:acme/embargoed#1", f"github:{PUBLIC_GH}#1",
                 labels=lambda r: list(issue(r).labels),
                 comments=lambda r: [c.body for c in issue(r).comments],
                 bot_comments=lambda r: [c.body for c in issue(r).comments
                                         if c.user.login == fake.user.login], act=act)


@pytest.fixture
def github(tmp_path: Path) -> Iterator[Scene]:
    with make_env(tmp_path) as env:
        env.post(offer(content=CANARY))
        assert env.work() == ["done"]
        scene = _github_scene(env)
        _link(env, scene.public, "tracks")  # the coordinator links the public bug issue
        scene.sent = len(env.tracker.deliveries)
        _embargo_in_force(env)
        scene.forward()
        yield scene


def test_github_inbound_embargo_labels_only_the_private_issue(github: Scene) -> None:
    assert "vultron:embargo-active" in github.labels(github.mirror)
    public = github.labels(github.public)
    assert [n for n in public if n.startswith("vultron:")] == [], public


def test_github_strangers_and_triagers_drive_nothing_on_the_private_issue(github: Scene) -> None:
    attempts = [("mallory", "comment", "/vultron embargo terminate"),
                ("mallory", "comment", "/vultron published"),
                ("mallory", "comment", "/vultron close"),
                ("mallory", "comment", f"/vultron note {CANARY}"),
                ("mallory", "label", "vultron:invalid"),
                ("tina", "label", "vultron:public"),
                ("tina", "comment", "/vultron embargo terminate")]
    for who, how, text in attempts:
        after = github.attempt(who, "private", how, text, allowed=False)
        assert after.mirror_labels == github.snapshot().mirror_labels
    comments = github.comments(github.mirror)
    notices = [c for c in comments if "was not acted on" in c and "write access" in c]
    assert len(notices) == len(attempts)
    assert "vultron:invalid" not in github.labels(github.mirror)  # the label that asked: removed
    assert "vultron:public" not in github.labels(github.mirror)
    assert "vultron:embargo-breach" not in github.labels(github.mirror)  # no guard for a triager
    print("\n" + github.matrix())


def test_github_a_writer_drives_the_protocol(github: Scene) -> None:
    after = github.attempt("maintainer", "private", "label", "vultron:valid", allowed=True)
    assert [t for _, t in after.outbox][0] == "Accept"  # RV to the finder (then what follows)
    assert "vultron:valid" in github.labels(github.mirror)
    print("\n" + github.matrix())


def test_github_the_public_issue_takes_no_command_and_says_so_privately(github: Scene) -> None:
    attempts = [("mallory", "comment", "/vultron embargo terminate"),
                ("mallory", "comment", f"/vultron note {CANARY}"),
                ("mallory", "comment", "/vultron close"),
                ("maintainer", "comment", "/vultron published"),  # a writer, but in public
                ("maintainer", "label", "vultron:embargo-accept"),
                ("tina", "label", "vultron:public")]
    for who, how, text in attempts:
        before = len(github.comments(github.mirror))
        after = github.attempt(who, "public", how, text, allowed=False)
        assert after.mirror_comments == before + 1, f"no private notice for {text!r}"
    notes = github.comments(github.mirror)[-len(attempts):]
    assert all("on the public issue `github:acme/widget#1`" in n for n in notes)
    assert all(CANARY not in n for n in notes)
    public = github.labels(github.public)
    assert [n for n in public if n.startswith("vultron:") and n not in
            ("vultron:embargo-accept", "vultron:public")] == []  # only what people put there
    with github.env.rt.sessions() as session:
        record = state.get_case(session, REPORT)
    assert record is not None and record.em_state == "ACTIVE"
    print("\n" + github.matrix())


# -- GitLab ---------------------------------------------------------------------------------

RORY_TOKEN = "glpat-rory-0000"
"""A Reporter (20): sees confidential issues, labels and comments, but is below Developer."""


def _gitlab_scene(env: Env) -> Scene:
    h = env.tracker
    fake = h.fake
    tokens = {"alice": "glpat-alice-0000", "rory": RORY_TOKEN}
    fake.add_user("rory", RORY_TOKEN, role="reporter")
    fake.add_project(PUBLIC_GL, visibility="public")
    fake.seed_issue(PUBLIC_GL, h.human, title="Crash on big files", confidential=False)

    def issue(ref: str) -> Any:
        project, _, number = ref.partition(":")[2].partition("#")
        return fake.issue(project, int(number))

    def act(who: str, ref: str, how: str, text: str) -> None:
        project, _, number = ref.partition(":")[2].partition("#")
        url = f"{fake.url}/api/v4/projects/{quote(project, safe='')}/issues/{number}"
        headers = {"PRIVATE-TOKEN": tokens[who]}
        if how == "label":
            answer = httpx.put(url, headers=headers, json={"add_labels": text}, timeout=10)
        else:
            answer = httpx.post(f"{url}/notes", headers=headers, json={"body": text}, timeout=10)
        assert answer.status_code in (200, 201), answer.text

    return Scene(env, "gitlab", "gitlab:acme/widgets#1", f"gitlab:{PUBLIC_GL}#1",
                 labels=lambda r: list(issue(r).labels),
                 comments=lambda r: [n.body for n in issue(r).notes],
                 bot_comments=lambda r: [n.body for n in issue(r).notes if n.author is h.bot],
                 act=act)


@pytest.fixture
def gitlab(tmp_path: Path) -> Iterator[Scene]:
    with make_env(tmp_path, kind="gitlab", mode="confidential_issue") as env:
        env.post(offer(content=CANARY))
        assert env.work() == ["done"]
        scene = _gitlab_scene(env)
        _link(env, scene.public, "tracks")
        scene.sent = len(env.tracker.deliveries)
        _embargo_in_force(env)
        scene.forward()
        yield scene


def test_gitlab_below_developer_drives_nothing_and_a_maintainer_does(gitlab: Scene) -> None:
    public = gitlab.labels(gitlab.public)
    assert [n for n in public if n.startswith("vultron:")] == [], public
    assert "vultron:embargo-active" in gitlab.labels(gitlab.mirror)
    gitlab.attempt("rory", "private", "label", "vultron:valid", allowed=False)
    gitlab.attempt("rory", "private", "comment", "/vultron embargo terminate", allowed=False)
    assert "vultron:valid" not in gitlab.labels(gitlab.mirror)
    after = gitlab.attempt("alice", "private", "label", "vultron:valid", allowed=True)
    assert [t for _, t in after.outbox][0] == "Accept"
    print("\n" + gitlab.matrix())


def test_gitlab_the_public_issue_takes_no_command(gitlab: Scene) -> None:
    for who in ("rory", "alice"):
        before = len(gitlab.comments(gitlab.mirror))
        after = gitlab.attempt(who, "public", "comment", "/vultron embargo terminate",
                               allowed=False)
        assert after.mirror_comments == before + 1
    notes = gitlab.comments(gitlab.mirror)[-2:]
    assert all("on the public issue `gitlab:acme/public#1`" in n for n in notes)
    print("\n" + gitlab.matrix())
