"""Group commit for the accept paths: many requests' rows, one transaction, one fsync.

A request that must not be answered before its row is durable (every webhook and inbox post)
hands a *write* — a function of a session — to the :class:`GroupWriter` and awaits it. One
writer thread takes whatever writes are waiting (up to ``max_batch``), runs them in order in
one transaction and commits once; only then is each request's future resolved, so every 2xx
still means "my row is on disk" (SQLite keeps ``synchronous=FULL``). Under load, the writes
that arrive while one commit is syncing form the next group: the more concurrent requests,
the fewer commits per row — how the bridge can promise more than the row-per-commit
reference and still be faster. With one request at a time a group is one write: no write
ever waits for company.

A write that raises spoils only itself: the group is rolled back and its writes are run again
one transaction each, so each gets its own outcome (a refused value, a failed database) and
the rest commit as they would have alone. Nothing is half-written: a write's statements
commit together or not at all.

Results reach the event loop once per group and loop (one ``call_soon_threadsafe``), not once
per request. The thread starts on the first write and ends after ``idle_seconds`` without
any, so an app that is made and dropped (tests, the CLI) leaves no thread behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bridge.core.errors import TransientError
from bridge.store import db

T = TypeVar("T")
MAX_BATCH = 256
IDLE_SECONDS = 2.0
LINGER_SECONDS = 0.002
"""How long a group may wait for a write that is being prepared (its request parsed)."""


_NUDGE: Any = object()
"""Queued when the last request being prepared is done, to end a group's wait early."""


@dataclass(slots=True)
class _Write(Generic[T]):
    fn: Callable[[Session], T]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[T]
    result: Any = None
    error: BaseException | None = None


class GroupWriter:
    """Runs writes for one database in groups, each group one transaction."""

    def __init__(self, sessions: sessionmaker[Session], *, max_batch: int = MAX_BATCH,
                 idle_seconds: float = IDLE_SECONDS, linger_seconds: float = LINGER_SECONDS,
                 name: str = "group-commit") -> None:
        self._sessions = sessions
        self._max_batch = max_batch
        self._idle = idle_seconds
        self._linger = linger_seconds
        self._preparing = 0
        self._lingering = False
        self._count_lock = threading.Lock()
        self._name = name
        self._queue: queue.SimpleQueue[_Write[Any]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._running = False
        self.groups = 0
        """Groups committed (or tried) so far: the number of transactions the writes took."""
        self.writes = 0

    @contextlib.contextmanager
    def preparing(self) -> Iterator[None]:
        """Around the part of a request before its write (``with writer.preparing(): read,
        parse``; then ``await writer.write(…)``): while requests are being read and parsed,
        a group waits up to ``linger_seconds`` for their writes instead of committing
        without them. When the server is busy parsing, groups grow (one commit for many
        rows, less CPU per row); with one request at a time nothing is being prepared and
        no write ever waits."""
        with self._count_lock:  # requests may come from more than one loop's thread
            self._preparing += 1
        try:
            yield
        finally:
            with self._count_lock:
                self._preparing -= 1
                last = self._preparing == 0
            if last and self._lingering:
                self._queue.put(_NUDGE)  # nothing more is coming: stop waiting, commit

    async def write(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn(session)`` in the next group; return its result once committed, or raise
        what it raised — a failed database as :class:`TransientError` (a 503, never a 2xx)."""
        loop = asyncio.get_running_loop()
        item: _Write[T] = _Write(fn, loop, loop.create_future())
        with self._lock:
            self._queue.put(item)
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name=self._name, daemon=True).start()
        try:
            return await item.future
        except SQLAlchemyError as exc:
            raise TransientError("the store is unavailable") from exc

    def _run(self) -> None:
        try:
            self._loop()  # returns only when idle, having cleared _running under the lock
        except BaseException:
            with self._lock:  # the loop died: the next write starts a new thread
                self._running = False
            raise

    def _loop(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self._idle)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._running = False
                        return
                continue
            if first is _NUDGE:
                continue
            group = self._gather(first)
            self._commit(group)
            self._deliver(group)

    def _gather(self, first: _Write[Any]) -> list[_Write[Any]]:
        """``first`` and every write waiting behind it; while requests are being prepared,
        also those that arrive within ``linger_seconds``."""
        group = [first]
        linger_until = time.monotonic() + self._linger
        while len(group) < self._max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                self._lingering = True  # before reading _preparing: see preparing()
                left = linger_until - time.monotonic()
                if self._preparing <= 0 or left <= 0:
                    break
                try:  # a request is being parsed: its write joins this group
                    item = self._queue.get(timeout=left)
                except queue.Empty:
                    break
                finally:
                    self._lingering = False
            if item is not _NUDGE:
                group.append(item)
        self._lingering = False
        return group

    def _commit(self, group: list[_Write[Any]]) -> None:
        self.groups += 1
        self.writes += len(group)
        try:
            with db.transaction(self._sessions) as session:
                results = [item.fn(session) for item in group]
        except BaseException as exc:  # noqa: BLE001 - each write gets its own outcome below
            if len(group) == 1:
                group[0].error = exc
                return
            for item in group:  # the group failed: each write alone, its own outcome
                self._commit([item])
            return
        for item, result in zip(group, results, strict=True):
            item.result = result

    @staticmethod
    def _deliver(group: list[_Write[Any]]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[_Write[Any]]] = {}
        for item in group:
            by_loop.setdefault(item.loop, []).append(item)
        for loop, items in by_loop.items():
            # a closed loop: nobody waits for these answers any more
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, items)


def _resolve(items: list[_Write[Any]]) -> None:
    for item in items:
        if item.future.done():  # the request was cancelled (its client went away)
            continue
        if item.error is not None:
            item.future.set_exception(item.error)
        else:
            item.future.set_result(item.result)
