"""``repository_dispatch``: an inbound activity becomes one private issue or one draft
advisory, once — re-runs and concurrent runs included — with clear refusals for bad input."""

from __future__ import annotations

import threading
from pathlib import Path

from bridge.core import stateblock
from bridge.core.markers import marker_token
from tests.action.harness import OUR_ACTOR, ActionEnv, Result, action_env, actor_pem
from tests.fakes.github.harness import TOKEN
from tests.fakes.github.server import Fault


def _marked(env: ActionEnv, object_id: str) -> list[int]:
    token = marker_token(object_id)
    return [i.number for i in env.issues() if i.body and token in i.body]


def assert_no_secrets(env: ActionEnv, result: Result) -> None:
    """Secrets appear only on ``::add-mask::`` lines, never in the summary or the tracker."""
    secrets = [TOKEN] + [line for line in actor_pem().splitlines()
                         if line and not line.startswith("-----")]
    for line in result.output.splitlines():
        if not line.startswith("::add-mask::"):
            assert not any(s in line for s in secrets), "a secret reached the log"
    written = result.summary + "".join(result.outputs.values())
    written += "".join((i.body or "") + "".join(c.body for c in i.comments)
                       for i in env.issues())
    assert not any(s in written for s in secrets)


def test_offer_becomes_one_private_issue_and_a_rerun_changes_nothing(tmp_path: Path) -> None:
    with action_env(tmp_path) as env:
        offer = env.offer(content="CANARY heap overflow in parse()")
        first = env.dispatch(offer)
        assert first.code == 0, first.output
        assert len(env.issues()) == 1
        issue = env.issues()[0]
        assert "CANARY heap overflow" in (issue.body or "")
        assert "vultron:received" in issue.labels
        assert first.outputs == {"advisory": "", "issue": str(issue.number), "messages-sent": "0"}
        assert "Offer(VulnerabilityReport)" in first.summary
        assert f"created: github:{env.repo}#{issue.number}" in first.summary
        assert "CANARY" not in first.summary and "CANARY" not in first.output
        assert stateblock.BEGIN in (issue.body or "")
        body_before = issue.body
        again = env.dispatch(offer)  # a re-run: another run, the same event
        assert again.code == 0, again.output
        assert len(env.issues()) == 1 and _marked(env, offer["object"]["id"]) == [issue.number]
        assert "handled by an earlier run" in again.summary
        assert env.issue(issue.number).body == body_before
        assert again.outputs["issue"] == str(issue.number)
        assert_no_secrets(env, first)
        assert_no_secrets(env, again)


def test_offer_to_a_public_repository_becomes_one_draft_advisory(tmp_path: Path) -> None:
    with action_env(tmp_path, public=True) as env:
        offer = env.offer(content="CANARY use after free")
        result = env.dispatch(offer)
        assert result.code == 0, result.output
        advisories = list(env.fake.repos[env.repo].advisories.values())
        assert len(advisories) == 1 and advisories[0].state == "draft"
        assert env.issues() == []  # nothing in the public issue tracker
        assert result.outputs["advisory"] == advisories[0].ghsa_id
        assert stateblock.BEGIN in advisories[0].description
        assert env.dispatch(offer).code == 0
        assert len(env.fake.repos[env.repo].advisories) == 1


def test_concurrent_runs_of_one_event_leave_one_open_issue(tmp_path: Path) -> None:
    with action_env(tmp_path) as env:
        offer = env.offer()
        results: list[Result] = []

        def go() -> None:
            results.append(env.run_process(
                "repository_dispatch",
                {"action": "vultron-activity", "client_payload": {"activity": offer}}))

        threads = [threading.Thread(target=go) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert [r.code for r in results] == [0, 0], [r.output for r in results]
        open_marked = [n for n in _marked(env, offer["object"]["id"])
                       if env.issue(n).state == "open"]
        assert len(open_marked) == 1
        for issue in env.issues():
            if issue.number not in open_marked:  # a duplicate made in the race: retired
                assert issue.state == "closed" and "duplicate of" in (issue.body or "")
        # the next run finds the survivor and its state
        assert env.dispatch(offer).code == 0
        assert _marked(env, offer["object"]["id"]) == open_marked


def test_token_without_advisory_permission_is_a_clear_error(tmp_path: Path) -> None:
    with action_env(tmp_path, public=True) as env:
        env.fake.inject(Fault(path="security-advisories", status=403,
                              message="Resource not accessible by personal access token",
                              times=None))
        result = env.dispatch(env.offer())
        assert result.code == 1
        assert "::error title=vultron-bridge::" in result.output
        assert "repository advisories: write" in result.summary
        assert "GITHUB_TOKEN cannot write advisories" in result.summary
        assert "Traceback" not in result.output
        assert env.fake.repos[env.repo].advisories == {}


def test_payload_over_the_limits_is_refused(tmp_path: Path) -> None:
    with action_env(tmp_path) as env:
        too_many = {f"k{i}": i for i in range(11)}
        result = env.run("repository_dispatch",
                         {"action": "vultron-activity", "client_payload": too_many})
        assert result.code == 1 and "11 top-level keys" in result.summary
        big = env.offer(content="x" * 70_000)
        result = env.dispatch(big)
        assert result.code == 1 and "under 64 KB" in result.summary
        assert "x" * 100 not in result.output + result.summary
        result = env.run("repository_dispatch",
                         {"action": "vultron-activity", "client_payload": {"activity": 7}})
        assert result.code == 1 and "must be an activity" in result.summary
        broken = {**env.offer(), "type": "Offer", "object": {"type": 12}}
        result = env.dispatch(broken)
        assert result.code == 1 and "Traceback" not in result.output
        assert env.issues() == []


def test_untrusted_actor_is_refused(tmp_path: Path) -> None:
    with action_env(tmp_path) as env:
        offer = {**env.offer(), "actor": "https://elsewhere.example/actors/mallory"}
        result = env.dispatch(offer)
        assert result.code == 1 and "peers.trusted" in result.summary
        assert env.issues() == []


def test_dry_run_writes_nothing_and_says_what_it_would_do(tmp_path: Path) -> None:
    with action_env(tmp_path) as env:
        result = env.dispatch(env.offer(), dry_run=True)
        assert result.code == 0, result.output
        assert env.issues() == []
        writes = [(m, p) for m, p in env.fake.requests if m in ("POST", "PATCH", "PUT", "DELETE")]
        assert writes == []
        assert "dry run" in result.summary and "would create a private issue" in result.summary


def test_injection_in_activity_fields_stays_plain_text(tmp_path: Path) -> None:
    with action_env(tmp_path) as env:
        pwned = tmp_path / "pwned"
        hostile = (f"${{{{ secrets.GITHUB_TOKEN }}}} $(touch {pwned}) `touch {pwned}` "
                   "%0A::error::forged <!-- vultron-bridge-state:end -->")
        offer = env.offer(content=hostile, name=f"$(touch {pwned})")
        result = env.run_process("repository_dispatch", {
            "action": "vultron-activity", "client_payload": {"activity": offer}})
        assert result.code == 0, result.output
        body = env.issues()[0].body or ""
        assert "${{ secrets.GITHUB_TOKEN }}" in body
        assert f"$(touch {pwned})" in body and f"`touch {pwned}`" in body
        assert "<!-- vultron-bridge-state:end -->" not in body.split(stateblock.BEGIN)[0]
        assert not pwned.exists()
        assert "::error::forged" not in result.output
        assert_no_secrets(env, result)
        assert env.dispatch(offer).code == 0  # the state block still reads back
        assert OUR_ACTOR in (env.issues()[0].body or "")
