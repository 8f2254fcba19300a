"""Tracker-side authority, piece by piece: the pure gate (``bridge.core.rules.standing``), the
public-issue filter (``bridge.core.exposure``), the adapters' ``actor_can_write`` with its
cache (an injected clock: nothing sleeps), the configuration, and the GitHub Action path
(``author_association`` in the event file is not trusted)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from bridge.app.runtime import build_adapter
from bridge.config.schema import TrackerConfig
from bridge.core import exposure
from bridge.core.commands import Command
from bridge.core.effects import Comment, SetLabels
from bridge.core.errors import ConfigurationError
from bridge.core.events import EventKind, TrackerEvent
from bridge.core.refs import TrackerRef
from bridge.core.rules import CaseView, RuleSet, decide
from bridge.core.rules.standing import Standing, check
from bridge.core.ttlcache import TtlCache
from tests.action.harness import action_env
from tests.fakes.github.harness import PRIVATE_REPO, TOKEN, github_harness
from tests.fakes.github.model import Comment as FakeComment
from tests.fakes.github.model import User
from tests.fakes.github.server import Fault
from tests.fakes.gitlab.harness import gitlab_harness

SUBJECT = "https://finder.example/reports/1"
PRIVATE = TrackerRef("github", "acme/embargoed", 1)
PUBLIC = TrackerRef("github", "acme/widget", 7)
NOW = datetime(2030, 1, 1, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _event(kind: EventKind, ref: TrackerRef = PRIVATE, **fields: object) -> TrackerEvent:
    return TrackerEvent(kind=kind, tracker="github", ref=ref, project=ref.project,
                        actor="mallory", **fields)  # type: ignore[arg-type]


LABEL = {"label": "vultron:valid"}
TERMINATE = {"command": Command(name="embargo", args=("terminate",))}


# -- the pure gate ---------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "fields"), [
    (EventKind.LABELED, LABEL), (EventKind.COMMAND, TERMINATE),
    (EventKind.UNLABELED, {"label": "vultron:deferred"}), (EventKind.CLOSED, {}),
])
def test_a_stranger_is_refused_on_a_private_issue_and_told_there(
        kind: EventKind, fields: dict[str, object]) -> None:
    refusal = check(_event(kind, **fields), PRIVATE, SUBJECT,
                    Standing(actor_can_write=False, private=True))
    assert refusal is not None and "write access" in refusal.reason
    assert "mallory" not in refusal.reason  # reasons reach Action summaries: kinds only
    comment = refusal.effects[0]
    assert isinstance(comment, Comment) and comment.ref == PRIVATE and not comment.content
    assert "`mallory`" in comment.body  # named, in backticks (no @-mention)
    removes = [e for e in refusal.effects if isinstance(e, SetLabels)]
    assert removes == ([SetLabels(ref=PRIVATE, remove=("vultron:valid",))]
                       if kind is EventKind.LABELED else [])


def test_a_writer_passes_on_a_private_issue() -> None:
    for kind, fields in ((EventKind.LABELED, LABEL), (EventKind.COMMAND, TERMINATE),
                         (EventKind.CLOSED, {})):
        assert check(_event(kind, **fields), PRIVATE, SUBJECT,
                     Standing(actor_can_write=True, private=True)) is None


def test_a_public_issue_takes_no_label_or_command_even_from_a_writer() -> None:
    standing = Standing(actor_can_write=True, private=False, mirrors={SUBJECT: PRIVATE})
    for kind, fields in ((EventKind.LABELED, LABEL), (EventKind.COMMAND, TERMINATE)):
        refusal = check(_event(kind, PUBLIC, **fields), PUBLIC, SUBJECT, standing)
        assert refusal is not None and "public" in refusal.reason
        [notice] = refusal.effects  # only the private notice: nothing on the public issue
        assert isinstance(notice, Comment) and notice.ref == PRIVATE
        assert f"`{PUBLIC}`" in notice.body
    # closing a public issue is a writer's act there (a release, a fix): it still counts
    assert check(_event(EventKind.CLOSED, PUBLIC), PUBLIC, SUBJECT, standing) is None


def test_without_a_private_mirror_the_refusal_writes_nowhere() -> None:
    refusal = check(_event(EventKind.COMMAND, PUBLIC, **TERMINATE), PUBLIC, SUBJECT,
                    Standing(actor_can_write=False, private=False))
    assert refusal is not None and refusal.effects == ()
    same = Standing(actor_can_write=False, private=False, mirrors={SUBJECT: PUBLIC})
    again = check(_event(EventKind.COMMAND, PUBLIC, **TERMINATE), PUBLIC, SUBJECT, same)
    assert again is not None and again.effects == ()


def test_decide_refuses_before_anything_is_sent_or_the_guard_fires() -> None:
    rules = RuleSet()
    view = CaseView(SUBJECT)
    event = _event(EventKind.LABELED, label="vultron:public")
    stranger = decide(event, view, rules, NOW, Standing(actor_can_write=False, private=True))
    assert stranger.refused and stranger.intents == () and stranger.alert is None
    writer = decide(event, view, rules, NOW, Standing(actor_can_write=True, private=True))
    assert [i.message for i in writer.intents] == ["CP"] and writer.refused is None
    # events that ask for nothing stay ignored, whoever did them
    other = decide(_event(EventKind.LABELED, label="bug"), view, rules, NOW,
                   Standing(actor_can_write=False, private=True))
    assert other.ignored and other.effects == ()


# -- the one filter for public issues -----------------------------------------------------------


def test_public_safe_drops_protocol_labels_and_keeps_removals() -> None:
    effect = SetLabels(ref=PUBLIC, add=("vultron:embargo-active", "needs-triage"),
                       remove=("vultron:embargo-proposed",))
    assert exposure.needs_privacy_check(effect)
    assert exposure.public_safe(effect) == SetLabels(
        ref=PUBLIC, add=("needs-triage",), remove=("vultron:embargo-proposed",))
    assert exposure.public_safe(SetLabels(ref=PUBLIC, add=("vultron:embargo-breach",))) is None
    assert not exposure.needs_privacy_check(SetLabels(ref=PUBLIC, remove=("vultron:valid",)))
    note = Comment(ref=PUBLIC, body="x", content=False)
    assert not exposure.needs_privacy_check(note) and exposure.public_safe(note) == note


# -- the cache --------------------------------------------------------------------------------


def test_ttl_cache_expires_on_the_injected_clock() -> None:
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(60, clock, max_entries=2)
    cache.put("a", 1)
    clock.now += 59.9
    assert cache.get("a") == 1
    clock.now += 0.1
    assert cache.get("a") is None
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)  # over the bound: the oldest goes
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, 2, 3)
    with pytest.raises(ValueError):
        TtlCache(-1, clock)


# -- the adapters -------------------------------------------------------------------------------

PERMISSION = "/collaborators/"


def test_github_answers_are_cached_and_a_revocation_counts_after_the_ttl() -> None:
    clock = Clock()
    with github_harness(clock=clock) as gh:
        ref = TrackerRef("github", PRIVATE_REPO, 1)
        gh.fake.grant(PRIVATE_REPO, "wendy", "write")
        assert gh.adapter.actor_can_write(ref, "wendy")
        assert gh.adapter.actor_can_write(ref, "Wendy")  # logins are case-insensitive
        asked = sum(1 for _, path in gh.fake.requests if PERMISSION in path)
        assert asked == 1
        gh.fake.grant(PRIVATE_REPO, "wendy", None)
        clock.now += 59
        assert gh.adapter.actor_can_write(ref, "wendy")  # still cached
        clock.now += 1
        assert not gh.adapter.actor_can_write(ref, "wendy")  # asked again: revoked
        assert sum(1 for _, path in gh.fake.requests if PERMISSION in path) == 2


def test_github_roles_against_the_configured_minimum() -> None:
    with github_harness() as gh:
        fake = gh.fake
        for login, role in (("tina", "triage"), ("wes", "write"), ("mae", "maintain"),
                            ("sec", "security-triager"), ("rel", "release-writer")):
            fake.grant(PRIVATE_REPO, login, role)
        config = TrackerConfig.model_validate(
            {"kind": "github", "url": fake.base_url, "token": TOKEN, "min_permission": "maintain"})
        strict = build_adapter("github", config)
        ref = TrackerRef("github", PRIVATE_REPO, 1)
        default = gh.adapter  # min_permission write
        assert [default.actor_can_write(ref, n) for n in ("tina", "wes", "mae", "sec", "rel")] \
            == [False, True, True, False, True]  # custom roles count at their base role
        assert [strict.actor_can_write(ref, n) for n in ("wes", "mae")] == [False, True]
        assert not default.actor_can_write(ref, "nobody")  # 404 on a private repository
        assert not default.actor_can_write(TrackerRef("github", "acme/widget", 1), "nobody")
        with pytest.raises(ConfigurationError):
            type(default)(default._s.gh, min_permission="read")


def test_github_a_token_that_may_not_read_permissions_is_a_configuration_error() -> None:
    with github_harness() as gh:
        gh.fake.inject(Fault(method="GET", path=PERMISSION, status=403,
                             message="Resource not accessible by integration"))
        with pytest.raises(ConfigurationError, match="Metadata: read"):
            gh.adapter.actor_can_write(TrackerRef("github", PRIVATE_REPO, 1), "wendy")


def test_gitlab_access_levels_against_the_configured_minimum() -> None:
    clock = Clock()
    with gitlab_harness(clock=clock) as gl:
        gl.fake.add_user("rory", "glpat-rory", role="reporter")
        gl.fake.add_user("dev", "glpat-dev", role="developer")
        ref = gl.ref(1)
        assert [gl.adapter.actor_can_write(ref, n) for n in ("rory", "dev", "alice", "ghost")] \
            == [False, True, True, False]
        config = TrackerConfig.model_validate(
            {"kind": "gitlab", "url": gl.fake.url, "token": "glpat-bot-token-0000",
             "min_access_level": 20})
        assert build_adapter("gitlab", config).actor_can_write(ref, "rory")
        asked = gl.requests_to("GET", "/members/all/" + str(gl.fake.state.users[
            "glpat-rory"].id))
        assert asked == 2  # once per adapter: the second question was answered from the cache
        assert gl.adapter.actor_can_write(ref, "rory") is False


def test_the_options_belong_to_their_tracker_kind() -> None:
    with pytest.raises(ValidationError, match="min_access_level is for GitLab"):
        TrackerConfig.model_validate({"kind": "github", "min_access_level": 20})
    with pytest.raises(ValidationError, match="min_permission is for GitHub"):
        TrackerConfig.model_validate({"kind": "gitlab", "min_permission": "write"})
    with pytest.raises(ValidationError):
        TrackerConfig.model_validate({"kind": "github", "min_permission": "read"})
    defaults = TrackerConfig.model_validate({"kind": "gitlab"})
    assert (defaults.min_access_level, defaults.permission_cache_seconds) == (30, 60.0)


# -- the GitHub Action ----------------------------------------------------------------------------


def test_the_action_asks_the_api_and_ignores_author_association(tmp_path: Path) -> None:
    with action_env(tmp_path) as env:
        result = env.dispatch(env.offer())
        assert result.code == 0, result.output
        number = env.issues()[0].number
        fake = env.fake
        with fake.lock:
            repo = fake.repos[env.repo]
            issue = repo.issues[number]
            comment = FakeComment("/vultron embargo terminate", User("mallory"), number)
            issue.comments.append(comment)
            rendered = fake.render.comment(repo, comment)
            # a forged or misleading association must not matter: the API is asked
            rendered["author_association"] = "OWNER"
            payload = {"action": "created", "issue": fake.render.issue(repo, issue),
                       "comment": rendered, "repository": fake.render.repo(repo),
                       "sender": fake.render.user(User("mallory"))}
        refused = env.run("issue_comment", payload)
        assert refused.code == 0, refused.output
        assert env.receiver.received == []
        assert "lacks write access" in refused.summary
        assert any(PERMISSION + "mallory/permission" in p for _, p in fake.requests)
        notices = [c.body for c in issue.comments if "was not acted on" in c.body]
        assert len(notices) == 1 and "`mallory`" in notices[0]


def test_the_action_counts_a_writers_command(tmp_path: Path) -> None:
    with action_env(tmp_path) as env:
        assert env.dispatch(env.offer()).code == 0
        number = env.issues()[0].number
        allowed = env.run("issue_comment", env.comment_event(number, "/vultron validate"))
        assert allowed.code == 0, allowed.output
        assert [a["type"] for a in env.receiver.received][:1] == ["Accept"]
