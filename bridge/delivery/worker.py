"""The outbox delivery loop: claim → send → record, with the sender injected.

Each round has three steps, and no database transaction is open while a message is sent:

1. **claim** a batch of due rows with a lease (one short transaction, committed);
2. **send** each row with ``send(item) -> DeliveryOutcome`` (the HTTP sender; no transaction);
3. **record** each outcome in its own short transaction: delivered, retry at a time from
   ``RetryPolicy.next_wait`` (which honours ``Retry-After``), or dead-lettered (a final
   answer, or the attempt bound reached). Delivered and dead-lettered rows get an audit entry.

Crash safety: a worker killed after step 1 leaves leased rows behind; they become claimable
again when the lease expires. A worker killed after step 2 but before step 3 has delivered a
message without recording it, so the message is sent again: delivery is **at least once**,
and receivers deduplicate by activity id (the Vultron inbox does, and so does ours). A worker
whose lease expired and was taken over cannot overwrite the new owner's result: its record
step is refused and logged.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bridge.core.errors import (
    RETRYABLE,
    AuthenticationError,
    BridgeError,
    ConfigurationError,
)
from bridge.core.retry import RetryPolicy, Verdict
from bridge.delivery.outcome import DeliveryOutcome
from bridge.logs import event
from bridge.store import audit, outbox
from bridge.store.db import transaction
from bridge.store.outbox import OutboxItem

log = logging.getLogger(__name__)

Send = Callable[[OutboxItem], DeliveryOutcome]

DB_RETRY = RetryPolicy(base=0.5, factor=2.0, cap=30.0, max_attempts=1_000_000)
"""Backoff while the database itself is unreachable (the loop keeps trying)."""


def default_worker_id() -> str:
    """A worker id unique to this process: ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def outcome_of_error(exc: BridgeError) -> DeliveryOutcome:
    """Map an error raised by a sender to an outcome (instead of a returned one).

    Rate limits, transient faults, configuration and authentication problems are retried
    (an operator can fix the latter two); anything else is final.
    """
    retry_after = getattr(exc, "retry_after", None)
    retry = isinstance(exc, (*RETRYABLE, ConfigurationError, AuthenticationError))
    return DeliveryOutcome(
        verdict=Verdict.RETRY if retry else Verdict.DEAD,
        error=f"{exc.kind}: {exc.reason}",
        retry_after=retry_after if isinstance(retry_after, int | float) else None,
    )


def _send(send: Send, item: OutboxItem) -> DeliveryOutcome:
    try:
        return send(item)
    except BridgeError as exc:
        return outcome_of_error(exc)


def record(
    factory: sessionmaker[Session],
    item: OutboxItem,
    outcome: DeliveryOutcome,
    *,
    now: float,
    policy: RetryPolicy,
    rnd: float,
) -> bool:
    """Record one attempt's ``outcome`` for a claimed ``item``; False when the lease was lost."""
    verdict = outcome.verdict
    error = outcome.error or (None if outcome.status is None else f"HTTP {outcome.status}")
    inbox = outcome.inbox or item.inbox_url
    if verdict is Verdict.RETRY and policy.exhausted(item.attempts):
        verdict = Verdict.DEAD
        error = f"gave up after {item.attempts} attempts: {error or 'no answer'}"
    with transaction(factory) as session:
        if verdict is Verdict.DELIVERED:
            ok = outbox.mark_delivered(session, item, now=now, status=outcome.status,
                                       inbox_url=inbox)
        elif verdict is Verdict.RETRY:
            wait = policy.next_wait(item.attempts, rnd, outcome.retry_after)
            ok = outbox.mark_retry(session, item, next_attempt_at=now + wait,
                                   status=outcome.status, error=error, inbox_url=inbox)
        else:
            ok = outbox.mark_dead(session, item, now=now, status=outcome.status, error=error,
                                  inbox_url=inbox)
        if not ok:
            log.warning("outbox %d: lease lost before recording (%s); another worker owns it",
                        item.id, verdict.value)
            return False
        if verdict is not Verdict.RETRY:
            audit.append(session, f"delivery.{verdict.value}", item.activity_id, {
                "outbox_id": item.id, "recipient": item.recipient, "inbox": inbox,
                "attempts": item.attempts, "status": outcome.status, "error": error,
            }, now)
    event(log, "delivery.attempt", logging.WARNING if verdict is Verdict.DEAD else logging.INFO,
          outbox_id=item.id, verdict=verdict.value, status=outcome.status,
          attempts=item.attempts, error=error,
          next_in_seconds=round(wait, 1) if verdict is Verdict.RETRY else None)
    return True


def run_once(
    session_factory: sessionmaker[Session],
    send: Send,
    *,
    worker_id: str,
    now: Callable[[], float],
    policy: RetryPolicy,
    rnd: Callable[[], float],
    lease_seconds: float = 60.0,
    batch: int = 10,
    concurrency: int = 1,
) -> int:
    """One round: claim up to ``batch`` rows, send each, record each. Returns items processed.

    A claim holds at most the head of each destination's queue, so the items of one round go
    to distinct inboxes and ``concurrency`` > 1 sends them in parallel without breaking the
    per-destination order. An item whose lease has run out before its turn comes is left
    alone (not sent): another worker may own it by now. Size ``lease_seconds`` above
    ``batch`` × the send timeout.
    """
    with transaction(session_factory) as session:
        items = outbox.claim(session, worker_id, now(), lease_seconds, batch)

    def deliver(item: OutboxItem) -> bool:
        if item.lease_until is not None and now() >= item.lease_until:
            log.warning("outbox %d: lease ran out before sending; left for reclaim", item.id)
            return False
        outcome = _send(send, item)
        record(session_factory, item, outcome, now=now(), policy=policy, rnd=rnd())
        return True

    if concurrency <= 1 or len(items) <= 1:
        return sum(deliver(item) for item in items)
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items))) as pool:
        return sum(pool.map(deliver, items))


def run_forever(
    session_factory: sessionmaker[Session],
    send: Send,
    *,
    worker_id: str,
    now: Callable[[], float],
    policy: RetryPolicy,
    rnd: Callable[[], float],
    sleep: Callable[[float], None],
    stop: threading.Event,
    lease_seconds: float = 60.0,
    batch: int = 10,
    idle_seconds: float = 1.0,
    db_retry: RetryPolicy = DB_RETRY,
    concurrency: int = 1,
) -> None:
    """Run rounds until ``stop`` is set; sleep ``idle_seconds`` when there was nothing to do.

    When the database is unreachable the loop waits (``db_retry`` backoff) and tries again
    instead of exiting; other errors propagate (a bug should stop the process loudly).
    """
    failures = 0
    while not stop.is_set():
        try:
            done = run_once(session_factory, send, worker_id=worker_id, now=now, policy=policy,
                            rnd=rnd, lease_seconds=lease_seconds, batch=batch,
                            concurrency=concurrency)
        except OperationalError as exc:
            failures += 1
            log.warning("worker %s: database unavailable (%s); retrying", worker_id,
                        type(exc.orig).__name__)
            sleep(db_retry.next_wait(failures, rnd()))
            continue
        failures = 0
        if done == 0:
            sleep(idle_seconds)
