"""GitHubAdapter on private-repository issues, over real HTTP against the fake GitHub."""

from __future__ import annotations

import pytest

from bridge.core.effects import Destination, DestinationMode
from bridge.core.errors import ConfigurationError, NotFound, NotPrivateError
from bridge.core.labels import LABELS
from bridge.core.markers import has_marker, marker_token
from bridge.core.refs import TrackerRef
from bridge.core.tracker import TrackerAdapter
from tests.fakes.github import Fault
from tests.fakes.github.harness import BOT, PRIVATE_REPO, PUBLIC_REPO, GitHubHarness

OBJ = "https://vendor.example/reports/0b1c"


def _ensure(gh: GitHubHarness, obj: str = OBJ, labels: tuple[str, ...] = ("vultron:received",)):
    return gh.adapter.ensure_private_issue(
        gh.private_issue_destination, obj, "Report: heap overflow", "Embargoed details", labels
    )


def test_the_adapter_implements_the_tracker_protocol(github: GitHubHarness) -> None:
    assert isinstance(github.adapter, TrackerAdapter)
    assert github.adapter.name == "github" and github.adapter.kind == "github"


def test_creates_a_private_issue_with_marker_and_labels(github: GitHubHarness) -> None:
    result = _ensure(github)
    assert result.created and result.ref == TrackerRef("github", PRIVATE_REPO, 1)
    (issue,) = github.fake.issues_of(PRIVATE_REPO)
    assert issue.title == "Report: heap overflow"
    assert issue.body is not None and has_marker(issue.body, OBJ)
    assert issue.labels == ["vultron:received"]


def test_re_creating_finds_the_marker_and_makes_no_second_issue(github: GitHubHarness) -> None:
    first = _ensure(github)
    second = _ensure(github)
    assert not second.created and second.ref == first.ref
    assert len(github.fake.issues_of(PRIVATE_REPO)) == 1
    assert github.requests_to("POST", f"/repos/{PRIVATE_REPO}/issues") == 1


def test_stale_search_falls_back_to_listing(github: GitHubHarness) -> None:
    github.fake.search_lag = True  # the new issue is not in the search index yet
    first = _ensure(github)
    second = _ensure(github)
    assert second.ref == first.ref and not second.created
    assert len(github.fake.issues_of(PRIVATE_REPO)) == 1
    assert github.requests_to("GET", f"/repos/{PRIVATE_REPO}/issues") >= 1


def test_crash_between_create_and_record_never_yields_a_second_issue(
    github: GitHubHarness,
) -> None:
    github.fake.search_lag = True
    github.fake.inject(Fault("POST", rf"/repos/{PRIVATE_REPO}/issues$", kind="lost"))
    first = _ensure(github)  # the create happened, its answer was lost: found by marker
    assert first.ref.number == 1
    rerun = _ensure(github)  # the caller never recorded it and runs the effect again
    assert rerun.ref == first.ref and not rerun.created
    assert len(github.fake.issues_of(PRIVATE_REPO)) == 1
    assert github.requests_to("POST", f"/repos/{PRIVATE_REPO}/issues") == 1


def test_a_public_repository_is_refused_and_nothing_is_written(github: GitHubHarness) -> None:
    destination = Destination(
        tracker="github", project=PUBLIC_REPO, mode=DestinationMode.PRIVATE_ISSUE
    )
    with pytest.raises(NotPrivateError, match="public"):
        github.adapter.ensure_private_issue(destination, OBJ, "t", "Embargoed details")
    assert github.fake.issues_of(PUBLIC_REPO) == []
    assert not any(m != "GET" for m, _ in github.fake.requests)


def test_a_repository_that_turned_public_stops_the_next_write(github: GitHubHarness) -> None:
    ref = _ensure(github).ref
    github.fake.set_private(PRIVATE_REPO, False)
    with pytest.raises(NotPrivateError) as info:
        github.adapter.comment(ref, "more embargoed details", marker_id="c1")
    assert "more embargoed" not in info.value.reason
    with pytest.raises(NotPrivateError):
        _ensure(github, obj="another report")
    (issue,) = github.fake.issues_of(PRIVATE_REPO)
    assert issue.comments == []
    assert [w.events[0].kind.value for w in github.parsed_webhooks()][-1] == "made_public"


def test_the_label_set_is_created_with_colours_on_first_use(github: GitHubHarness) -> None:
    _ensure(github)
    labels = github.fake.repos[PRIVATE_REPO].labels
    for spec in LABELS:
        assert labels[spec.name].color == spec.color
        assert labels[spec.name].description == spec.description
    gets_before = github.requests_to("GET", "/labels/vultron%3Avalid")
    github.adapter.set_labels(TrackerRef("github", PRIVATE_REPO, 1), ["vultron:valid"], [])
    assert github.requests_to("GET", "/labels/vultron%3Avalid") == gets_before  # cached


