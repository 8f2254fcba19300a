"""Translation of python-gitlab / requests exceptions into the bridge's error tree."""

from __future__ import annotations

import pytest
import requests
from gitlab import exceptions as glexc

from adapters.gitlab.errors import retry_after, translate
from bridge.core.errors import (
    BridgeError,
    ConfigurationError,
    NotFound,
    PermanentError,
    RateLimited,
    TransientError,
)

SECRET_BODY = b'{"message": "embargoed CVE details"}'


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (requests.Timeout(), TransientError),
        (requests.ConnectionError(), TransientError),
        (glexc.RedirectError("moved"), ConfigurationError),
        (glexc.GitlabParsingError("html"), TransientError),
        (glexc.GitlabAuthenticationError("no", 401, SECRET_BODY), ConfigurationError),
        (glexc.GitlabGetError("no", 403, SECRET_BODY), ConfigurationError),
        (glexc.GitlabGetError("no", 404, SECRET_BODY), NotFound),
        (glexc.GitlabCreateError("dup", 409, SECRET_BODY), PermanentError),
        (glexc.GitlabCreateError("bad", 422, SECRET_BODY), PermanentError),
        (glexc.GitlabCreateError("slow", 429, SECRET_BODY), RateLimited),
        (glexc.GitlabCreateError("timeout", 408, SECRET_BODY), TransientError),
        (glexc.GitlabUpdateError("boom", 500, SECRET_BODY), TransientError),
        (glexc.GitlabUpdateError("boom", 503, SECRET_BODY), TransientError),
    ],
)
def test_translation(exc: Exception, kind: type[BridgeError]) -> None:
    error = translate(exc, "doing it")
    assert type(error) is kind
    assert "doing it" in error.reason
    assert "embargoed" not in error.reason


def test_retry_after_sources() -> None:
    assert retry_after({"Retry-After": "12"}, 0) == 12.0
    assert retry_after({"retry-after": "Thu, 01 Jan 1970 00:01:40 GMT"}, 40.0) == 60.0
    assert retry_after({"RateLimit-Reset": "1100"}, 1000.0) == 100.0
    assert retry_after({"RateLimit-Reset": "900"}, 1000.0) == 0.0
    assert retry_after({}, 0) is None and retry_after(None, 0) is None


def test_rate_limited_carries_retry_after() -> None:
    error = translate(glexc.GitlabListError("", 429), "listing", headers={"Retry-After": "5"})
    assert isinstance(error, RateLimited) and error.retry_after == 5.0
