"""Webhook normalisation: rows of the event mapping table in docs/gitlab.md."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from adapters.gitlab.webhooks import MAX_BODY_BYTES, parse_webhook
from bridge.core.errors import InputError
from bridge.core.events import EventKind, WebhookResult
from tests.adapters.gitlab.helpers import TOKEN, body_of, payload

E = EventKind


def parse(data: dict[str, Any] | bytes, event: str = "Issue Hook", **headers: str) -> WebhookResult:
    body = data if isinstance(data, bytes) else body_of(data)
    return parse_webhook(
        {"X-Gitlab-Event": event, "X-Gitlab-Token": TOKEN, **headers}, body, tokens=[TOKEN]
    )


def issue(action: str = "update", **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(payload("issue_open.json"))
    data["object_attributes"]["action"] = action
    data["changes"] = {k: {"previous": v[0], "current": v[1]} for k, v in changes.items()}
    return data


def labels(*names: str) -> list[dict[str, Any]]:
    return [{"id": i, "title": n, "type": "ProjectLabel"} for i, n in enumerate(names)]


def test_label_change_gives_one_event_per_added_and_removed_label() -> None:
    data = issue(labels=(labels("vultron:received", "bug"), labels("bug", "vultron:valid", "x")))
    result = parse(data)
    assert [(e.kind, e.label) for e in result.events] == [
        (E.LABELED, "vultron:valid"),
        (E.LABELED, "x"),
        (E.UNLABELED, "vultron:received"),
    ]
    assert result.event_name == "Issue Hook.update"


def test_update_touching_nothing_tracked_is_ignored_with_reason() -> None:
    result = parse(issue(updated_at=("a", "b")))
    assert result.events == () and result.ignored and "nothing" in result.ignored


@pytest.mark.parametrize(
    ("before", "after", "kind"), [(True, False, E.MADE_PUBLIC), (False, True, E.MADE_PRIVATE)]
)
def test_confidentiality_flip(before: bool, after: bool, kind: EventKind) -> None:
    data = issue(confidential=(before, after))
    data["object_attributes"]["confidential"] = after
    (event,) = parse(data, "Confidential Issue Hook" if after else "Issue Hook").events
    assert event.kind is kind and event.private is after


@pytest.mark.parametrize(
    ("action", "kind"), [("close", E.CLOSED), ("reopen", E.REOPENED), ("open", E.OPENED)]
)
def test_issue_actions(action: str, kind: EventKind) -> None:
    (event,) = parse(issue(action)).events
    assert event.kind is kind
    assert str(event.ref) == "gitlab:adambirds/zulip-gitlab-test#2"
    assert event.actor == "adambirds"


def test_work_item_reopened_through_state_id() -> None:
    data = copy.deepcopy(payload("work_item_task_close.json"))
    data["changes"]["state_id"] = {"previous": 2, "current": 1}
    (event,) = parse(data).events
    assert event.kind is E.REOPENED and event.details["type"] == "Task"


def test_moved_issue_is_transferred() -> None:
    (event,) = parse(issue(moved_to_id=(None, 99))).events
    assert event.kind is E.TRANSFERRED and event.details["moved_to_id"] == 99


@pytest.mark.parametrize("strip", ["event_type", "labels", "changes", "project.id"])
def test_old_payloads_without_modern_fields(strip: str) -> None:
    data = issue("close", labels=(labels("a"), labels()))
    if strip == "project.id":
        del data["project"]["id"]
    else:
        del data[strip]
    kinds = [e.kind for e in parse(data).events]
    assert kinds[0] is E.CLOSED
    assert (E.UNLABELED in kinds) is (strip != "changes")


def test_project_path_falls_back_to_web_urls() -> None:
    data = issue("close")
    del data["project"]["path_with_namespace"]
    assert parse(data).events[0].project == "adambirds/zulip-gitlab-test"
    del data["project"]
    assert parse(data).events[0].project == "adambirds/zulip-gitlab-test"
    del data["object_attributes"]["url"]
    assert "no project path" in (parse(data).ignored or "")


def test_payload_without_object_kind_uses_the_header() -> None:
    data = issue("close")
    del data["object_kind"]
    assert parse(data, "Confidential Issue Hook").events[0].kind is E.CLOSED
    assert parse(data, "Wiki Page Hook").ignored


def note(text: str, **attrs: Any) -> dict[str, Any]:
    data = copy.deepcopy(payload("note_issue.json"))
    data["object_attributes"]["note"] = text
    data["object_attributes"].update(attrs)
    return data


def test_vultron_lines_become_one_command_each() -> None:
    result = parse(
        note("Thanks.\n/vultron validate\n/vultron embargo propose 2027-01-31T00:00:00+00:00"),
        "Note Hook",
    )
    assert [(e.kind, e.command.name if e.command else None) for e in result.events] == [
        (E.COMMAND, "validate"),
        (E.COMMAND, "embargo"),
    ]
    assert all(str(e.ref).endswith("#1") for e in result.events)


def test_plain_note_is_a_comment_and_internal_notes_are_marked() -> None:
    (plain,) = parse(note("just words"), "Note Hook").events
    assert plain.kind is E.COMMENTED and plain.text == "just words" and not plain.internal
    (internal,) = parse(note("secret", internal=True), "Confidential Note Hook").events
    assert internal.internal
    (header_only,) = parse(note("secret"), "Confidential Note Hook").events
    assert header_only.internal


@pytest.mark.parametrize(
    ("attrs", "reason"),
    [
        ({"system": True}, "system"),
        ({"noteable_type": "MergeRequest"}, "MergeRequest"),
        ({"action": "update"}, "new notes only"),
    ],
)
def test_notes_ignored_with_reason(attrs: dict[str, Any], reason: str) -> None:
    result = parse(note("/vultron validate", **attrs), "Note Hook")
    assert result.events == () and reason in (result.ignored or "")


def merge(description: str, action: str = "merge") -> dict[str, Any]:
    data = copy.deepcopy(payload("merge_request_merge.json"))
    data["object_attributes"]["description"] = description
    data["object_attributes"]["action"] = action
    return data


def test_merged_mr_closing_issues_gives_fix_merged_per_issue() -> None:
    text = (
        "Closes #12, fixes group/proj#3 and "
        "Resolves https://gitlab.com/tomaszkolek0/other/-/issues/4\n"
        "Closes https://elsewhere.example/a/b/-/issues/5"
    )
    result = parse(merge(text), "Merge Request Hook")
    assert [str(e.ref) for e in result.events] == [
        "gitlab:tomaszkolek0/my-awesome-project#12",
        "gitlab:group/proj#3",
        "gitlab:tomaszkolek0/other#4",
    ]
    assert {e.kind for e in result.events} == {E.FIX_MERGED}
    assert result.events[0].details["merge_commit_sha"].startswith("5bcfb80")


def test_unmerged_mr_is_ignored() -> None:
    assert parse(merge("Closes #1", action="open"), "Merge Request Hook").ignored


def test_release_other_than_create_is_ignored() -> None:
    data = payload("release_create_doc.json")
    data["action"] = "update"
    assert parse(data, "Release Hook").ignored
    data["action"] = "create"
    (event,) = parse(data, "Release Hook").events
    assert event.details["tag"] == "v1.1" and event.text == "v1.1 has been released"


@pytest.mark.parametrize(
    "body",
    [b'{"note": "embargoed', b"\xff\xfe", b"", b"[" * 100 + b"]" * 100, b'{"a": NaN}'],
    ids=["truncated", "not-utf8", "empty", "too-deep", "nan"],
)
def test_malformed_body_is_input_error(body: bytes) -> None:
    with pytest.raises(InputError) as info:
        parse(body)
    assert info.value.status == 400
    assert "embargoed" not in info.value.reason


def test_oversized_body_is_413() -> None:
    with pytest.raises(InputError) as info:
        parse(b" " * (MAX_BODY_BYTES + 1))
    assert info.value.status == 413


def test_non_object_body_is_input_error() -> None:
    with pytest.raises(InputError, match="JSON object"):
        parse(b"[1, 2]")


def test_delivery_id_prefers_idempotency_key_and_never_webhook_uuid() -> None:
    data = issue("close")
    both = parse(
        data,
        **{
            "Idempotency-Key": "idem-1",
            "X-Gitlab-Event-UUID": "event-1",
            "X-Gitlab-Webhook-UUID": "attempt-1",
        },
    )
    assert both.delivery_id == "idem-1"
    older = parse(data, **{"X-Gitlab-Event-UUID": "event-1", "X-Gitlab-Webhook-UUID": "attempt-1"})
    assert older.delivery_id == "event-1"
    assert parse(data, **{"X-Gitlab-Webhook-UUID": "attempt-1"}).delivery_id is None
    assert all(e.delivery_id == "idem-1" for e in both.events)


def test_same_idempotency_key_across_resend_gives_same_delivery_id() -> None:
    data = issue("close")
    first = parse(data, **{"Idempotency-Key": "k", "X-Gitlab-Webhook-UUID": "a1"})
    again = parse(data, **{"Idempotency-Key": "k", "X-Gitlab-Webhook-UUID": "a2"})
    assert first.delivery_id == again.delivery_id == "k"
    assert first.events == again.events


def test_custom_tracker_name_is_used_in_refs() -> None:
    result = parse_webhook(
        {"X-Gitlab-Token": TOKEN, "X-Gitlab-Event": "Issue Hook"},
        body_of(issue("close")),
        tokens=[TOKEN],
        tracker="corp-gitlab",
    )
    assert str(result.events[0].ref).startswith("corp-gitlab:")
