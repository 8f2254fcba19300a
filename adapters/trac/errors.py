"""Translate httpx exceptions and the plugin's error answers into ``bridge.core.errors``.

Messages name the operation and the status, never the answer's body (it can quote what the
bridge sent, and what it sends may be embargoed).
"""

from __future__ import annotations

import httpx

from bridge.core.errors import (
    AmbiguousWrite,
    BridgeError,
    ConfigurationError,
    NotFound,
    PermanentError,
    RateLimited,
    TransientError,
)
from bridge.core.retry import parse_retry_after

PLUGIN_HINT = (
    "the Trac plugin's API user needs TICKET_CREATE, TICKET_MODIFY and SECURITY_VIEW, and the "
    "bridge's token must be listed in [vultron] api_token_sha256 (docs/trac.md)"
)


def from_status(response: httpx.Response, what: str, now: float) -> BridgeError:
    """The error for a non-2xx answer of the plugin's API."""
    status = response.status_code
    where = f"Trac answered {status} to {what}"
    if status == 404:
        return NotFound(f"{where}: no such ticket or endpoint (is the plugin enabled?)")
    if status in (401, 403):
        return ConfigurationError(f"{where}: {PLUGIN_HINT}")
    if status == 429:
        wait = parse_retry_after(response.headers.get("retry-after"), now)
        return RateLimited(where, retry_after=wait)
    if status == 408 or status >= 500:
        wait = parse_retry_after(response.headers.get("retry-after"), now)
        return TransientError(where, retry_after=wait)
    return PermanentError(where)


def translate(exc: httpx.HTTPError, what: str, *, create: bool = False) -> BridgeError:
    """The error for a request that got no (complete) answer."""
    name = type(exc).__name__
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ConfigurationError(f"{what}: the Trac URL is unusable ({name})")
    if create and not isinstance(exc, httpx.ConnectError):
        return AmbiguousWrite(f"{what}: no answer ({name}); the ticket may exist")
    return TransientError(f"{what}: no answer from Trac ({name})")
