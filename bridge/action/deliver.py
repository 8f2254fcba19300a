"""Delivering the run's outbox before the run ends: signed, in order per inbox, with retries.

The service's delivery worker does the work (``bridge.delivery.worker.run_once``: claim, send
signed, record with the retry policy). A run makes at most ``ROUNDS`` rounds and waits between
them only while the next retry is due within the budget; what is still pending is written back
to the state block with its attempts and due time, and a ``schedule`` run retries it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from bridge.action.summary import Report, host
from bridge.app.runtime import Runtime
from bridge.delivery import worker
from bridge.store import db, outbox

ROUNDS = 3
BUDGET_SECONDS = 30.0


@dataclass(frozen=True)
class Snapshot:
    status: str
    attempts: int


def _snapshot(rt: Runtime) -> dict[int, Snapshot]:
    with rt.sessions() as session:
        return {row.id: Snapshot(row.status, row.attempts)
                for row in outbox.every_row(session)}


def _kind(activity: dict[str, object]) -> str:
    obj = activity.get("object")
    inner = obj.get("type") if isinstance(obj, dict) else None
    return f"{activity.get('type')}({inner})" if inner else str(activity.get("type"))


def deliver(rt: Runtime, send: worker.Send | None, report: Report, *,
            sleep: Callable[[float], None], budget: float = BUDGET_SECONDS) -> None:
    """Send what is due (``send`` None: a dry run, list it instead) and report each message."""
    before = _snapshot(rt)
    if send is None:
        with rt.sessions() as session:
            for row in outbox.list_outbox(session, status="pending", limit=1000):
                report.sent.append(f"{_kind(row.activity)} to {host(row.inbox_url)}")
        return
    deadline = rt.clock() + budget
    for round_no in range(ROUNDS):
        while worker.run_once(rt.sessions, send, worker_id="action", now=rt.clock,
                              policy=rt.policy, rnd=random.random, batch=20) > 0:
            if rt.clock() > deadline:
                break
        with db.transaction(rt.sessions) as session:
            due = outbox.next_due(session)
        if due is None or round_no == ROUNDS - 1:
            break
        wait = due - rt.clock()
        if wait > 0:
            if rt.clock() + wait > deadline:
                break
            sleep(wait)
    _report(rt, before, report)


def _report(rt: Runtime, before: dict[int, Snapshot], report: Report) -> None:
    with rt.sessions() as session:
        rows = outbox.every_row(session)
        for row in rows:
            old = before.get(row.id)
            what = f"{_kind(row.activity)} to {host(row.inbox_url)}"
            if old is not None and old.attempts == row.attempts:
                if row.status == "pending":  # not due yet: a later run sends it
                    report.pending.append(f"{what}: waiting for its next attempt "
                                          f"({row.attempts} made so far)")
                continue
            if row.status == "delivered":
                report.sent.append(f"{what}: delivered (HTTP {row.last_status}, attempt "
                                   f"{row.attempts})")
                report.messages_sent += 1
            elif row.status == "dead":
                report.refused.append(f"{what}: given up after {row.attempts} attempts "
                                      f"({row.last_error or 'no answer'})")
            else:
                report.pending.append(f"{what}: attempt {row.attempts} failed "
                                      f"({row.last_error or 'no answer'}); retried by a "
                                      "later run")
