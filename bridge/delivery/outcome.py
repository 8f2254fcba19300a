"""The result of one delivery attempt, shared by the sender and the outbox worker."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.core.retry import Verdict


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    verdict: Verdict
    status: int | None = None
    """The peer's HTTP status, None when no answer came (timeout, refused, SSRF-blocked)."""
    error: str | None = None
    """A short reason safe to store and show (never the body we sent)."""
    retry_after: float | None = None
    """Seconds the peer asked us to wait (``Retry-After``)."""
    inbox: str | None = None
    """Where the attempt went when the sender resolved another inbox than the row's (from the
    recipient's actor document); recorded on the row and in the audit entry."""
