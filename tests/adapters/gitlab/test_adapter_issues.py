"""GitLabAdapter over real HTTP against the fake: confidential issues, markers, privacy."""

from __future__ import annotations

import pytest

from adapters.gitlab.adapter import GitLabAdapter
from bridge.core.effects import Destination, DestinationMode
from bridge.core.errors import (
    AmbiguousWrite,
    ConfigurationError,
    NotFound,
    NotPrivateError,
    RateLimited,
    TransientError,
)
from bridge.core.markers import marker_token
from bridge.core.tracker import Capability, TrackerAdapter
from tests.fakes.gitlab.harness import CLIENT_TIMEOUT, GitLabHarness

OBJ = "https://vendor.example/reports/1"
ISSUES = r"/projects/[^/]+/issues$"


def _ensure(h: GitLabHarness, obj: str = OBJ, labels: tuple[str, ...] = ()) -> object:
    return h.adapter.ensure_private_issue(h.destination, obj, "Report 1", "Details", labels)


def test_adapter_implements_the_protocol(gitlab: GitLabHarness) -> None:
    adapter = gitlab.adapter
    assert isinstance(adapter, TrackerAdapter)
    assert adapter.kind == "gitlab" and adapter.name == "gitlab"
    assert Capability.CONFIDENTIAL_ISSUES in adapter.capabilities
    assert adapter.bot_identity() == "vultron-bot"


def test_creates_a_confidential_issue_with_marker_and_labels(gitlab: GitLabHarness) -> None:
    h = gitlab
    result = h.adapter.ensure_private_issue(
        h.destination, OBJ, "Report 1", "Details", ["vultron:received", "vultron:valid"]
    )
    assert result.created and result.ref == h.ref(1)
    (issue,) = h.fake.issues_in(h.project)
    assert issue.confidential is True
    assert marker_token(OBJ) in issue.description and issue.description.startswith("Details")
    # the rm group is exclusive: of two labels of one group, the later one wins
    assert issue.labels == ["vultron:valid"]
    project = h.fake.state.project(h.project)
    label = project.labels["vultron:valid"]
    assert label["color"].startswith("#") and label["description"]


def test_recreate_finds_the_marker_instead_of_duplicating(gitlab: GitLabHarness) -> None:
    h = gitlab
    first = _ensure(h)
    second = _ensure(h)
    assert second.created is False and second.ref == first.ref  # type: ignore[attr-defined]
    assert len(h.fake.issues_in(h.project)) == 1
    searches = [p for m, p in h.fake.requests if m == "POST" and p.endswith("/issues")]
    assert len(searches) == 1


def test_marker_found_through_listing_when_search_misses(gitlab: GitLabHarness) -> None:
    """Search index lag: the fallback scans the bot's newest issues, across pages."""
    h = gitlab
    from bridge.core.markers import with_marker

    h.fake.seed_issue(h.project, h.bot, description=with_marker("old report", OBJ))
    for n in range(120):
        h.fake.seed_issue(h.project, h.bot, description=f"report {n}")
    h.fake.state.search_lag = True
    result = _ensure(h)
    assert result.created is False and result.ref == h.ref(1)  # type: ignore[attr-defined]
    pages = [p for m, p in h.fake.requests if m == "GET" and p.endswith("/issues")]
    assert len(pages) == 3  # one (empty) search, two listing pages


def test_listing_fallback_is_bounded(fake_gitlab: object) -> None:
    from bridge.core.markers import with_marker
    from tests.fakes.gitlab import FakeGitLab

    fake = fake_gitlab
    assert isinstance(fake, FakeGitLab)
    bot = fake.add_user("vultron-bot", "t")
    fake.add_project("a/b")
    fake.seed_issue("a/b", bot, description=with_marker("old", OBJ))
    for _ in range(5):
        fake.seed_issue("a/b", bot)
    fake.state.search_lag = True
    adapter = GitLabAdapter(
        fake.url, private_token="t", timeout=CLIENT_TIMEOUT, marker_scan_limit=3
    )
    try:
        assert adapter.find_marked("a/b", OBJ) is None
        listings = [p for m, p in fake.requests if m == "GET" and p.endswith("/issues")]
        assert len(listings) == 2  # the search, then one page of 3: the rest is never read
    finally:
        adapter.shutdown()


