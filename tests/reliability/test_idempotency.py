"""Invariant 3, duplicates: the same input any number of times, concurrently, over several
processes' worth of engines, is one row, one execution, one effect; the bridge's own writes
echo back and cause nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from bridge.app import process
from bridge.app.effects import apply_effects
from bridge.core.effects import Comment, SetLabels
from bridge.store.inbound import InboundItem
from tests.reliability.appenv import INBOX_PATH, AppEnv, activity, app_env, gitlab_payload
from tests.reliability.figures import figure
from tests.reliability.signing import cavage
from tests.service.bridge_env import bridge_env
from tests.store.dbutil import postgres_schema
from tests.support.servers import wait_for


def _writes(env: object) -> int:
    fake = env.gh.fake  # type: ignore[attr-defined]
    return sum(1 for method, _ in fake.requests if method in ("POST", "PATCH", "PUT", "DELETE"))


def test_one_github_delivery_100_times_20_at_once_is_one_effect(tmp_path: Path) -> None:
    with bridge_env(tmp_path) as env:
        _, ref = env.seed_report()
        env.human_label(ref, "vultron:valid")
        first = env.gh.fake.hooks.sent[-1]
        assert env.receiver.wait_until(lambda: len(env.receiver.received) == 2)  # RV, Create
        assert wait_for(lambda: env.inbound_statuses()["pending"] == 0)
        writes = _writes(env)

        def post(_: int) -> str:
            with httpx.Client(timeout=10) as client:
                answer = client.post(f"{env.bridge_url}/webhooks/github",
                                     content=first.body, headers=first.headers)
            assert answer.status_code == 202, answer.text
            return str(answer.json()["status"])

        with ThreadPoolExecutor(20) as pool:
            outcomes = list(pool.map(post, range(100)))
        assert outcomes.count("duplicate") == 100
        assert wait_for(lambda: env.inbound_statuses()["pending"] == 0)
        with env.rt.sessions() as s:
            from sqlalchemy import func, select

            from bridge.store.models import Inbound

            rows = s.scalar(select(func.count()).select_from(Inbound).where(
                Inbound.key == first.headers["X-GitHub-Delivery"]))
        assert rows == 1
        assert len(env.receiver.received) == 2 and env.outbox_count() == 2
        assert _writes(env) == writes
        figure("github delivery x100 (20 concurrent)", f"1 inbound row, 2 outbox rows, "
               f"2 messages delivered (RV, Create(case)), {_writes(env) - writes} extra "
               "tracker writes, "
               "100/100 answered 202 duplicate")


@contextmanager
def counting_handler(prefix: str) -> Iterator[list[int]]:
    """Replace the worker's handler for ``prefix`` with one that counts executions."""
    calls: list[int] = []
    lock = threading.Lock()
    process._handler("webhook:x")  # load the real table first
    saved = process.HANDLERS.get(prefix)

    def handle(rt: object, item: InboundItem) -> None:
        with lock:
            calls.append(item.id)

    process.HANDLERS[prefix] = handle
    try:
        yield calls
    finally:
        if saved is None:
            process.HANDLERS.pop(prefix, None)
        else:
            process.HANDLERS[prefix] = saved


def test_gitlab_resend_with_one_idempotency_key_is_one_execution(env: AppEnv) -> None:
    body = json.dumps(gitlab_payload()).encode()
    from tests.reliability.appenv import gitlab_headers
    from tests.reliability.asgi import Request

    requests = [Request("POST", "/webhooks/gitlab", body, gitlab_headers(
        body, msg_id="f1e2d3c4-retry-key", timestamp=env.clock())) for _ in range(50)]
    answers = env.client.many(requests, concurrency=10)
    statuses = [a.json()["status"] for a in answers]
    assert all(a.status == 202 for a in answers)
    assert statuses.count("accepted") == 1 and statuses.count("duplicate") == 49
    with counting_handler("webhook") as calls:
        while process.run_once(env.rt, "w1"):
            pass
    assert len(calls) == 1 and env.counts().inbound == 1
    figure("gitlab resend x50 (one Idempotency-Key)", "1 accepted + 49 duplicate (202), "
           "1 inbound row, 1 execution")


