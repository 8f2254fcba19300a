"""PyGithub / requests exceptions → the bridge's error tree (``bridge.core.errors``).

Classified by what the caller should do. Rate limits carry ``retry_after`` (primary: until
``x-ratelimit-reset``; secondary: ``retry-after``; GitHub says to wait at least a minute when
neither header is sent). A create that timed out or got a 5xx may have happened: it becomes
AmbiguousWrite, so the caller searches for the marker before trying again.
Messages name the operation and status, never request bodies or report content.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import requests
from github.GithubException import GithubException

from bridge.core.errors import (
    AmbiguousWrite,
    BridgeError,
    ConfigurationError,
    NotFound,
    PermanentError,
    RateLimited,
    TransientError,
)

DEFAULT_SECONDARY_WAIT = 60.0
ADVISORY_PERMISSION = (
    "repository advisories: write (fine-grained token or App) or the repo scope (classic PAT), "
    "held by a security manager or admin of the repository; GITHUB_TOKEN cannot write advisories"
)


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if str(key).lower() == name:
            return str(value)
    return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _message(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    msg = data.get("message")
    return str(msg)[:160] if isinstance(msg, str) else ""


def rate_limit_of(
    status: int, headers: Mapping[str, Any] | None, message: str, now: float
) -> float | None:
    """Seconds to wait when the answer is a rate limit, else None."""
    retry_after = _float(_header(headers, "retry-after"))
    remaining = _header(headers, "x-ratelimit-remaining")
    reset = _float(_header(headers, "x-ratelimit-reset"))
    if status not in (403, 429):
        return None
    if retry_after is not None:
        return max(retry_after, 0.0)
    if remaining is not None and remaining.strip() == "0":
        return max(reset - now, 1.0) if reset is not None else DEFAULT_SECONDARY_WAIT
    if status == 429 or "rate limit" in message.lower():
        return DEFAULT_SECONDARY_WAIT
    return None


def translate(
    exc: BaseException,
    what: str,
    *,
    now: Callable[[], float],
    create: bool = False,
    permission: str | None = None,
    missing_means_permission: bool = False,
) -> BridgeError:
    """The bridge error for ``exc`` raised while doing ``what`` (``raise translate(...) from exc``).

    ``permission`` names what the token needs for this call (used for 401/403 answers);
    ``missing_means_permission``: GitHub answers 404 instead of 403 when the token may not see
    the resource (advisories), so a 404 there is a configuration problem too.
    """
    if isinstance(exc, GithubException):
        return _from_status(exc, what, now(), create, permission, missing_means_permission)
    if isinstance(exc, requests.exceptions.Timeout):
        if create:
            return AmbiguousWrite(f"{what}: timed out; it may have happened, look before retrying")
        return TransientError(f"{what}: timed out")
    if isinstance(exc, requests.exceptions.RequestException):
        if create:
            return AmbiguousWrite(
                f"{what}: the connection failed ({type(exc).__name__}); it may have happened"
            )
        return TransientError(f"{what}: connection failed ({type(exc).__name__})")
    return TransientError(f"{what}: {type(exc).__name__}")


def _from_status(
    exc: GithubException,
    what: str,
    now: float,
    create: bool,
    permission: str | None,
    missing_means_permission: bool,
) -> BridgeError:
    status = exc.status
    message = _message(exc)
    wait = rate_limit_of(status, exc.headers, message, now)
    if wait is not None:
        return RateLimited(f"{what}: GitHub rate limit ({status})", retry_after=wait)
    if status == 401:
        return ConfigurationError(
            f"{what}: GitHub refused the token (401): it is missing, expired or revoked"
        )
    if status == 403 or (status == 404 and missing_means_permission):
        need = f"; the token needs {permission}" if permission else ""
        return ConfigurationError(f"{what}: GitHub answered {status} (permission denied){need}")
    if status == 404:
        return NotFound(f"{what}: not found (or not visible to the token)")
    if status == 410:
        return NotFound(f"{what}: gone (issues disabled or the issue was deleted)")
    if status in (408, 425) or status >= 500:
        if create:
            return AmbiguousWrite(
                f"{what}: GitHub answered {status}; it may have happened, look before retrying"
            )
        return TransientError(f"{what}: GitHub answered {status}")
    detail = f": {message}" if message else ""
    return PermanentError(f"{what}: GitHub refused it ({status}){detail}")
