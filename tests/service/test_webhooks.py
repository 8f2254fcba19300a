"""bridge.service.webhooks: what a 202 promises, through the group-committing writer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.core.events import WebhookResult
from bridge.store import inbound
from tests.paths import GITHUB_CORPUS
from tests.reliability.appenv import AppEnv, app_env, github_headers
from tests.reliability.asgi import Request


@pytest.fixture
def env(tmp_path: Path) -> Iterator[AppEnv]:
    with app_env(tmp_path) as e:
        yield e


def _labeled(n: int) -> bytes:
    payload = json.loads((GITHUB_CORPUS / "issues/labeled.payload.json").read_bytes())
    payload["issue"]["number"] = n
    return json.dumps(payload).encode()


def test_each_202_names_its_stored_row_holding_the_normalised_events(env: AppEnv) -> None:
    requests = [Request("POST", "/webhooks/github", body, github_headers(body))
                for body in (_labeled(n) for n in range(1, 41))]
    answers = env.client.many(requests, concurrency=16)
    assert [a.status for a in answers] == [202] * 40
    ids = [a.json()["id"] for a in answers]
    assert len(set(ids)) == 40 and {a.json()["status"] for a in answers} == {"accepted"}
    with env.rt.sessions() as session:
        for request, row_id in zip(requests, ids, strict=True):
            item = inbound.get_inbound(session, row_id)
            assert item is not None and item.status == "pending"
            stored = WebhookResult.model_validate_json(item.body)
            assert stored.delivery_id == request.headers["X-GitHub-Delivery"]
            assert "x-hub-signature-256" in item.headers  # evidence kept; secrets are not
    writer = env.app.state.group_writer
    assert writer.writes == 40 and 1 <= writer.groups <= 40


def test_what_is_ignored_or_refused_never_reaches_the_writer(env: AppEnv) -> None:
    ping = env.github(b'{"zen": "Keep it logically awesome.", "hook_id": 1}', event="ping")
    assert ping.status == 202 and ping.json()["status"] == "ignored"
    forged = env.github(_labeled(1), secret="not the secret")
    assert forged.status == 401
    assert env.app.state.group_writer.writes == 0 and env.counts().inbound == 0