@pytest.mark.postgres
def test_one_activity_100_times_over_4_postgres_nodes_is_one_execution(
        tmp_path: Path) -> None:
    with postgres_schema() as url, ExitStack() as stack:
        envs = [stack.enter_context(app_env(tmp_path / f"n{i}", db_url=url)) for i in range(4)]
        for e in envs[1:]:  # one actor key for the cluster, as deployments share it
            e.app.state.inbox_key_fetcher = envs[0].app.state.inbox_key_fetcher
        first = envs[0]
        body = json.dumps(activity(first.alice.actor, 1)).encode()
        headers = cavage(first.alice, body, first.clock())

        def node(i: int) -> list[str]:
            e = envs[i]
            from tests.reliability.asgi import AsgiClient, Request

            with AsgiClient(e.app) as client:
                answers = client.many([Request("POST", INBOX_PATH, body, headers)
                                       for _ in range(25)], concurrency=5)
            return [a.json().get("status", a.text) for a in answers]

        with ThreadPoolExecutor(4) as pool:
            outcomes = [o for part in pool.map(node, range(4)) for o in part]
        assert outcomes.count("accepted") == 1, outcomes
        assert outcomes.count("duplicate") == 99, [o for o in outcomes if o != "duplicate"]
        with counting_handler("inbox") as calls:
            def work(i: int) -> int:
                done = 0
                while (n := process.run_once(envs[i].rt, f"pg-{i}")) or done == 0 and i:
                    done += n
                    if not n:
                        break
                return done

            with ThreadPoolExecutor(4) as pool:
                list(pool.map(work, range(4)))
        assert len(calls) == 1
        assert first.counts().inbound == 1
        figure("activity x100 over 4 PostgreSQL nodes", "1 accepted + 99 duplicate (202), "
               "1 inbound row, 1 execution across 4 workers")


def test_same_activity_id_different_bytes_is_a_duplicate_and_changes_nothing(
        env: AppEnv) -> None:
    doc = activity(env.alice.actor, 7)
    first = json.dumps(doc).encode()
    doc["object"]["content"] = "a different text under the same activity id"
    second = json.dumps(doc, indent=1).encode()
    a = env.client.post(INBOX_PATH, first, cavage(env.alice, first, env.clock()))
    b = env.client.post(INBOX_PATH, second, cavage(env.alice, second, env.clock()))
    assert (a.status, a.json()["status"]) == (202, "accepted")
    assert (b.status, b.json()["status"]) == (202, "duplicate")
    assert a.json()["id"] == b.json()["id"]
    from bridge.store import audit, inbound

    with env.rt.sessions() as s:
        stored = inbound.get_inbound(s, a.json()["id"])
        kinds = [e["kind"] for e in audit.export(s)]
    assert stored is not None and stored.body == first
    assert kinds.count("inbox.changed_duplicate") == 1
    figure("same activity id, different bytes", "202 duplicate, stored row unchanged, "
           "audit inbox.changed_duplicate")


def test_100_echo_round_trips_cause_no_message(tmp_path: Path) -> None:
    with bridge_env(tmp_path) as env:
        _, ref = env.seed_report()
        assert wait_for(lambda: env.inbound_statuses()["pending"] == 0)
        before = len(env.gh.fake.hooks.sent)
        labels = ("vultron:valid", "vultron:invalid", "vultron:accepted", "vultron:deferred")
        on: set[str] = set()
        for n in range(100):
            label = labels[(n // 2) % len(labels)]
            if n % 3 == 2:
                effect: object = Comment(ref=ref, body=f"/vultron validate\nround {n}",
                                         marker_id=f"echo-{n}")
            elif label in on:
                on.discard(label)
                effect = SetLabels(ref=ref, remove=(label,))
            else:
                on.add(label)
                effect = SetLabels(ref=ref, add=(label,))
            apply_effects(env.rt, "github", [effect])  # type: ignore[list-item]
        echoes = len(env.gh.fake.hooks.sent) - before
        assert echoes >= 100
        assert wait_for(lambda: env.inbound_statuses()["pending"] == 0, timeout=30)
        statuses = env.inbound_statuses()
        assert env.outbox_count() == 0 and env.receiver.received == []
        assert statuses["failed"] == 0
        figure("echo round trips", f"100 bridge writes -> {echoes} echoed webhooks -> "
               f"0 messages, 0 outbox rows ({statuses['done']} inputs done)")
