"""``create_app`` builds every route's state before it returns, so no request makes pydantic
generate a schema. FastAPI would otherwise do so on a route's first request, inside
``warnings.catch_warnings()``, which is process-wide: two apps' first requests at once in two
threads (four PostgreSQL nodes in one test process) turned a warning pydantic silences back
on, and one of the hundred inbox posts of tests/reliability/test_idempotency.py got a 500."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic._internal import _generate_schema

from tests.reliability.appenv import INBOX_PATH, activity, app_env, github_headers, labeled_body
from tests.reliability.signing import cavage


def test_no_request_generates_a_pydantic_schema(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with app_env(tmp_path) as env:
        built: list[str] = []
        original = _generate_schema.GenerateSchema.__init__

        def record(self: object, *args: object, **kwargs: object) -> None:
            built.append(type(self).__name__)
            original(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(_generate_schema.GenerateSchema, "__init__", record)
        body = json.dumps(activity(env.alice.actor, 1)).encode()
        hook = labeled_body(1)
        answers = [
            env.client.get("/healthz"),
            env.client.get("/readyz"),
            env.client.get("/metrics"),
            env.client.post(INBOX_PATH, body, cavage(env.alice, body, env.clock())),
            env.client.post("/webhooks/github", hook, github_headers(hook)),
            env.client.get("/actors/vendor"),
        ]
    assert [a.status for a in answers] == [200, 200, 200, 202, 202, 200]
    assert built == []
