"""Client construction (token, App installation) and the error translation table."""

from __future__ import annotations

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from github.GithubException import GithubException

from adapters.github.adapter import GitHubAdapter
from adapters.github.client import make_github
from adapters.github.errors import translate
from bridge.core.errors import (
    AmbiguousWrite,
    BridgeError,
    ConfigurationError,
    NotFound,
    PermanentError,
    RateLimited,
    TransientError,
)
from tests.fakes.github.harness import PRIVATE_REPO, GitHubHarness

NOW = 1_000.0


def _gh(status: int, message: str = "x", headers: dict[str, str] | None = None) -> GithubException:
    return GithubException(status, {"message": message, "body": "EMBARGOED"}, headers or {})


def t(exc: BaseException, **kw: object) -> BridgeError:
    return translate(exc, "doing it", now=lambda: NOW, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "kw", "kind", "retry_after"),
    [
        (_gh(404), {}, NotFound, None),
        (_gh(410), {}, NotFound, None),
        (_gh(404), {"missing_means_permission": True}, ConfigurationError, None),
        (_gh(401, "Bad credentials"), {}, ConfigurationError, None),
        (_gh(403, "Resource not accessible by integration"), {}, ConfigurationError, None),
        (
            _gh(
                403,
                "API rate limit exceeded",
                {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1030"},
            ),
            {},
            RateLimited,
            30.0,
        ),
        (
            _gh(403, "x", {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "900"}),
            {},
            RateLimited,
            1.0,
        ),
        (_gh(403, "secondary rate limit", {"Retry-After": "5"}), {}, RateLimited, 5.0),
        (_gh(429), {}, RateLimited, 60.0),
        (_gh(500), {}, TransientError, None),
        (_gh(503), {"create": True}, AmbiguousWrite, None),
        (_gh(422, "Validation Failed"), {}, PermanentError, None),
        (_gh(409), {"create": True}, PermanentError, None),
        (requests.exceptions.ReadTimeout(), {}, TransientError, None),
        (requests.exceptions.ReadTimeout(), {"create": True}, AmbiguousWrite, None),
        (requests.exceptions.ConnectionError(), {}, TransientError, None),
        (requests.exceptions.ConnectionError(), {"create": True}, AmbiguousWrite, None),
    ],
)
def test_translation_table(
    exc: BaseException, kw: dict[str, object], kind: type[BridgeError], retry_after: float | None
) -> None:
    err = t(exc, **kw)
    assert type(err) is kind
    assert getattr(err, "retry_after", None) == retry_after
    assert "EMBARGOED" not in err.reason and "doing it" in err.reason


def test_ambiguous_writes_are_transient_so_they_are_retried_after_a_look() -> None:
    assert isinstance(t(_gh(502), create=True), TransientError)


def test_the_permission_is_named() -> None:
    err = t(_gh(403), permission="Issues: write")
    assert "Issues: write" in err.reason


def test_credentials_are_required_and_exclusive() -> None:
    with pytest.raises(ConfigurationError):
        make_github("http://127.0.0.1:9")
    with pytest.raises(ConfigurationError):
        make_github("http://127.0.0.1:9", token="t", app_id=1, private_key="k")


def test_app_installation_auth_mints_a_token_and_writes(github: GitHubHarness) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    adapter = GitHubAdapter.connect(
        github.fake.base_url,
        app_id=123,
        private_key=pem,
        installation_id=7,
        timeout=1,
        bot_login="vultron-bridge[bot]",
    )
    result = adapter.ensure_private_issue(github.private_issue_destination, "app-obj", "t", "b")
    assert result.created and result.ref.project == PRIVATE_REPO
    assert github.fake.installation_tokens == 1
    assert adapter.bot_identity() == "vultron-bridge[bot]"
    assert github.requests_to("GET", "/user") == 0


def test_errors_are_chained_to_their_cause(github: GitHubHarness) -> None:
    from bridge.core.refs import TrackerRef

    with pytest.raises(NotFound) as info:
        github.adapter.get_issue(TrackerRef("github", PRIVATE_REPO, 77))
    assert isinstance(info.value.__cause__, GithubException)
