"""No input stops the worker; the loops are supervised; ``/readyz`` tells the truth.

The poison is an Offer stored before the accept path refused such strings (an older version,
a restored backup): its report id holds an unpaired surrogate (SQLite's driver cannot encode
it) or a NUL (PostgreSQL refuses it). On the old code it killed ``serve``'s processing
thread — every later input stayed pending while ``/readyz`` answered 200 — and killed it
again each time its lease expired.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bridge.app import process, workers
from bridge.app.runtime import Runtime
from bridge.app.supervise import Loops
from bridge.core.errors import BridgeError
from bridge.core.retry import Verdict
from bridge.httpsig.keys import private_pem
from bridge.service.app import create_app
from bridge.service.webhooks import verify_and_parse
from bridge.store import audit, db, inbound
from bridge.store.models import Inbound
from tests.reliability.appenv import cached_key, github_headers, labeled_body
from tests.store.dbutil import BOTH, postgres_schema
from tests.support.app_env import Env, make_env, offer
from tests.support.servers import running_app, wait_for

GOOD = 999
POISON_AT = 10
POISON = {"sqlite": "\ud800", "postgres": "\u0000"}


class FakeClock:
    def __init__(self, now: float = 1_900_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@contextmanager
def runtime_on(kind: str, tmp: Path, **options: Any) -> Iterator[tuple[Env, Runtime, str]]:
    """The service fixtures (fake GitHub, alarms) with a Runtime on ``kind``, its app served."""
    with ExitStack() as stack:
        env = stack.enter_context(make_env(tmp, **options))
        rt = env.rt
        if kind == "postgres":
            url = stack.enter_context(postgres_schema())
            actor = rt.config.actor.model_copy(
                update={"key_pem": SecretStr(private_pem(cached_key("rsa-actor")))})
            config = rt.config.model_copy(update={"database_url": url, "actor": actor})
            rt = Runtime.from_config(config, adapter_factory=rt.adapter_factory,
                                     clock=rt.clock)
            stack.callback(rt.engine.dispose)
        base = stack.enter_context(running_app(create_app(rt)))
        yield env, rt, base


def _store_inputs(rt: Runtime, kind: str) -> str:
    """GOOD webhooks as the route stores them, and the poison Offer at POISON_AT."""
    tracker = rt.config.trackers["github"]
    poison_key = "https://finder.example/activities/poison"
    with db.transaction(rt.sessions) as session:
        for n in range(GOOD + 1):
            if n == POISON_AT:
                doc = offer(999_999)
                doc["id"] = poison_key
                doc["object"]["id"] += POISON[kind]
                inbound.accept(session, "inbox:vendor", poison_key, json.dumps(doc).encode(),
                               {}, rt.clock())
                continue
            body = labeled_body(n + 1)
            headers = {k.lower(): v for k, v in github_headers(
                body, delivery=f"delivery-{n}", secret=tracker.webhook_secrets[0]
                .get_secret_value()).items()}
            result = verify_and_parse("github", tracker, headers, body, rt.clock())
            inbound.accept(session, "webhook:github", f"delivery-{n}",
                           result.model_dump_json().encode(), headers, rt.clock())
    return poison_key


@pytest.mark.parametrize("kind", BOTH)
def test_one_poison_input_among_a_thousand_fails_alone_and_the_loops_live_on(
        tmp_path: Path, kind: str) -> None:
    with runtime_on(kind, tmp_path) as (_, rt, base):
        poison_key = _store_inputs(rt, kind)
        stop = threading.Event()
        threads = workers.start_workers(rt, stop, "test")
        try:
            def settled() -> bool:
                with rt.readers() as session:
                    return inbound.inbound_counts(session)["pending"] == 0
            assert wait_for(settled, timeout=240, interval=0.2)
            with rt.readers() as session:
                counts = inbound.inbound_counts(session)
                poison = session.execute(select(Inbound.status, Inbound.last_error).where(
                    Inbound.key == poison_key)).one()
                failed = [e for e in audit.export(session) if e["kind"] == "input.failed"]
            ready = httpx.get(base + "/readyz", timeout=30)
        finally:
            stop.set()
            rt.wake_process.set()
            rt.wake_deliver.set()
            for thread in threads:
                thread.join(timeout=30)
    assert counts == {"pending": 0, "done": GOOD, "failed": 1, "ignored": 0}, counts
    assert poison.status == "failed"
    assert poison.last_error.startswith("internal: "), poison.last_error
    assert ("UnicodeEncodeError" if kind == "sqlite" else "DataError") in poison.last_error
    assert [e["subject"] for e in failed] == [poison_key]
    assert failed[0]["data"]["error"] == poison.last_error
    assert ready.status_code == 200, ready.text
    loops = ready.json()["loops"]
    assert set(loops) == {"process", "deliver"}
    assert all(v["alive"] and v["restarts"] == 0 for v in loops.values()), loops


def test_a_crashing_loop_is_restarted_and_readyz_says_so_meanwhile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crashes = threading.Event()
    healthy = threading.Event()
    real = process.run_once

    def broken(*args: Any, **kwargs: Any) -> int:
        if not healthy.is_set():
            crashes.set()
            raise RuntimeError("a bug in the loop itself")
        return real(*args, **kwargs)

    monkeypatch.setattr(process, "run_once", broken)
    with runtime_on("sqlite", tmp_path) as (_, rt, base):
        stop = threading.Event()
        threads = workers.start_workers(rt, stop, "test")
        try:
            assert crashes.wait(30)
            seen: list[httpx.Response] = []

            def unready() -> bool:
                seen.append(httpx.get(base + "/readyz", timeout=30))
                return seen[-1].status_code == 503
            assert wait_for(unready, timeout=60)
            body = seen[-1].json()
            healthy.set()

            def recovered() -> bool:
                return httpx.get(base + "/readyz", timeout=30).status_code == 200
            assert wait_for(recovered, timeout=60)
            snapshot = rt.loops.snapshot()
        finally:
            stop.set()
            rt.wake_process.set()
            rt.wake_deliver.set()
            for thread in threads:
                thread.join(timeout=30)
    assert "the process loop is not running" in body["status"]
    assert "internal: RuntimeError at" in body["status"]
    assert "a bug in the loop itself" not in seen[-1].text  # the type and place, not the text
    assert snapshot["process"]["restarts"] >= 1 and snapshot["process"]["alive"]


def test_a_stalled_loop_makes_readyz_503(tmp_path: Path) -> None:
    clock = FakeClock()
    with runtime_on("sqlite", tmp_path) as (_, rt, base):
        rt.loops = Loops(clock=clock)
        rt.loops.register("process")
        assert httpx.get(base + "/readyz", timeout=30).status_code == 200
        clock.now += rt.config.processing.stall_seconds + 1
        stalled = httpx.get(base + "/readyz", timeout=30)
        rt.loops.beat("process")
        again = httpx.get(base + "/readyz", timeout=30)
    assert stalled.status_code == 503
    assert "the process loop has not made progress for" in stalled.json()["status"]
    assert again.status_code == 200


def test_an_input_waiting_too_long_for_a_worker_makes_readyz_503(tmp_path: Path) -> None:
    clock = FakeClock()
    with runtime_on("sqlite", tmp_path, clock=clock) as (env, rt, base):
        env.post(offer(1))
        fresh = httpx.get(base + "/readyz", timeout=30)
        clock.now += 901
        old = httpx.get(base + "/readyz", timeout=30)
        env.work()
        done = httpx.get(base + "/readyz", timeout=30)
    assert fresh.status_code == 200
    assert fresh.json()["queues"]["inbound_oldest_due_seconds"] == 0
    assert old.status_code == 503
    assert "the oldest pending input has waited 901 s" in old.json()["status"]
    assert done.status_code == 200 and done.json()["queues"]["inbound_oldest_due_seconds"] is None


def test_any_exception_in_a_handler_fails_that_input_with_its_type_and_place(
        env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(rt: Runtime, item: inbound.InboundItem) -> object:
        raise KeyError("secret report content")

    monkeypatch.setitem(process.HANDLERS, "inbox", handler)
    env.post(offer(1))
    assert env.work() == ["failed"]
    [(status, error)] = env.inbound_rows()
    assert status == "failed"
    assert error.startswith("internal: KeyError at bridge/app/process.py:")
    assert "secret report content" not in error
    assert "input.failed" in env.audit_kinds()


def test_a_database_outage_inside_a_handler_retries_the_input(
        env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    def handler(rt: Runtime, item: inbound.InboundItem) -> object:
        raise OperationalError("SELECT 1", {}, ConnectionError("gone"))

    monkeypatch.setitem(process.HANDLERS, "inbox", handler)
    env.post(offer(1))
    assert env.work() == ["retry"]
    [(status, error)] = env.inbound_rows()
    assert status == "pending" and error == "transient: database unavailable (ConnectionError)"


def test_an_unexpected_exception_while_sending_is_that_rows_retry(env: Env) -> None:
    from bridge.store.outbox import OutboxItem

    def send(item: OutboxItem) -> Any:
        raise ValueError("the body we tried to send")

    def refuse(item: OutboxItem) -> Any:
        raise BridgeError("mapped by the worker")

    item = OutboxItem(id=7, activity_id="a", activity={}, recipient="r", inbox_url="i",
                      destination="i", seq=1, status="pending", attempts=1,
                      next_attempt_at=0.0, lease_owner="w", lease_until=None,
                      last_status=None, last_error=None, created_at=0.0, delivered_at=None)
    outcome = workers.isolated(env.rt, send)(item)
    assert outcome.verdict is Verdict.RETRY
    assert outcome.error is not None and outcome.error.startswith("internal: ValueError at ")
    assert "the body" not in outcome.error
    with pytest.raises(BridgeError):
        workers.isolated(env.rt, refuse)(item)
