"""``issues`` / ``issue_comment``: a maintainer's triage on the mirrored issue → signed
protocol messages delivered within the run; re-runs and the bridge's own echoes send nothing."""

from __future__ import annotations

from pathlib import Path

from tests.action.harness import OUR_ACTOR, ActionEnv, action_env
from tests.fakes.github.harness import BOT
from tests.fakes.github.model import User


def _mirrored(env: ActionEnv) -> int:
    result = env.dispatch(env.offer())
    assert result.code == 0, result.output
    return env.issues()[0].number


def test_label_valid_delivers_one_signed_accept_of_the_offer(tmp_path: Path) -> None:
    with action_env(tmp_path) as env:
        number = _mirrored(env)
        event = env.label_event(number, "vultron:valid")
        result = env.run("issues", event, run_id="4242")
        assert result.code == 0, result.output
        assert [a["type"] for a in env.receiver.received] == ["Accept", "Create"]
        accept, created = env.receiver.received
        assert created["object"]["type"] == "VulnerabilityCase"
        assert accept["type"] == "Accept" and accept["actor"] == OUR_ACTOR
        assert accept["object"]["type"] == "Offer"
        assert accept["object"]["id"] == env.offer()["id"]
        headers = env.receiver.headers[0]
        assert "signature" in headers and "digest" in headers
        assert 'keyId="https://vendor.example/actors/vendor#main-key"' in headers["signature"]
        assert result.outputs == {"advisory": "", "issue": str(number), "messages-sent": "2"}
        assert "Accept(Offer) to 127.0.0.1" in result.summary and "delivered" in result.summary
        assert "Create(VulnerabilityCase) to 127.0.0.1" in result.summary
        # a re-run attempt of the same workflow run: the same event, nothing sent again
        again = env.run("issues", event, run_id="4242")
        assert again.code == 0 and len(env.receiver.received) == 2
        assert env.receiver.attempts == 2
        assert again.outputs["messages-sent"] == "0"


def test_note_command_delivers_a_note(tmp_path: Path) -> None:
    with action_env(tmp_path) as env:
        number = _mirrored(env)
        result = env.run("issue_comment",
                         env.comment_event(number, "/vultron note patch is in review"))
        assert result.code == 0, result.output
        assert [a["type"] for a in env.receiver.received] == ["Create"]
        note = env.receiver.received[0]["object"]
        assert note["type"] == "Note" and note["content"] == "patch is in review"
        assert "patch is in review" not in result.summary


def test_echo_of_the_bridges_own_label_sends_nothing(tmp_path: Path) -> None:
    with action_env(tmp_path) as env:
        number = _mirrored(env)
        assert env.run("issue_comment", env.comment_event(number, "/vultron validate")).code == 0
        assert [a["type"] for a in env.receiver.received] == ["Accept", "Create"]
        issue = env.issue(number)
        assert "vultron:valid" in issue.labels  # the bridge set it through the API
        with env.fake.lock:  # the labeled event that write triggers, sent by the bridge's login
            repo = env.fake.repos[env.repo]
            echo = {"action": "labeled", "issue": env.fake.render.issue(repo, issue),
                    "label": env.fake.render.label(repo, repo.labels["vultron:valid"]),
                    "repository": env.fake.render.repo(repo),
                    "sender": env.fake.render.user(User(BOT))}
        result = env.run("issues", echo)
        assert result.code == 0, result.output
        assert len(env.receiver.received) == 2
        assert "echo" in result.summary


def test_refused_transition_is_reported(tmp_path: Path) -> None:
    with action_env(tmp_path) as env:
        number = _mirrored(env)
        result = env.run("issues", env.label_event(number, "vultron:fix-deployed"))
        assert result.code == 0, result.output
        assert env.receiver.received == []
        assert "What was refused" in result.summary
        refused = result.summary.split("What was refused")[1]
        assert "_nothing_" not in refused.split("###")[0]
        assert "::warning title=vultron-bridge refused::" in result.output


def test_issue_without_bridge_state_is_ignored(tmp_path: Path) -> None:
    with action_env(tmp_path) as env:
        _mirrored(env)
        with env.fake.lock:
            from tests.fakes.github.model import Issue
            repo = env.fake.repos[env.repo]
            other = Issue(repo.next_number(), "a bug", "plain bug", User("someone"))
            repo.issues[other.number] = other
        result = env.run("issues", env.label_event(other.number, "vultron:valid"))
        assert result.code == 0, result.output
        assert env.receiver.received == []
