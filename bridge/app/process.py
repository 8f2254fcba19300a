"""The processing worker: claim stored inputs, handle each, record the result.

Inputs are claimed with a lease (a crashed worker's claims come back after it expires) and
processed outside the claiming transaction, several at once (``processing.concurrency``),
inputs about one case, report or tracker project kept in order (``bridge.app.ordering``).
Retryable errors (rate limits, transient faults)
release the input for a later attempt on the retry policy's schedule; permanent ones mark it
failed with the reason — visible to operators, requeueable — never silently dropped.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable

from sqlalchemy.exc import OperationalError

from bridge import metrics
from bridge.app.faults import describe
from bridge.app.finish import finish_item
from bridge.app.keyed import run_keyed
from bridge.app.ordering import ordering_keys
from bridge.app.runtime import Runtime
from bridge.core.errors import RETRYABLE, BridgeError, RateLimited, TransientError
from bridge.logs import event
from bridge.store import db, inbound
from bridge.store.inbound import InboundItem

log = logging.getLogger("bridge.worker")

Handler = Callable[[Runtime, InboundItem], object]
HANDLERS: dict[str, Handler] = {}
"""Input source prefix (``webhook``, ``inbox``, ``dispatch``) → handler."""


def _handler(source: str) -> Handler | None:
    if not HANDLERS:
        _load_handlers()
    return HANDLERS.get(source.partition(":")[0])


def _load_handlers() -> None:
    from bridge.app.outbound import handle_webhook

    HANDLERS.setdefault("webhook", handle_webhook)
    from bridge.app.mirror import handle_activity
    from bridge.mail.handle import handle_mail

    HANDLERS.setdefault("mail", handle_mail)
    HANDLERS.setdefault("inbox", handle_activity)
    HANDLERS.setdefault("dispatch", handle_activity)


def _retry_after(exc: BridgeError) -> float | None:
    return exc.retry_after if isinstance(exc, RateLimited | TransientError) else None


def process_one(rt: Runtime, item: InboundItem, rnd: Callable[[], float] = random.random) -> str:
    """Handle one claimed input; returns its final status (or ``retry``).

    Nothing an input does can escape: a retryable error (or the database going away) retries
    it on the policy's schedule, any other error — a ``BridgeError`` or a bug — marks this one
    input failed with the reason (``bridge.app.faults.describe`` for the unexpected:
    type and place, never the message), audited and logged; the worker goes on."""
    handler = _handler(item.source)
    status, error = "done", None
    started = time.monotonic()
    try:
        if handler is None:
            status, error = "failed", f"no handler for source {item.source[:40]!r}"
        elif getattr(handler(rt, item), "finished", False):  # recorded with its last writes
            return _counted(item, status, started)
    except RETRYABLE as exc:
        return _retry_or_fail(rt, item, f"{exc.kind}: {exc.reason}", _retry_after(exc), rnd,
                              started)
    except OperationalError as exc:  # the database went away mid-input: not the input's fault
        return _retry_or_fail(rt, item, f"transient: database unavailable "
                              f"({type(exc.orig).__name__})", None, rnd, started)
    except BridgeError as exc:
        status, error = "failed", f"{exc.kind}: {exc.reason}"
    except Exception as exc:  # noqa: BLE001 - one input must never stop the worker
        status, error = "failed", describe(exc)
    return _final(rt, item, status, error, started)


def _retry_or_fail(rt: Runtime, item: InboundItem, error: str, retry_after: float | None,
                   rnd: Callable[[], float], started: float) -> str:
    policy = rt.policy
    if policy.exhausted(item.attempts):
        return _final(rt, item, "failed", f"{error} (gave up)", started)
    wait = policy.next_wait(item.attempts, rnd(), retry_after)
    with db.transaction(rt.sessions) as session:
        inbound.retry_inbound(session, item, rt.clock() + wait, error)
    event(log, "input.retry", logging.WARNING, id=item.id, source=item.source,
          attempts=item.attempts, next_in_seconds=round(wait, 1), error=error)
    return _counted(item, "retry", started, log_it=False)


def _final(rt: Runtime, item: InboundItem, status: str, error: str | None,
           started: float) -> str:
    with db.transaction(rt.sessions) as session:
        finish_item(session, item, status, rt.clock(), error)
    return _counted(item, status, started, error)


def _counted(item: InboundItem, status: str, started: float, error: str | None = None, *,
             log_it: bool = True) -> str:
    metrics.PROCESSED.labels(source=item.source.partition(":")[0], status=status).inc()
    if log_it:
        event(log, "input.failed" if status == "failed" else "input.processed",
              logging.WARNING if status == "failed" else logging.INFO,
              id=item.id, source=item.source, outcome=status, attempts=item.attempts,
              ms=round((time.monotonic() - started) * 1000), error=error)
    return status


def run_once(rt: Runtime, worker_id: str, *, batch: int | None = None,
             lease_seconds: float = 120, concurrency: int | None = None) -> int:
    """Claim and process up to ``batch`` inputs, ``concurrency`` at once (inputs about one
    case, report or project in order; defaults from ``processing``); returns how many."""
    cfg = rt.config.processing
    with db.transaction(rt.sessions) as session:
        items = inbound.claim_inbound(session, worker_id, rt.clock(), lease_seconds,
                                      batch or cfg.batch)

    def work(item: InboundItem) -> None:
        with metrics.PROCESS_SECONDS.time():
            process_one(rt, item)

    run_keyed(items, lambda item: ordering_keys(rt, item), work,
              concurrency=concurrency or cfg.concurrency)
    return len(items)


LOOP = "process"
"""The processing loop's name in ``rt.loops`` (heartbeats, ``/readyz``)."""

SCHEDULE_SECONDS = 60.0
"""How often the worker runs the scheduled checks (embargo ends)."""


def run_scheduled(rt: Runtime) -> None:
    """Scheduled work: note ended embargoes on their linked issues (idempotent)."""
    from bridge.app import guard

    try:
        guard.check_expired(rt)
    except OperationalError:
        raise  # the loop waits for the database
    except BridgeError as exc:
        log.warning("scheduled embargo check failed: %s: %s", exc.kind, exc.reason)
    except Exception as exc:  # noqa: BLE001 - a failed check must not stop processing
        event(log, "schedule.failed", logging.ERROR, error=describe(exc))


def run_forever(rt: Runtime, worker_id: str, stop: threading.Event,
                idle: float = 0.5) -> None:
    """Process until ``stop``; when idle, wait for ``rt.wake_process`` (or ``idle`` seconds:
    other processes may have stored inputs too). Every minute, run the scheduled checks."""
    failures = 0
    next_schedule = rt.clock()
    while not stop.is_set():
        rt.loops.beat(LOOP)
        if rt.clock() >= next_schedule:
            next_schedule = rt.clock() + SCHEDULE_SECONDS
            with contextlib.suppress(OperationalError):  # the loop below waits for the database
                run_scheduled(rt)
        rt.wake_process.clear()
        try:
            done = run_once(rt, worker_id)
        except OperationalError as exc:  # the database is away: wait and try again
            failures += 1
            log.warning("worker %s: database unavailable (%s); retrying", worker_id,
                        type(exc.orig).__name__)
            jitter = random.random()  # noqa: S311 - backoff jitter, not cryptography
            stop.wait(rt.policy.next_wait(min(failures, 8), jitter))
            continue
        failures = 0
        if done > 0:
            rt.wake_deliver.set()
        else:
            rt.wake_process.wait(idle)
