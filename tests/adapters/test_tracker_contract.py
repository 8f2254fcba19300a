"""One contract suite for the tracker interface (bridge.core.tracker.TrackerAdapter): the
GitHub and GitLab adapters must behave the same, each against its fake over real HTTP, and the
Trac adapter against a real tracd running our plugin (``tests/adapters/trac/tracd.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bridge.core.effects import Destination
from bridge.core.errors import NotPrivateError
from bridge.core.markers import has_marker, marker_for
from bridge.core.refs import TrackerRef
from bridge.core.tracker import TrackerAdapter
from tests.adapters.trac.fixtures import TracProject
from tests.fakes.github.harness import github_harness
from tests.fakes.github.model import Issue, User
from tests.fakes.gitlab.harness import gitlab_harness


@dataclass
class Tracker:
    adapter: TrackerAdapter
    destination: Destination
    labels: Callable[[TrackerRef], list[str]]
    comments: Callable[[TrackerRef], list[str]]
    body: Callable[[TrackerRef], str]
    state: Callable[[TrackerRef], str]
    make_public: Callable[[TrackerRef], None]
    count: Callable[[], int]
    plant: Callable[[str], TrackerRef]
    """A stranger files an issue carrying the bridge's marker for an object id."""
    grant: Callable[[str, str | None], None]
    """Give a person (by login) a tracker role: ``writer``, ``reader`` or None (unknown)."""


def _plant_github(fake: Any, destination: Destination, object_id: str) -> TrackerRef:
    with fake.lock:
        repo = fake.repos[destination.project]
        issue = Issue(repo.next_number(), "hi", f"hi {marker_for(object_id)}", User("mallory"))
        repo.issues[issue.number] = issue
    return TrackerRef("github", destination.project, issue.number)


@pytest.fixture(params=["github", "gitlab", "trac"])
def tracker(request: pytest.FixtureRequest) -> Iterator[Tracker]:
    if request.param == "github":
        with github_harness() as gh:
            fake = gh.fake

            def issue(ref: TrackerRef):  # type: ignore[no-untyped-def]
                assert ref.number is not None
                return fake.repos[ref.project].issues[ref.number]

            yield Tracker(
                gh.adapter, gh.private_issue_destination,
                labels=lambda r: list(issue(r).labels),
                comments=lambda r: [c.body for c in issue(r).comments],
                body=lambda r: issue(r).body or "",
                state=lambda r: "closed" if issue(r).state == "closed" else "open",
                make_public=lambda r: fake.set_private(r.project, False),
                count=lambda: len(fake.repos[gh.private_issue_destination.project].issues),
                plant=lambda object_id: _plant_github(fake, gh.private_issue_destination,
                                                      object_id),
                grant=lambda login, role: fake.grant(
                    gh.private_issue_destination.project, login,
                    {"writer": "write", "reader": "triage"}.get(role or "")),
            )
    elif request.param == "trac":
        project: TracProject = request.getfixturevalue("trac_project")
        yield Tracker(
            project.adapter(), project.destination, labels=project.labels,
            comments=project.comments, body=project.body, state=project.state,
            make_public=project.make_public, count=project.count, plant=project.plant,
            grant=project.grant,
        )
    else:
        with gitlab_harness() as gl:
            fake = gl.fake

            def gissue(ref: TrackerRef):  # type: ignore[no-untyped-def]
                return fake.issue(ref.project, ref.number)

            yield Tracker(
                gl.adapter, gl.private_issue_destination,
                labels=lambda r: list(gissue(r).labels),
                comments=lambda r: [n.body for n in gissue(r).notes],
                body=lambda r: gissue(r).description or "",
                state=lambda r: "closed" if gissue(r).state == "closed" else "open",
                make_public=lambda r: fake.set_confidential(r.project, r.number or 0, False,
                                                            by=gl.human),
                count=lambda: len(fake.issues_in(gl.project)),
                plant=lambda object_id: TrackerRef("gitlab", gl.project, fake.seed_issue(
                    gl.project, fake.add_user("mallory", "glpat-mallory", role="reporter"),
                    description=f"hi {marker_for(object_id)}").iid),
                grant=lambda login, role: None if role is None else fake.add_user(
                    login, f"glpat-{login}", role="developer" if role == "writer" else "reporter"),
            )


def test_implements_the_interface(tracker: Tracker) -> None:
    assert isinstance(tracker.adapter, TrackerAdapter)
    assert tracker.adapter.bot_identity() == "vultron-bot"


