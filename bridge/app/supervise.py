"""Supervised background loops with heartbeats, for an honest ``/readyz``.

``serve`` and ``worker`` run the processing and delivery loops in threads. Each runs under
``supervise``: an exception that escapes the loop (a bug, not one input — those are caught per
input) is logged by type and place, counted, and the loop is started again after a short
backoff; it never dies silently. Each loop beats (``Loops.beat``) on every round, so a loop
stuck in a call that never returns is seen too: ``Loops.problems`` names every loop whose
thread is gone, that has stopped after a crash, or whose last beat is older than the bound.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bridge.app.faults import describe
from bridge.logs import event

log = logging.getLogger("bridge.supervise")

RESTART_BASE = 0.5
RESTART_CAP = 30.0


@dataclass
class LoopState:
    name: str
    beat: float
    thread: threading.Thread | None = None
    restarts: int = 0
    last_error: str | None = None
    running: bool = True
    """False once the loop has ended (stopped, or crashed and waiting to restart)."""
    stopped: bool = False
    """True once it ended because it was told to stop."""


@dataclass
class Loops:
    """The loops of this process, by name (``process``, ``deliver``)."""

    clock: Callable[[], float] = time.monotonic
    _states: dict[str, LoopState] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def register(self, name: str, thread: threading.Thread | None = None) -> LoopState:
        with self._lock:
            state = self._states.get(name)
            if state is None:
                state = self._states[name] = LoopState(name, self.clock())
            state.thread = thread or threading.current_thread()
            state.running, state.stopped, state.beat = True, False, self.clock()
            return state

    def beat(self, name: str) -> None:
        with self._lock:
            state = self._states.get(name)
            if state is not None:
                state.beat = self.clock()

    def snapshot(self) -> dict[str, dict[str, object]]:
        now = self.clock()
        with self._lock:
            return {name: {
                "alive": s.running and (s.thread is None or s.thread.is_alive()),
                "heartbeat_age_seconds": round(now - s.beat, 3),
                "restarts": s.restarts, "last_error": s.last_error,
            } for name, s in sorted(self._states.items())}

    def problems(self, stall_seconds: float) -> list[str]:
        """What is wrong with the loops, one short text per loop (empty: all well)."""
        found = []
        for name, view in self.snapshot().items():
            with self._lock:
                stopped = self._states[name].stopped
            if stopped:
                continue
            age = float(str(view["heartbeat_age_seconds"]))
            if not view["alive"]:
                found.append(f"the {name} loop is not running ({view['last_error']})")
            elif age > stall_seconds:
                found.append(f"the {name} loop has not made progress for {age:.0f} s")
        return found

    def _crashed(self, state: LoopState, error: str) -> None:
        with self._lock:
            state.running, state.last_error = False, error
            state.restarts += 1

    def _ended(self, state: LoopState) -> None:
        with self._lock:
            state.running, state.stopped = False, True


def supervise(loops: Loops, name: str, body: Callable[[], None], stop: threading.Event, *,
              base: float = RESTART_BASE, cap: float = RESTART_CAP) -> None:
    """Run ``body`` until ``stop``; restart it (after ``base``·2ⁿ seconds, at most ``cap``)
    whenever it raises or returns before ``stop`` is set."""
    failures = 0
    while not stop.is_set():
        state = loops.register(name)
        try:
            body()
        except Exception as exc:  # noqa: BLE001 - the supervisor's job: log, count, restart
            error = describe(exc)
        else:
            if stop.is_set():
                break
            error = "the loop returned"
        failures += 1
        loops._crashed(state, error)
        wait = min(cap, base * 2 ** min(failures - 1, 16))
        event(log, "loop.crashed", logging.ERROR, loop=name, error=error,
              restarts=state.restarts, restart_in_seconds=wait)
        if stop.wait(wait):
            break
    loops._ended(loops.register(name))


def start(loops: Loops, name: str, body: Callable[[], None],
          stop: threading.Event) -> threading.Thread:
    """``supervise`` in a daemon thread named ``name`` (registered before it returns)."""
    thread = threading.Thread(target=supervise, args=(loops, name, body, stop), daemon=True,
                              name=name)
    loops.register(name, thread)
    thread.start()
    return thread
