"""The operational log: one line per accepted input, processed or failed input, delivery attempt
and alarm — and in the whole log of a run, not one byte of report content or of a secret.

On the old code there was no line for an accepted input, a failure or a dead delivery, and
httpx printed the notifier's secret webhook URL at INFO on every alarm.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.core.retry import RetryPolicy, Verdict
from bridge.delivery import worker
from bridge.delivery.outcome import DeliveryOutcome
from bridge.logs import configure
from bridge.store import db, outbox
from tests.fakes.github import harness as gh
from tests.support.app_env import FINDER, make_env, offer

CANARY = "CANARY-7f3a-heap-overflow-in-parse"
API_TOKEN = "api-token-CANARY-9d2e"
BEARER = "bearer-CANARY-51c0"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level,
             {n: logging.getLogger(n).level for n in ("httpx", "httpcore")})
    stream = io.StringIO()
    configure("debug", "text", stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)


def _events(text: str) -> list[str]:
    return [line.split(" ")[3] for line in text.splitlines() if line.count(" ") >= 3]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_full_run_logs_each_step_and_no_content_or_secret(
        tmp_path: Path, captured: io.StringIO, fmt: str) -> None:
    configure("debug", fmt, captured)
    extra = f"api_tokens: [{{token: {API_TOKEN}, role: operator}}]\n"
    with make_env(tmp_path, project=gh.PUBLIC_REPO, trusted=[(FINDER, BEARER)],
                  extra=extra) as env:
        headers = {"Content-Type": "application/activity+json",
                   "Authorization": f"Bearer {BEARER}"}
        assert env.post(offer(1, content=CANARY), headers).status_code == 202
        assert env.post(offer(1, content=CANARY), headers).json()["status"] == "duplicate"
        assert env.work() == ["failed"]  # a public destination: refused, alarm raised
        assert env.alarms.texts, "the alarm went out"
        with db.transaction(env.rt.sessions) as s:
            outbox.enqueue(s, "https://bridge.test/a/1", {"type": "Note", "content": CANARY},
                           [(FINDER, FINDER + "/inbox/")], env.rt.clock())
        policy = RetryPolicy(base=1, factor=2, cap=10, max_attempts=2)
        for _ in range(2):
            env.rt.clock = _later(env.rt.clock, 60)
            worker.run_once(env.rt.sessions, lambda item: DeliveryOutcome(
                Verdict.RETRY, status=503), worker_id="w", now=env.rt.clock, policy=policy,
                rnd=lambda: 0.5)
        secrets = [gh.WEBHOOK_SECRET, "s3cr3t-path", API_TOKEN, BEARER]
    text = captured.getvalue()
    assert CANARY not in text
    for secret in secrets:
        assert secret not in text, secret
    if fmt == "json":
        records = [json.loads(line) for line in text.splitlines()]
        events = [r["event"] for r in records]
        attempts = [r for r in records if r["event"] == "delivery.attempt"]
        assert [a["verdict"] for a in attempts] == ["retry", "dead"]
        assert attempts[0]["next_in_seconds"] is not None and attempts[0]["status"] == 503
    else:
        events = _events(text)
        assert "verdict=retry" in text and "verdict=dead" in text
    for expected in ("input.accepted", "input.duplicate", "input.failed", "alarm",
                     "delivery.attempt"):
        assert expected in events, (expected, events)


def _later(clock: object, seconds: float) -> object:
    base = clock() if callable(clock) else 0.0
    return lambda: base + seconds


def test_a_peer_chosen_id_cannot_forge_a_log_line(captured: io.StringIO) -> None:
    from bridge.logs import event

    event(logging.getLogger("bridge.test"), "input.accepted",
          key="https://x.example/a\n2026-01-01T00:00:00Z ERROR bridge forged", n=3)
    [line] = captured.getvalue().splitlines()
    assert 'key="https://x.example/a\\n2026' in line and line.endswith("n=3")


def test_httpx_request_lines_are_held_back_even_at_debug(captured: io.StringIO) -> None:
    logging.getLogger("httpx").info("HTTP Request: POST https://hooks.example/s3cr3t")
    logging.getLogger("httpcore.connection").debug("connect_tcp.started host='x'")
    assert captured.getvalue() == ""
