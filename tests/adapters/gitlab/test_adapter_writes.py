"""GitLabAdapter writes against the fake: labels, internal notes, links, state changes."""

from __future__ import annotations

import pytest

from adapters.gitlab.adapter import GitLabAdapter
from bridge.core.errors import AmbiguousWrite, ConfigurationError, PermanentError
from bridge.core.labels import BY_NAME
from bridge.core.markers import marker_token
from bridge.core.refs import TrackerRef
from tests.fakes.gitlab.harness import CLIENT_TIMEOUT, GitLabHarness


def _issue(h: GitLabHarness, n: int = 1, project: str | None = None) -> TrackerRef:
    dest = h.destination.model_copy(update={"project": project or h.project})
    result = h.adapter.ensure_private_issue(dest, f"https://x.example/r/{project}/{n}", "T", "B")
    return result.ref


def _posts(h: GitLabHarness, suffix: str) -> int:
    return len([p for m, p in h.fake.requests if m == "POST" and p.endswith(suffix)])


def test_labels_in_one_group_stay_exclusive(gitlab: GitLabHarness) -> None:
    h = gitlab
    ref = _issue(h)
    h.adapter.set_labels(ref, ["vultron:received", "vultron:fix-ready"], [])
    h.adapter.set_labels(ref, ["vultron:valid"], [])
    assert h.adapter.get_issue(ref).labels == ("vultron:fix-ready", "vultron:valid")
    h.adapter.set_labels(ref, ["vultron:embargo-active"], ["vultron:fix-ready"])
    assert set(h.fake.issue(h.project, 1).labels) == {"vultron:valid", "vultron:embargo-active"}


def test_label_definitions_created_once_with_colour_and_description(
    gitlab: GitLabHarness,
) -> None:
    h = gitlab
    ref = _issue(h)
    h.adapter.set_labels(ref, ["vultron:received"], [])
    h.adapter.set_labels(ref, ["vultron:valid"], [])
    h.adapter.set_labels(ref, ["vultron:received"], [])
    assert _posts(h, "/labels") == 2
    label = h.fake.state.project(h.project).labels["vultron:valid"]
    spec = BY_NAME["vultron:valid"]
    assert label["color"] == f"#{spec.color}" and label["description"] == spec.description


def test_existing_label_definition_is_fine(gitlab: GitLabHarness) -> None:
    """A label created by a human first answers 409: the adapter carries on."""
    h = gitlab
    ref = _issue(h)
    project = h.fake.state.project(h.project)
    project.labels["vultron:valid"] = {"id": 1, "name": "vultron:valid", "color": "#000000"}
    h.adapter.set_labels(ref, ["vultron:valid"], [])
    assert "vultron:valid" in h.fake.issue(h.project, 1).labels


def test_no_change_means_no_write(gitlab: GitLabHarness) -> None:
    h = gitlab
    ref = _issue(h)
    h.adapter.set_labels(ref, [], ["not-there"])
    h.adapter.reopen(ref)
    assert [m for m, p in h.fake.requests if m == "PUT"] == []


def test_internal_notes_once_per_marker(gitlab: GitLabHarness) -> None:
    h = gitlab
    ref = _issue(h)
    for _ in range(3):
        h.adapter.comment(ref, "Report validated", marker_id="activity-1")
    h.adapter.comment(ref, "Second message", marker_id="activity-2")
    h.adapter.comment(ref, "no marker")
    h.adapter.comment(ref, "no marker")
    notes = h.fake.issue(h.project, 1).notes
    assert len(notes) == 4
    assert all(n.internal for n in notes)
    assert marker_token("activity-1") in notes[0].body


def test_timeout_on_note_create_is_ambiguous(gitlab: GitLabHarness) -> None:
    h = gitlab
    ref = _issue(h)
    h.fake.delay("POST", r"/notes$", CLIENT_TIMEOUT * 3, after=True)
    with pytest.raises(AmbiguousWrite):
        h.adapter.comment(ref, "x", marker_id="m")
    h.adapter.comment(ref, "x", marker_id="m")  # the retry finds the marker
    assert len(h.fake.issue(h.project, 1).notes) == 1


def test_links_across_projects_once(gitlab: GitLabHarness) -> None:
    h = gitlab
    a, b = _issue(h), _issue(h, 1, "acme/other")
    h.adapter.link(a, b)
    h.adapter.link(a, b)
    h.adapter.link(b, a)  # GitLab links are symmetric: already there (409 or listed)
    (link,) = h.fake.state.links.values()
    assert (link.source.project.path, link.target.project.path) == (h.project, "acme/other")
    assert link.link_type == "relates_to"
    assert _posts(h, "/links") == 1


def test_link_to_another_tracker_is_refused(gitlab: GitLabHarness) -> None:
    h = gitlab
    with pytest.raises(PermanentError):
        h.adapter.link(h.ref(1), TrackerRef("github", "o/r", 1))


def test_close_and_reopen_are_idempotent(gitlab: GitLabHarness) -> None:
    h = gitlab
    ref = _issue(h)
    h.adapter.close(ref)
    h.adapter.close(ref)
    assert h.fake.issue(h.project, 1).state == "closed"
    h.adapter.reopen(ref)
    assert h.fake.issue(h.project, 1).state == "opened"
    assert len([m for m, p in h.fake.requests if m == "PUT"]) == 2


def test_guest_token_gets_a_configuration_error(gitlab: GitLabHarness) -> None:
    h = gitlab
    ref = _issue(h)
    h.fake.add_user("guest-bot", "guest-token", role="guest")
    h.fake.issue(h.project, 1).author = h.fake.state.users["guest-token"]  # guest sees own issue
    guest = GitLabAdapter(h.fake.url, private_token="guest-token", timeout=CLIENT_TIMEOUT)
    try:
        with pytest.raises(ConfigurationError, match="Reporter"):
            guest.set_labels(ref, ["vultron:valid"], [])
        with pytest.raises(ConfigurationError, match="api"):
            guest.comment(ref, "x")
    finally:
        guest.shutdown()


def test_moved_issue_resolved_for_admin_tokens_only(gitlab: GitLabHarness) -> None:
    h = gitlab
    ref, other = _issue(h), _issue(h, 1, "acme/other")
    h.fake.issue(h.project, 1).moved_to_id = h.fake.issue("acme/other", 1).id
    assert h.adapter.get_issue(ref).moved_to is None  # not an admin: unknown
    h.fake.add_user("admin-bot", "admin-token", admin=True)
    admin = GitLabAdapter(h.fake.url, private_token="admin-token", timeout=CLIENT_TIMEOUT)
    try:
        assert admin.get_issue(ref).moved_to == other
    finally:
        admin.shutdown()


def test_configured_username_skips_the_user_lookup(gitlab: GitLabHarness) -> None:
    h = gitlab
    named = GitLabAdapter(h.fake.url, private_token="x", username="vb", name="corp")
    try:
        assert named.bot_identity() == "vb" and named.name == "corp"
        assert h.fake.requests == []
    finally:
        named.shutdown()
