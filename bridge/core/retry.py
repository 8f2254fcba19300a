"""One retry policy for every remote call: deliveries, tracker writes, key fetches.

Pure arithmetic: the caller passes the attempt number and a random number in [0, 1), so the
schedule is testable without a clock. ``bridge.delivery`` asks this object for the next wait
(stored as the outbox row's next attempt time, or slept through an injected ``sleep``) and
whether the attempts are exhausted; nothing else computes backoff, and no retry library is
used (a retry is a row in the database, not a loop in memory).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    DEAD = "dead"
    """Dead-letter: retrying cannot help (or the bound was reached)."""


#: Status codes worth retrying. Every other 4xx is final (dead-lettered at once).
RETRYABLE_STATUS = frozenset({401, 408, 425, 429, 500, 502, 503, 504})
"""401 is retried because a peer may want the other signature scheme (double-knocking) or
rotate keys; the attempt bound still applies."""


def classify_status(status: int) -> Verdict:
    """What to do after an HTTP answer from a peer's inbox."""
    if 200 <= status < 300:
        return Verdict.DELIVERED
    if status in RETRYABLE_STATUS or status >= 500 and status != 501:
        return Verdict.RETRY
    return Verdict.DEAD


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter, a cap, and a bound on attempts."""

    base: float = 2.0
    """Seconds before the first retry (before jitter)."""
    factor: float = 2.0
    cap: float = 3600.0
    """No wait is longer than this (except a longer ``Retry-After``, which is honoured)."""
    max_attempts: int = 12
    """Attempts in all, the first included; then dead-letter."""
    jitter: float = 0.5
    """Fraction of the wait that is random: wait * (1 - jitter + jitter * rnd)."""
    max_retry_after: float = 86400.0
    """A ``Retry-After`` beyond this is clamped (a peer cannot park a message forever)."""

    def backoff(self, attempt: int, rnd: float) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if attempt < 1:
            raise ValueError("attempt numbers start at 1")
        raw = min(self.cap, self.base * self.factor ** (attempt - 1))
        return raw * (1.0 - self.jitter + self.jitter * min(max(rnd, 0.0), 1.0))

    def next_wait(self, attempt: int, rnd: float, retry_after: float | None = None) -> float:
        """The wait before the next attempt, honouring a peer's ``Retry-After``."""
        wait = self.backoff(attempt, rnd)
        if retry_after is not None and retry_after > 0:
            wait = max(wait, min(retry_after, self.max_retry_after))
        return wait

    def exhausted(self, attempts: int) -> bool:
        """True when ``attempts`` attempts have been made and no more are allowed."""
        return attempts >= self.max_attempts


def parse_retry_after(value: str | None, now_epoch: float) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), else None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now_epoch)
