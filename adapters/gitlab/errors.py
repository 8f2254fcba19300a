"""Translate python-gitlab / requests exceptions into ``bridge.core.errors``.

Messages name the status and the operation, never GitLab's response body (it can quote
what we sent, and what we send may be embargoed).
"""

from __future__ import annotations

from collections.abc import Mapping

import requests
from gitlab import exceptions as glexc

from bridge.core.errors import (
    BridgeError,
    ConfigurationError,
    NotFound,
    PermanentError,
    RateLimited,
    TransientError,
)
from bridge.core.retry import parse_retry_after

SCOPE_HINT = (
    "the token needs the `api` scope (personal, project, group or OAuth token) and at least "
    "the Reporter role in the project (Planner or above on GitLab 17.7+ for labels and "
    "internal notes)"
)

#: Exceptions that mean "no (complete) answer came back": the request may or may not have
#: been carried out by GitLab.
NO_ANSWER: tuple[type[BaseException], ...] = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
)


def retry_after(headers: Mapping[str, str] | None, now: float) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date) or ``RateLimit-Reset``."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    seconds = parse_retry_after(lowered.get("retry-after"), now)
    if seconds is not None:
        return seconds
    reset = (lowered.get("ratelimit-reset") or "").strip()
    if reset.isdigit():
        return max(0.0, float(reset) - now)
    return None


def status_of(exc: BaseException) -> int | None:
    code = getattr(exc, "response_code", None)
    return code if isinstance(code, int) else None


def translate(
    exc: BaseException,
    action: str,
    *,
    headers: Mapping[str, str] | None = None,
    now: float = 0.0,
) -> BridgeError:
    """The bridge error for ``exc`` raised while doing ``action`` (``raise ... from exc``)."""
    if isinstance(exc, requests.Timeout):
        return TransientError(f"GitLab did not answer in time while {action}")
    if isinstance(exc, NO_ANSWER):
        return TransientError(f"the connection to GitLab failed while {action}")
    if isinstance(exc, glexc.RedirectError):
        return ConfigurationError(
            f"GitLab redirected a write while {action}: configure the exact API URL (https?)"
        )
    if isinstance(exc, glexc.GitlabParsingError):
        return TransientError(f"GitLab's answer could not be parsed while {action}")
    code = status_of(exc)
    if isinstance(exc, glexc.GitlabAuthenticationError) or code == 401:
        return ConfigurationError(
            f"GitLab rejected the token (401) while {action}: it is missing, expired or "
            f"revoked; {SCOPE_HINT}"
        )
    if code == 403:
        return ConfigurationError(f"GitLab refused {action} (403): {SCOPE_HINT}")
    if code == 404:
        return NotFound(
            f"GitLab answered 404 while {action} (missing, or not visible to the token)"
        )
    if code == 429:
        return RateLimited(
            f"GitLab rate-limited {action} (429)", retry_after=retry_after(headers, now)
        )
    if code is not None and (code >= 500 or code == 408):
        return TransientError(
            f"GitLab answered {code} while {action}", retry_after=retry_after(headers, now)
        )
    if code is not None:
        return PermanentError(f"GitLab refused {action} ({code})")
    return TransientError(f"GitLab call failed while {action} ({type(exc).__name__})")