def test_timeout_on_create_does_not_duplicate(gitlab: GitLabHarness) -> None:
    """Created, but the answer is lost: the adapter re-searches and finds it."""
    h = gitlab
    h.fake.delay("POST", ISSUES, CLIENT_TIMEOUT * 3, after=True)
    result = _ensure(h)
    assert result.created is True  # type: ignore[attr-defined]
    again = _ensure(h)
    assert again.created is False  # type: ignore[attr-defined]
    assert len(h.fake.issues_in(h.project)) == 1


def test_lost_create_not_yet_visible_is_ambiguous(gitlab: GitLabHarness) -> None:
    """The server is still working when the client gives up: AmbiguousWrite, no retry."""
    h = gitlab
    h.fake.delay("POST", ISSUES, CLIENT_TIMEOUT * 3, after=False)
    with pytest.raises(AmbiguousWrite):
        _ensure(h)
    creates = [p for m, p in h.fake.requests if m == "POST" and p.endswith("/issues")]
    assert len(creates) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_after_create_is_ambiguous_then_resolved(gitlab: GitLabHarness, status: int) -> None:
    h = gitlab
    h.fake.fail("POST", ISSUES, status, after=True)
    assert _ensure(h).created is True  # type: ignore[attr-defined]
    assert len(h.fake.issues_in(h.project)) == 1


def test_5xx_before_create_raises_ambiguous_write(gitlab: GitLabHarness) -> None:
    h = gitlab
    h.fake.fail("POST", ISSUES, 503)
    with pytest.raises(AmbiguousWrite) as info:
        _ensure(h)
    assert isinstance(info.value, TransientError)
    assert h.fake.issues_in(h.project) == []


def test_429_is_rate_limited_with_retry_after(gitlab: GitLabHarness) -> None:
    h = gitlab
    h.fake.fail("GET", ISSUES, 429, headers={"Retry-After": "17"})
    with pytest.raises(RateLimited) as info:
        _ensure(h)
    assert info.value.retry_after == 17.0


def test_429_with_ratelimit_reset(fake_gitlab: object) -> None:
    from tests.fakes.gitlab import FakeGitLab

    fake = fake_gitlab
    assert isinstance(fake, FakeGitLab)
    fake.add_user("vultron-bot", "t")
    fake.add_project("a/b")
    adapter = GitLabAdapter(
        fake.url, private_token="t", timeout=CLIENT_TIMEOUT, clock=lambda: 1_000.0
    )
    try:
        fake.fail("GET", r"/user$", 429, headers={"RateLimit-Reset": "1060"})
        with pytest.raises(RateLimited) as info:
            adapter.bot_identity()
        assert info.value.retry_after == 60.0
    finally:
        adapter.shutdown()


def test_5xx_on_read_is_transient(gitlab: GitLabHarness) -> None:
    h = gitlab
    _ensure(h)
    h.fake.fail("GET", r"/issues/1$", 502, headers={"Retry-After": "3"})
    with pytest.raises(TransientError) as info:
        h.adapter.get_issue(h.ref(1))
    assert info.value.retry_after == 3.0 and not isinstance(info.value, AmbiguousWrite)


def test_issue_made_public_stops_every_content_write(gitlab: GitLabHarness) -> None:
    h = gitlab
    ref = _ensure(h).ref  # type: ignore[attr-defined]
    h.fake.set_confidential(h.project, 1, False, by=h.human)
    before = len(h.fake.issue(h.project, 1).notes)
    with pytest.raises(NotPrivateError):
        h.adapter.comment(ref, "embargoed details")
    with pytest.raises(NotPrivateError):
        h.adapter.check_private(ref)
    with pytest.raises(NotPrivateError):
        _ensure(h)  # the marked issue exists but is no longer confidential
    assert len(h.fake.issue(h.project, 1).notes) == before
    writes = [m for m, p in h.fake.requests if m != "GET" and "/notes" in p]
    assert writes == []


