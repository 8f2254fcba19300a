"""``vultron-bridge inputs|deliveries``: an operator sees why something stalled and repairs it.

The story of the issue: with a wrong GitLab token an incoming report fails; fixing the token
and restarting changes nothing by itself; ``inputs retry`` (or the finder's resend of the same
bytes) gets it processed — once. On the old code there was no such command and the resend was
answered ``202 duplicate`` with the report lost for good.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pydantic import SecretStr

from adapters.gitlab.adapter import GitLabAdapter
from bridge.app.runtime import Runtime
from bridge.cli.main import cli
from bridge.config import BridgeConfig
from bridge.store import audit, db, outbox
from tests.fakes.gitlab.harness import BOT_TOKEN
from tests.support.app_env import Env, make_env, offer

WRONG = "glpat-wrong-token"


def _with_token(config: BridgeConfig, token: str) -> BridgeConfig:
    tracker = config.trackers["gitlab"].model_copy(update={"token": SecretStr(token)})
    return config.model_copy(update={"trackers": {"gitlab": tracker}})


def _runtime(config: BridgeConfig) -> Runtime:
    """A Runtime as ``serve`` builds it: the production adapter with the configured token."""
    def factory(name: str, tracker: Any) -> GitLabAdapter:
        return GitLabAdapter(tracker.api_url(), private_token=tracker.token.get_secret_value(),
                             name=name, username=tracker.bot_login, timeout=3)
    return Runtime.from_config(config, adapter_factory=factory)


@pytest.fixture
def gitlab(tmp_path: Path) -> Iterator[tuple[Env, Path]]:
    with make_env(tmp_path, kind="gitlab", mode="confidential_issue") as env:
        cfg = tmp_path / "cli.yml"
        cfg.write_text(f'database_url: "{env.rt.config.database_url}"\n', encoding="utf-8")
        yield env, cfg


def run(cfg: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, [args[0], args[1], "--config", str(cfg), *args[2:]])


def _work(rt: Runtime) -> list[str]:
    from bridge.app import process
    from bridge.store import inbound

    statuses: list[str] = []
    while True:
        with db.transaction(rt.sessions) as session:
            items = inbound.claim_inbound(session, "test", rt.clock(), 60, 50)
        if not items:
            return statuses
        statuses += [process.process_one(rt, item) for item in items]


def _confidential_issues(env: Env) -> list[Any]:
    return [i for i in env.tracker.fake.state.issues.values() if i.confidential]


def test_a_report_failed_by_a_wrong_token_is_processed_once_after_inputs_retry(
        gitlab: tuple[Env, Path]) -> None:
    env, cfg = gitlab
    assert env.post(offer(1)).status_code == 202
    broken = _runtime(_with_token(env.rt.config, WRONG))
    assert _work(broken) == ["failed"]
    fixed = _runtime(_with_token(env.rt.config, BOT_TOKEN))  # "restart" with the right token
    assert _work(fixed) == [], "a failed input stays failed by itself"

    listed = run(cfg, "inputs", "list", "--status", "failed", "--json")
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    assert row["source"] == "inbox:vendor" and row["key"].endswith("/offer-1")
    assert row["last_error"].startswith("configuration:"), row["last_error"]
    shown = run(cfg, "inputs", "show", str(row["id"]))
    assert "heap overflow" not in shown.output and "last_error: configuration:" in shown.output
    assert "heap overflow" in run(cfg, "inputs", "show", str(row["id"]), "--body").output

    retried = run(cfg, "inputs", "retry", str(row["id"]), "--by", "olga",
                  "--reason", "token fixed")
    assert retried.exit_code == 0, retried.output
    assert retried.output.strip() == f"input {row['id']}: now pending"
    again = run(cfg, "inputs", "retry", str(row["id"]))
    assert again.exit_code == 1 and "the input is pending, not failed" in again.output
    assert _work(fixed) == ["done"]
    assert _work(fixed) == []
    assert len(_confidential_issues(env)) == 1
    later = run(cfg, "inputs", "retry", str(row["id"]))
    assert later.exit_code == 1 and "the input is done, not failed" in later.output
    with env.rt.sessions() as s:
        [entry] = [e for e in audit.export(s) if e["kind"] == "operator.input_retry"]
    assert entry["data"]["by"] == "olga" and entry["data"]["reason"] == "token fixed"
    assert entry["data"]["was"] == "failed" and entry["data"]["input"] == row["id"]
    for fixed_rt in (broken, fixed):
        fixed_rt.engine.dispose()


def test_the_finders_resend_of_a_failed_report_requeues_it(gitlab: tuple[Env, Path]) -> None:
    env, _ = gitlab
    body = json.dumps(offer(2)).encode()
    assert env.post(body).json()["status"] == "accepted"
    broken = _runtime(_with_token(env.rt.config, WRONG))
    assert _work(broken) == ["failed"]
    fixed = _runtime(_with_token(env.rt.config, BOT_TOKEN))
    answer = env.post(body)
    assert answer.status_code == 202 and answer.json()["status"] == "requeued", answer.text
    assert _work(fixed) == ["done"]
    assert env.post(body).json()["status"] == "duplicate"  # done: nothing to do again
    changed = json.loads(body)
    changed["object"]["content"] = "different bytes under the same id"
    assert env.post(changed).json()["status"] == "duplicate"
    assert _work(fixed) == []
    assert len(_confidential_issues(env)) == 1
    assert "input.requeued_by_resend" in env.audit_kinds()
    for rt in (broken, fixed):
        rt.engine.dispose()


def test_inputs_drop_and_filters(gitlab: tuple[Env, Path]) -> None:
    env, cfg = gitlab
    env.post(offer(3))
    env.post(offer(4))
    [second, first] = json.loads(run(cfg, "inputs", "list", "--json").output)
    assert first["id"] < second["id"]
    assert json.loads(run(cfg, "inputs", "list", "--source", "webhook", "--json").output) == []
    assert len(json.loads(run(cfg, "inputs", "list", "--source", "inbox", "--json").output)) == 2
    assert json.loads(run(cfg, "inputs", "list", "--older-than", "1d", "--json").output) == []
    bad = run(cfg, "inputs", "list", "--older-than", "soon")
    assert bad.exit_code == 2 and "an age like" in bad.output
    dropped = run(cfg, "inputs", "drop", str(first["id"]), "--reason", "spam")
    assert dropped.exit_code == 0 and "now ignored" in dropped.output
    table = run(cfg, "inputs", "list").output
    assert "ignored" in table and "dropped by" in table and "spam" in table
    assert _work(env.rt) == ["done"]  # only the other one
    missing = run(cfg, "inputs", "show", "999")
    assert missing.exit_code == 1 and "no input 999" in missing.output
    assert "operator.input_drop" in env.audit_kinds()


def test_deliveries_list_show_retry_drop(gitlab: tuple[Env, Path]) -> None:
    env, cfg = gitlab
    rt = env.rt
    peer = "https://peer.example/actors/p"
    with db.transaction(rt.sessions) as s:
        for n in (1, 2):
            outbox.enqueue(s, f"https://bridge.test/a/{n}",
                           {"type": "Note", "id": f"https://bridge.test/a/{n}",
                            "content": "secret words"}, [(peer, peer + "/inbox/")], rt.clock())
    with db.transaction(rt.sessions) as s:
        [head] = outbox.claim(s, "w", rt.clock(), 60, 5)
        outbox.mark_dead(s, head, now=rt.clock(), status=410, error="HTTP 410")
    dead = json.loads(run(cfg, "deliveries", "list", "--status", "dead", "--json").output)
    assert [d["id"] for d in dead] == [head.id] and dead[0]["last_status"] == 410
    assert dead[0]["activity_type"] == "Note"
    shown = run(cfg, "deliveries", "show", str(head.id))
    assert "secret words" not in shown.output and "last_error: HTTP 410" in shown.output
    assert "secret words" in run(cfg, "deliveries", "show", str(head.id), "--body").output
    assert run(cfg, "deliveries", "retry", str(head.id)).exit_code == 0
    twice = run(cfg, "deliveries", "retry", str(head.id), "--json")
    assert twice.exit_code == 1
    assert json.loads(twice.output)[0]["reason"] == "the delivery is pending, not dead"
    pending = json.loads(run(cfg, "deliveries", "list", "--status", "pending",
                             "--recipient", peer, "--json").output)
    assert sorted(d["id"] for d in pending) == sorted([head.id, head.id + 1])
    with rt.sessions() as s:
        assert outbox.get_outbox(s, head.id).attempts == 0  # a fresh budget
    assert run(cfg, "deliveries", "drop", str(head.id + 1)).exit_code == 0
    with rt.sessions() as s:
        assert outbox.get_outbox(s, head.id + 1).status == "dead"
    kinds = env.audit_kinds()
    assert "operator.delivery_retry" in kinds and "operator.delivery_drop" in kinds
