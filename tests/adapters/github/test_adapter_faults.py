"""Rate limits, server errors, timeouts and lost answers: translated, never blindly retried."""

from __future__ import annotations

import pytest

from bridge.core.errors import (
    AmbiguousWrite,
    ConfigurationError,
    PermanentError,
    RateLimited,
    TransientError,
)
from bridge.core.refs import TrackerRef
from tests.fakes.github import Fault
from tests.fakes.github.harness import NOW, PRIVATE_REPO, PUBLIC_REPO, GitHubHarness

ISSUE = TrackerRef("github", PRIVATE_REPO, 1)
GET_ISSUE = rf"/repos/{PRIVATE_REPO}/issues/1$"
CREATE = rf"/repos/{PRIVATE_REPO}/issues$"


@pytest.fixture
def with_issue(github: GitHubHarness) -> GitHubHarness:
    github.adapter.ensure_private_issue(github.private_issue_destination, "obj", "t", "b")
    return github


def test_primary_rate_limit_retries_after_the_reset(with_issue: GitHubHarness) -> None:
    with_issue.fake.inject(
        Fault(
            "GET",
            GET_ISSUE,
            status=403,
            message="API rate limit exceeded for user ID 1.",
            headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 120)},
        )
    )
    with pytest.raises(RateLimited) as info:
        with_issue.adapter.get_issue(ISSUE)
    assert info.value.retry_after == 120


def test_secondary_rate_limit_honours_retry_after(with_issue: GitHubHarness) -> None:
    with_issue.fake.inject(
        Fault(
            "GET",
            GET_ISSUE,
            status=403,
            headers={"retry-after": "42"},
            message="You have exceeded a secondary rate limit. Please wait a few minutes.",
        )
    )
    with pytest.raises(RateLimited) as info:
        with_issue.adapter.get_issue(ISSUE)
    assert info.value.retry_after == 42


def test_secondary_rate_limit_without_headers_waits_a_minute(with_issue: GitHubHarness) -> None:
    with_issue.fake.inject(
        Fault("GET", GET_ISSUE, status=403, message="You have exceeded a secondary rate limit.")
    )
    with pytest.raises(RateLimited) as info:
        with_issue.adapter.get_issue(ISSUE)
    assert info.value.retry_after == 60


def test_429_with_retry_after(with_issue: GitHubHarness) -> None:
    with_issue.fake.inject(
        Fault(
            "POST",
            "/labels$",
            status=429,
            message="Too Many Requests",
            headers={"retry-after": "7"},
        )
    )
    with pytest.raises(RateLimited) as info:
        with_issue.adapter.set_labels(ISSUE, ["bug"], [])
    assert info.value.retry_after == 7


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_on_reads_are_transient(with_issue: GitHubHarness, status: int) -> None:
    with_issue.fake.inject(Fault("GET", GET_ISSUE, status=status))
    with pytest.raises(TransientError) as info:
        with_issue.adapter.get_issue(ISSUE)
    assert not isinstance(info.value, AmbiguousWrite)
    assert with_issue.adapter.get_issue(ISSUE).state == "open"  # the next call goes through


def test_a_5xx_on_create_is_ambiguous_and_not_retried(github: GitHubHarness) -> None:
    github.fake.inject(Fault("POST", CREATE, status=502, message="Bad Gateway"))
    with pytest.raises(AmbiguousWrite):
        github.adapter.ensure_private_issue(github.private_issue_destination, "obj", "t", "b")
    assert github.requests_to("POST", f"/repos/{PRIVATE_REPO}/issues") == 1
    # the caller retries later: search first, then one create
    result = github.adapter.ensure_private_issue(github.private_issue_destination, "obj", "t", "b")
    assert result.created and len(github.fake.issues_of(PRIVATE_REPO)) == 1


def test_a_timeout_on_a_read_is_transient(with_issue: GitHubHarness) -> None:
    with_issue.fake.inject(Fault("GET", GET_ISSUE, kind="slow", delay=1.6))
    with pytest.raises(TransientError, match="timed out"):  # the answer would have come
        with_issue.adapter.get_issue(ISSUE)


def test_a_timeout_on_create_is_resolved_by_the_marker(github: GitHubHarness) -> None:
    github.fake.inject(Fault("POST", CREATE, kind="slow", delay=1.6))
    result = github.adapter.ensure_private_issue(github.private_issue_destination, "obj", "t", "b")
    assert result.ref.number == 1
    assert len(github.fake.issues_of(PRIVATE_REPO)) == 1
    assert github.requests_to("POST", f"/repos/{PRIVATE_REPO}/issues") == 1


def test_a_timeout_on_comment_without_marker_is_ambiguous(with_issue: GitHubHarness) -> None:
    with_issue.fake.inject(Fault("POST", "/comments$", kind="slow", delay=1.6))
    with pytest.raises(AmbiguousWrite):
        with_issue.adapter.comment(ISSUE, "unmarked note")


def test_a_lost_comment_answer_with_marker_is_found_again(with_issue: GitHubHarness) -> None:
    with_issue.fake.inject(Fault("POST", "/comments$", kind="lost"))
    with_issue.adapter.comment(ISSUE, "note", marker_id="m-1")
    with_issue.adapter.comment(ISSUE, "note", marker_id="m-1")
    assert len(with_issue.fake.repos[PRIVATE_REPO].issues[1].comments) == 1


def test_forbidden_advisories_name_the_missing_permission(github: GitHubHarness) -> None:
    github.fake.inject(
        Fault(
            None,
            "/security-advisories",
            status=403,
            message="Resource not accessible by integration",
            times=None,
        )
    )
    with pytest.raises(ConfigurationError) as info:
        github.adapter.ensure_private_issue(github.advisory_destination, "obj", "t", "b")
    assert "repository advisories: write" in info.value.reason
    assert "GITHUB_TOKEN cannot write advisories" in info.value.reason


def test_advisories_hidden_by_404_are_a_permission_problem(github: GitHubHarness) -> None:
    github.fake.inject(Fault("GET", "/security-advisories$", status=404, message="Not Found"))
    with pytest.raises(ConfigurationError, match="GITHUB_TOKEN"):
        github.adapter.ensure_private_issue(github.advisory_destination, "obj", "t", "b")


def test_forbidden_issue_writes_name_the_issues_permission(with_issue: GitHubHarness) -> None:
    with_issue.fake.inject(
        Fault("PATCH", GET_ISSUE, status=403, message="Resource not accessible by integration")
    )
    with pytest.raises(ConfigurationError, match="Issues: write"):
        with_issue.adapter.close(ISSUE)


def test_validation_failures_are_permanent(github: GitHubHarness) -> None:
    with pytest.raises(PermanentError, match="422"):
        github.adapter.ensure_private_issue(github.private_issue_destination, "obj", "", "b")
    assert github.fake.issues_of(PRIVATE_REPO) == []


def test_cve_requests_on_private_repositories_are_refused(github: GitHubHarness) -> None:
    from bridge.core.effects import Destination, DestinationMode

    dest = Destination(tracker="github", project=PRIVATE_REPO, mode=DestinationMode.ADVISORY)
    ref = github.adapter.ensure_private_issue(dest, "obj", "t", "b").ref
    with pytest.raises(PermanentError, match="422"):
        github.adapter.request_cve(ref)
    assert PUBLIC_REPO not in str(ref)
