"""``/readyz``: is this process able to do its work, honestly?

Not ready (503) when any of these holds, each named in ``problems``:

* the database does not answer, or its schema is not migrated;
* a loop of this process (``process``, ``deliver``) is not running — crashed and waiting to
  restart, or its thread gone — or has not beaten its heartbeat for
  ``processing.stall_seconds`` (stuck in a call);
* the oldest *due* pending input has waited longer than
  ``processing.max_pending_age_seconds`` for a worker (any process's: in a split deployment a
  ``serve --no-worker`` reports the workers' backlog too).

The body also reports each loop's heartbeat age and restarts, and the queue ages.
"""

from __future__ import annotations

from typing import Any

from bridge.app.runtime import Runtime
from bridge.store import health, repair


def _database(rt: Runtime) -> str | None:
    try:
        revision = health.current_revision(rt.engine)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; the kind is reported
        return f"database unavailable ({type(exc).__name__})"
    return "database schema not migrated" if revision is None else None


def readiness(rt: Runtime) -> tuple[bool, dict[str, Any]]:
    """(ready, body) — blocking: call it from a worker thread."""
    cfg = rt.config.processing
    problems: list[str] = []
    body: dict[str, Any] = {}
    broken = _database(rt)
    if broken is not None:
        problems.append(broken)
    else:
        now = rt.clock()
        try:
            with rt.readers() as session:
                waited = repair.oldest_due_input(session, now)
                queued = repair.oldest_pending_delivery(session, now)
        except Exception as exc:  # noqa: BLE001 - same as above
            problems.append(f"database unavailable ({type(exc).__name__})")
        else:
            body["queues"] = {"inbound_oldest_due_seconds": _round(waited),
                              "outbox_oldest_pending_seconds": _round(queued)}
            bound = cfg.max_pending_age_seconds
            if bound is not None and waited is not None and waited > bound:
                problems.append(f"the oldest pending input has waited {waited:.0f} s for a "
                                f"worker (bound {bound:.0f} s)")
    body["loops"] = rt.loops.snapshot()
    problems += rt.loops.problems(cfg.stall_seconds)
    body["status"] = "; ".join(problems) if problems else "ok"
    if problems:
        body["problems"] = problems
    return not problems, body


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
