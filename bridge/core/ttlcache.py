"""A small time-to-live cache with an injected clock (no real time here, no sleeping).

Adapters keep answers that may go briefly stale in one (e.g. who has write access to a
project, for tracker-side authority): ``get`` misses once an entry is ``ttl`` seconds old,
so a permission revoked in the tracker stops counting within ``ttl``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """``ttl`` seconds per entry by ``clock`` (epoch seconds); at most ``max_entries`` kept
    (the oldest dropped first). Safe to share between worker threads."""

    def __init__(self, ttl: float, clock: Callable[[], float], max_entries: int = 4096) -> None:
        if ttl < 0 or max_entries < 1:
            raise ValueError("ttl must be >= 0 and max_entries >= 1")
        self._ttl = ttl
        self._clock = clock
        self._max = max_entries
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The cached value, or None when absent or expired."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            stored_at, value = found
            if self._clock() - stored_at >= self._ttl:
                del self._entries[key]
                return None
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries.pop(key, None)
            while len(self._entries) >= self._max:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = (self._clock(), value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