def test_project_visibility_widened_stops_writes(gitlab: GitLabHarness) -> None:
    h = gitlab
    ref = _ensure(h).ref  # type: ignore[attr-defined]
    h.fake.set_visibility(h.project, "public")
    with pytest.raises(NotPrivateError, match="became public"):
        h.adapter.comment(ref, "embargoed")
    with pytest.raises(NotPrivateError):
        _ensure(h, f"{OBJ}/new")
    assert len(h.fake.issues_in(h.project)) == 1


def test_allowed_visibility_is_enforced(fake_gitlab: object) -> None:
    from tests.fakes.gitlab import FakeGitLab

    fake = fake_gitlab
    assert isinstance(fake, FakeGitLab)
    fake.add_user("vultron-bot", "t")
    fake.add_project("a/pub", visibility="public")
    adapter = GitLabAdapter(
        fake.url, private_token="t", timeout=CLIENT_TIMEOUT, allowed_visibility=("private",)
    )
    dest = Destination(tracker="gitlab", project="a/pub", mode=DestinationMode.CONFIDENTIAL_ISSUE)
    try:
        with pytest.raises(NotPrivateError, match="public"):
            adapter.ensure_private_issue(dest, OBJ, "t", "b")
        assert fake.issues_in("a/pub") == []
    finally:
        adapter.shutdown()


def test_gitlab_dropping_confidentiality_on_create_is_caught(gitlab: GitLabHarness) -> None:
    h = gitlab
    h.fake.state.drop_confidential_on_create = True
    with pytest.raises(NotPrivateError, match="not confidential"):
        _ensure(h)


def test_wrong_destination_mode_or_tracker(gitlab: GitLabHarness) -> None:
    h = gitlab
    for dest in (
        Destination(tracker="gitlab", project=h.project, mode=DestinationMode.PRIVATE_ISSUE),
        Destination(tracker="github", project=h.project, mode=DestinationMode.CONFIDENTIAL_ISSUE),
    ):
        with pytest.raises(ConfigurationError):
            h.adapter.ensure_private_issue(dest, OBJ, "t", "b")
    assert h.fake.requests == []


def test_missing_project_and_issue_are_not_found(gitlab: GitLabHarness) -> None:
    h = gitlab
    with pytest.raises(NotFound):
        h.adapter.get_issue(h.ref(99))
    missing = Destination(
        tracker="gitlab", project="acme/nope", mode=DestinationMode.CONFIDENTIAL_ISSUE
    )
    with pytest.raises(NotFound):
        h.adapter.check_private(missing)


def test_bad_token_is_a_configuration_error_naming_the_scope(fake_gitlab: object) -> None:
    from tests.fakes.gitlab import FakeGitLab

    fake = fake_gitlab
    assert isinstance(fake, FakeGitLab)
    adapter = GitLabAdapter(fake.url, oauth_token="revoked", timeout=CLIENT_TIMEOUT)
    try:
        with pytest.raises(ConfigurationError, match="api"):
            adapter.bot_identity()
    finally:
        adapter.shutdown()


def test_exactly_one_credential_is_required() -> None:
    with pytest.raises(ConfigurationError):
        GitLabAdapter("http://127.0.0.1:9")
    with pytest.raises(ConfigurationError):
        GitLabAdapter("http://127.0.0.1:9", private_token="a", oauth_token="b")
    with pytest.raises(ConfigurationError):
        GitLabAdapter("http://127.0.0.1:9", private_token="a", allowed_visibility=("secret",))


def test_get_issue_snapshot(gitlab: GitLabHarness) -> None:
    h = gitlab
    ref = _ensure(h, labels=("vultron:received",)).ref  # type: ignore[attr-defined]
    h.adapter.close(ref)
    snap = h.adapter.get_issue(ref)
    assert (snap.state, snap.private, snap.labels) == ("closed", True, ("vultron:received",))
    assert snap.url and snap.url.endswith("/acme/widgets/-/issues/1")
    assert snap.title == "Report 1" and snap.moved_to is None