def test_exclusive_groups_stay_exclusive(github: GitHubHarness) -> None:
    ref = _ensure(github, labels=("vultron:received", "vultron:embargo-proposed")).ref
    github.adapter.set_labels(ref, ["vultron:accepted", "vultron:embargo-active", "bug"], [])
    assert github.adapter.get_issue(ref).labels == (
        "bug",
        "vultron:accepted",
        "vultron:embargo-active",
    )
    github.adapter.set_labels(ref, [], ["bug", "not-there"])
    assert github.adapter.get_issue(ref).labels == ("vultron:accepted", "vultron:embargo-active")


def test_setting_labels_already_there_writes_nothing(github: GitHubHarness) -> None:
    ref = _ensure(github).ref
    before = len(github.fake.requests)
    github.adapter.set_labels(ref, ["vultron:received"], ["vultron:valid"])
    writes = [m for m, _ in github.fake.requests[before:] if m != "GET"]
    assert writes == []


def test_comments_are_written_once_per_marker(github: GitHubHarness) -> None:
    ref = _ensure(github).ref
    github.adapter.comment(ref, "Case accepted.", marker_id="activity-1")
    github.adapter.comment(ref, "Case accepted.", marker_id="activity-1")
    github.adapter.comment(ref, "Another note", marker_id="activity-2")
    github.adapter.comment(ref, "unmarked")
    comments = github.fake.repos[PRIVATE_REPO].issues[1].comments
    assert [c.body.split("\n")[0] for c in comments] == [
        "Case accepted.",
        "Another note",
        "unmarked",
    ]
    assert has_marker(comments[0].body, "activity-1")


def test_close_reopen_and_link(github: GitHubHarness) -> None:
    ref = _ensure(github).ref
    github.adapter.close(ref)
    assert github.adapter.get_issue(ref).state == "closed"
    github.adapter.close(ref)  # idempotent
    github.adapter.reopen(ref)
    assert github.adapter.get_issue(ref).state == "open"
    other = TrackerRef("gitlab", "group/project", 9)
    github.adapter.link(ref, other)
    github.adapter.link(ref, other)
    comments = github.fake.repos[PRIVATE_REPO].issues[1].comments
    assert len(comments) == 1 and "gitlab:group/project#9" in comments[0].body


def test_get_issue_snapshot_and_transfer(github: GitHubHarness) -> None:
    ref = _ensure(github).ref
    snap = github.adapter.get_issue(ref)
    assert (snap.state, snap.private, snap.moved_to) == ("open", True, None)
    assert snap.url == f"https://github.com/{PRIVATE_REPO}/issues/1"
    github.fake.add_repo("acme/elsewhere", private=True)
    github.fake.transfer(PRIVATE_REPO, 1, "acme/elsewhere")
    moved = github.adapter.get_issue(ref)
    assert moved.moved_to == TrackerRef("github", "acme/elsewhere", 1)
    assert moved.ref == ref


def test_a_missing_issue_is_not_found(github: GitHubHarness) -> None:
    with pytest.raises(NotFound):
        github.adapter.get_issue(TrackerRef("github", PRIVATE_REPO, 404))


def test_bot_identity_is_read_once(github: GitHubHarness) -> None:
    assert github.adapter.bot_identity() == BOT
    assert github.adapter.bot_identity() == BOT
    assert github.requests_to("GET", "/user") == 1


def test_bot_identity_with_an_app_token_needs_configuration(github: GitHubHarness) -> None:
    github.fake.user_readable = False
    with pytest.raises(ConfigurationError, match="configure the bot login"):
        github.adapter.bot_identity()


def test_a_refused_token_is_a_configuration_error(github: GitHubHarness) -> None:
    from adapters.github.adapter import GitHubAdapter

    wrong = GitHubAdapter.connect(github.fake.base_url, token="wrong", timeout=1)
    with pytest.raises(ConfigurationError, match="401"):
        wrong.get_issue(TrackerRef("github", PRIVATE_REPO, 1))


def test_refs_of_another_tracker_are_refused(github: GitHubHarness) -> None:
    with pytest.raises(ConfigurationError):
        github.adapter.close(TrackerRef("gitlab", "a/b", 1))


def test_the_search_uses_the_marker_token(github: GitHubHarness) -> None:
    _ensure(github)
    assert marker_token(OBJ).startswith("vb")
    assert github.requests_to("GET", "/search/issues") == 1
