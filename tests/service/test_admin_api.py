"""The admin API: the repair commands over HTTP behind an ``operator`` token, audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.app import process
from bridge.app.runtime import Runtime
from bridge.core.errors import BridgeError
from bridge.store import audit, inbound
from tests.support.app_env import Env, make_env, offer

EXTRA = """api_tokens:
  - {token: op-token-1, role: operator}
  - {token: coord-token-1, role: coordinator}
"""
OP = {"Authorization": "Bearer op-token-1"}


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    with make_env(tmp_path, extra=EXTRA) as e:
        yield e


def _fail_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(rt: Runtime, item: inbound.InboundItem) -> object:
        raise BridgeError("the tracker said no")
    monkeypatch.setitem(process.HANDLERS, "inbox", handler)


def test_an_operator_lists_shows_and_retries_a_failed_input(
        env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as m:
        _fail_everything(m)
        env.post(offer(1))
        assert env.work() == ["failed"]
    listed = env.client.get("/admin/inputs", params={"status": "failed"}, headers=OP)
    assert listed.status_code == 200, listed.text
    [row] = listed.json()["inputs"]
    assert row["last_error"] == "error: the tracker said no"
    shown = env.client.get(f"/admin/inputs/{row['id']}", headers=OP).json()
    assert shown["status"] == "failed" and "body" not in shown
    assert "heap overflow" not in listed.text + str(shown)
    retried = env.client.post(f"/admin/inputs/{row['id']}/retry", json={"reason": "fixed"},
                              headers=OP)
    assert retried.status_code == 200 and retried.json()["status"] == "pending"
    again = env.client.post(f"/admin/inputs/{row['id']}/retry", headers=OP)
    assert again.status_code == 409
    assert again.json()["reason"] == "the input is pending, not failed"
    assert env.work() == ["done"]
    with env.rt.sessions() as s:
        [entry] = [e for e in audit.export(s) if e["kind"] == "operator.input_retry"]
    assert entry["data"]["by"].startswith("api:sha256:") and entry["data"]["via"] == "api"
    assert "op-token-1" not in str(entry)


def test_only_operator_tokens_may_use_it(env: Env) -> None:
    assert env.client.get("/admin/inputs").status_code == 401
    coordinator = {"Authorization": "Bearer coord-token-1"}
    refused = env.client.get("/admin/inputs", headers=coordinator)
    assert refused.status_code == 403 and "coordinator token" in refused.json()["error"]
    assert env.client.post("/admin/inputs/1/retry", headers=coordinator).status_code == 403
    assert env.client.get("/admin/deliveries", headers=OP).json() == {"deliveries": []}
    assert env.client.get("/admin/deliveries/5", headers=OP).status_code == 404
    assert env.client.post("/admin/inputs/1/explode", headers=OP).status_code == 404
    bad = env.client.get("/admin/inputs", params={"status": "weird"}, headers=OP)
    assert bad.status_code == 400 and "status must be one of" in bad.json()["error"]
