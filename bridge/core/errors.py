"""The project's small error tree, classified by what the caller should do.

Adapters translate SDK exceptions into these at their boundary (``raise ... from exc``);
the service maps them to HTTP status codes and delivery decisions. Messages never carry
request bodies or report content: they may hold embargoed details.
"""

from __future__ import annotations


class BridgeError(Exception):
    """Base of every error the bridge raises on purpose."""

    #: Short machine-readable kind, used in logs, metrics labels and JSON output.
    kind: str = "error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InputError(BridgeError):
    """The input is malformed or unsupported. Do not retry; tell the sender why (4xx)."""

    kind = "bad_input"

    def __init__(self, reason: str, *, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


class AuthenticationError(BridgeError):
    """A signature, token or secret did not verify (401). Fail closed."""

    kind = "unauthenticated"


class NotFound(BridgeError):
    """The thing addressed does not exist (or is not visible to our credentials)."""

    kind = "not_found"


class ConfigurationError(BridgeError):
    """An operator has to fix configuration: a missing permission, a wrong URL, a bad key."""

    kind = "configuration"


class RateLimited(BridgeError):
    """The remote side asked us to slow down; retry after ``retry_after`` seconds."""

    kind = "rate_limited"

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class TransientError(BridgeError):
    """A passing fault (timeout, 5xx, connection reset): retrying later may succeed."""

    kind = "transient"

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentError(BridgeError):
    """The remote side refused for good (4xx other than 408/429). Retrying will not help."""

    kind = "permanent"


class NotPrivateError(PermanentError):
    """A destination for report content is not (or is no longer) verified private.

    Raising this stops the write; callers raise an alarm (audit entry, label, notifier).
    """

    kind = "not_private"


class AmbiguousWrite(TransientError):
    """A create timed out or failed mid-flight: it may or may not have happened.

    Never retry the create blindly; look for the object's hidden marker first.
    """

    kind = "ambiguous_write"


class TransitionRefused(BridgeError):
    """A protocol state machine refused a transition. ``reason`` names the states involved."""

    kind = "transition_refused"


RETRYABLE: tuple[type[BridgeError], ...] = (RateLimited, TransientError)
"""Errors that delivery and effect application retry with the retry policy."""