def test_ensure_private_issue_is_idempotent_by_marker(tracker: Tracker) -> None:
    first = tracker.adapter.ensure_private_issue(
        tracker.destination, "urn:report:1", "Report 1", "body", ["vultron:received"])
    again = tracker.adapter.ensure_private_issue(
        tracker.destination, "urn:report:1", "Report 1", "body", ["vultron:received"])
    assert first.created and not again.created and first.ref == again.ref
    assert tracker.count() == 1
    assert has_marker(tracker.body(first.ref), "urn:report:1")
    assert tracker.labels(first.ref) == ["vultron:received"]


def test_a_marker_on_an_issue_the_bot_did_not_create_is_not_adopted(tracker: Tracker) -> None:
    planted = tracker.plant("urn:report:planted")
    before = tracker.body(planted)
    result = tracker.adapter.ensure_private_issue(
        tracker.destination, "urn:report:planted", "R", "body", ["vultron:received"])
    assert result.created and result.ref != planted and result.planted == (planted,)
    again = tracker.adapter.ensure_private_issue(
        tracker.destination, "urn:report:planted", "R", "body", ["vultron:received"])
    assert not again.created and again.ref == result.ref  # ours is found, the other never
    assert tracker.body(planted) == before and tracker.comments(planted) == []
    assert tracker.count() == 2


def test_labels_keep_groups_exclusive(tracker: Tracker) -> None:
    ref = tracker.adapter.ensure_private_issue(
        tracker.destination, "urn:report:2", "R", "b", ["vultron:received"]).ref
    tracker.adapter.set_labels(ref, ["vultron:valid", "vultron:fix-ready"], [])
    assert sorted(tracker.labels(ref)) == ["vultron:fix-ready", "vultron:valid"]
    tracker.adapter.set_labels(ref, ["vultron:accepted"], ["vultron:fix-ready"])
    assert tracker.labels(ref) == ["vultron:accepted"]


def test_comment_once_per_marker(tracker: Tracker) -> None:
    ref = tracker.adapter.ensure_private_issue(tracker.destination, "urn:report:3", "R", "b").ref
    tracker.adapter.comment(ref, "hello", marker_id="note-1")
    tracker.adapter.comment(ref, "hello", marker_id="note-1")
    tracker.adapter.comment(ref, "second", marker_id="note-2")
    bodies = tracker.comments(ref)
    assert sum("hello" in b for b in bodies) == 1 and sum("second" in b for b in bodies) == 1


def test_close_reopen_and_snapshot(tracker: Tracker) -> None:
    ref = tracker.adapter.ensure_private_issue(
        tracker.destination, "urn:report:4", "Title 4", "b", ["vultron:received"]).ref
    tracker.adapter.close(ref)
    assert tracker.state(ref) == "closed"
    snap = tracker.adapter.get_issue(ref)
    assert snap.state == "closed" and snap.private and snap.title == "Title 4"
    assert "vultron:received" in snap.labels
    tracker.adapter.reopen(ref)
    assert tracker.state(ref) == "open"


def test_a_destination_turned_public_refuses_content(tracker: Tracker) -> None:
    ref = tracker.adapter.ensure_private_issue(tracker.destination, "urn:report:5", "R", "b").ref
    tracker.make_public(ref)
    with pytest.raises(NotPrivateError):
        tracker.adapter.check_private(ref)
    with pytest.raises(NotPrivateError):
        tracker.adapter.comment(ref, "embargoed details CANARY")
    assert not any("CANARY" in b for b in tracker.comments(ref))


def test_link_two_issues(tracker: Tracker) -> None:
    a = tracker.adapter.ensure_private_issue(tracker.destination, "urn:report:6", "A", "b").ref
    b = tracker.adapter.ensure_private_issue(tracker.destination, "urn:report:7", "B", "b").ref
    tracker.adapter.link(a, b)
    tracker.adapter.link(a, b)  # idempotent
    assert tracker.adapter.get_issue(a).ref == a


def test_actor_can_write_follows_the_trackers_roles(tracker: Tracker) -> None:
    ref = tracker.adapter.ensure_private_issue(tracker.destination, "urn:report:8", "R", "b").ref
    tracker.grant("wendy", "writer")
    tracker.grant("rita", "reader")
    assert tracker.adapter.actor_can_write(ref, "wendy")
    assert tracker.adapter.actor_can_write(ref.project, "wendy")
    assert not tracker.adapter.actor_can_write(ref, "rita")  # triage / Reporter: below write
    assert not tracker.adapter.actor_can_write(ref, "nobody-at-all")  # unknown to the tracker
