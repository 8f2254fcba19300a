"""Turn one decoded GitLab webhook payload into tracker-neutral events (pure).

Each handler returns ``(events, ignored_reason)``; exactly one of the two is meaningful.
The mapping is documented in ``docs/gitlab.md`` ("Event mapping").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from adapters.gitlab.closing import closed_issues
from adapters.gitlab.payloads import (
    actor,
    change,
    integer,
    label_titles,
    obj,
    parse_time,
    project_host,
    project_path,
    text,
)
from bridge.core.commands import parse_commands
from bridge.core.events import EventKind, TrackerEvent
from bridge.core.quoting import word as shown
from bridge.core.refs import TrackerRef

Outcome = tuple[list[TrackerEvent], str | None]

#: Work item state ids (``changes.state_id``): 1 open, 2 closed.
_OPENED_STATE, _CLOSED_STATE = 1, 2


@dataclass(frozen=True, slots=True)
class Context:
    """What every handler needs besides the payload."""

    tracker: str
    hook: str
    """The ``X-Gitlab-Event`` header value (or one derived from ``object_kind``)."""
    delivery_id: str | None


def _event(
    ctx: Context, payload: Mapping[str, Any], kind: EventKind, **fields: Any
) -> TrackerEvent:
    return TrackerEvent(
        kind=kind,
        tracker=ctx.tracker,
        project=project_path(payload),
        actor=actor(payload),
        delivery_id=ctx.delivery_id,
        **fields,
    )


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _state_change(payload: Mapping[str, Any]) -> EventKind | None:
    """Close/reopen reported as ``action: update`` (work items): from ``changes.state_id``."""
    state_id = change(payload, "state_id")
    if state_id is not None:
        before, after = integer(state_id[0]), integer(state_id[1])
        if before == _OPENED_STATE and after == _CLOSED_STATE:
            return EventKind.CLOSED
        if before == _CLOSED_STATE and after == _OPENED_STATE:
            return EventKind.REOPENED
    state = change(payload, "state")
    if state is not None and state[0] is not None:
        if state[1] == "closed":
            return EventKind.CLOSED
        if state[1] == "opened":
            return EventKind.REOPENED
    return None


_ACTIONS = {"open": EventKind.OPENED, "close": EventKind.CLOSED, "reopen": EventKind.REOPENED}


def handle_issue(ctx: Context, payload: Mapping[str, Any]) -> Outcome:
    """Issue Hook / Confidential Issue Hook, issues and work items alike."""
    attrs = obj(payload.get("object_attributes"))
    path, iid = project_path(payload), integer(attrs.get("iid"))
    if path is None or iid is None:
        return [], "the issue payload names no project path or issue iid (group-level work item?)"
    ref = TrackerRef(ctx.tracker, path, iid)
    common: dict[str, Any] = {
        "ref": ref,
        "at": parse_time(attrs.get("updated_at")) or parse_time(attrs.get("created_at")),
        "private": _bool(attrs.get("confidential")),
        "details": _issue_details(payload, attrs),
    }
    action = text(attrs.get("action"))
    kinds: list[EventKind] = []
    if action in _ACTIONS:
        kinds.append(_ACTIONS[action])
    elif action == "update":
        state = _state_change(payload)
        if state is not None:
            kinds.append(state)
    events = [_event(ctx, payload, kind, **common) for kind in kinds]
    events += _label_events(ctx, payload, common)
    confidential = change(payload, "confidential")
    if confidential is not None and confidential[0] is True and confidential[1] is False:
        events.append(_event(ctx, payload, EventKind.MADE_PUBLIC, **common))
    elif confidential is not None and confidential[0] is False and confidential[1] is True:
        events.append(_event(ctx, payload, EventKind.MADE_PRIVATE, **common))
    moved = change(payload, "moved_to_id")
    if moved is not None and integer(moved[1]) is not None:
        details = {**common["details"], "moved_to_id": integer(moved[1])}
        events.append(_event(ctx, payload, EventKind.TRANSFERRED, **{**common, "details": details}))
    if (
        action == "update"
        and not events
        and (change(payload, "title") or change(payload, "description"))
    ):
        events.append(_event(ctx, payload, EventKind.EDITED, **common))
    if events:
        return events, None
    if action is None:
        return [], "the issue payload has no object_attributes.action"
    return [], f"issue action {shown(action)} changes nothing the bridge tracks"


def _issue_details(payload: Mapping[str, Any], attrs: Mapping[str, Any]) -> dict[str, Any]:
    details: dict[str, Any] = {}
    for key, value in (
        ("object_kind", text(payload.get("object_kind"))),
        ("type", text(attrs.get("type"))),
        ("url", text(attrs.get("url"))),
        ("title", text(attrs.get("title"))),
        ("state", text(attrs.get("state"))),
        (
            "project_id",
            integer(obj(payload.get("project")).get("id")) or integer(attrs.get("project_id")),
        ),
        ("visibility_level", integer(obj(payload.get("project")).get("visibility_level"))),
    ):
        if value is not None:
            details[key] = value
    return details


def _label_events(
    ctx: Context, payload: Mapping[str, Any], common: Mapping[str, Any]
) -> list[TrackerEvent]:
    labels = change(payload, "labels")
    if labels is None:
        return []
    before, after = label_titles(labels[0]), label_titles(labels[1])
    events = [
        _event(ctx, payload, EventKind.LABELED, label=name, **common)
        for name in sorted(after - before)
    ]
    events += [
        _event(ctx, payload, EventKind.UNLABELED, label=name, **common)
        for name in sorted(before - after)
    ]
    return events


def handle_note(ctx: Context, payload: Mapping[str, Any]) -> Outcome:
    """Note Hook / Confidential Note Hook: comments on issues become commands or comments."""
    attrs = obj(payload.get("object_attributes"))
    noteable = text(attrs.get("noteable_type"))
    if noteable != "Issue":
        return [], f"notes on {noteable or 'unknown objects'} are not used (only notes on issues)"
    if attrs.get("system") is True:
        return [], "system notes (GitLab's own activity log) are not comments"
    action = text(attrs.get("action"))
    if action not in (None, "create"):
        return [], f"note action {shown(action)} is ignored: commands are read from new notes only"
    issue = obj(payload.get("issue"))
    path, iid = project_path(payload), integer(issue.get("iid"))
    if path is None or iid is None:
        return [], "the note payload names no project path or issue iid"
    body = attrs.get("note") if isinstance(attrs.get("note"), str) else ""
    internal = (
        attrs.get("internal") is True
        or attrs.get("confidential") is True
        or ctx.hook == "Confidential Note Hook"
    )
    common: dict[str, Any] = {
        "ref": TrackerRef(ctx.tracker, path, iid),
        "at": parse_time(attrs.get("created_at")),
        "private": _bool(issue.get("confidential")),
        "internal": internal,
        "details": {
            k: v
            for k, v in (("note_id", integer(attrs.get("id"))), ("url", text(attrs.get("url"))))
            if v is not None
        },
    }
    commands = parse_commands(body)
    if commands:
        return [
            _event(ctx, payload, EventKind.COMMAND, command=command, text=body, **common)
            for command in commands
        ], None
    return [_event(ctx, payload, EventKind.COMMENTED, text=body, **common)], None


def handle_merge_request(ctx: Context, payload: Mapping[str, Any]) -> Outcome:
    """Merge Request Hook: a merge whose description closes issues → one FIX_MERGED each."""
    attrs = obj(payload.get("object_attributes"))
    action = text(attrs.get("action"))
    if action != "merge":
        return [], f"merge request action {shown(action)} is not a merge"
    path = project_path(payload)
    if path is None:
        return [], "the merge request payload names no project path"
    description = attrs.get("description") if isinstance(attrs.get("description"), str) else None
    closes = closed_issues(description, path, project_host(payload))
    if not closes:
        return [], "the merged merge request's description closes no issue"
    details = {
        k: v
        for k, v in (
            ("merge_request_iid", integer(attrs.get("iid"))),
            ("merge_commit_sha", text(attrs.get("merge_commit_sha"))),
            ("target_branch", text(attrs.get("target_branch"))),
            ("url", text(attrs.get("url"))),
        )
        if v is not None
    }
    at = parse_time(attrs.get("updated_at"))
    return [
        _event(
            ctx,
            payload,
            EventKind.FIX_MERGED,
            ref=TrackerRef(ctx.tracker, project, iid),
            at=at,
            details=details,
        )
        for project, iid in closes
    ], None


def handle_release(ctx: Context, payload: Mapping[str, Any]) -> Outcome:
    """Release Hook: ``create`` → RELEASE_PUBLISHED; update/delete are ignored."""
    action = text(payload.get("action"))
    if action != "create":
        return [], f"release action {shown(action)} is not a new release"
    if project_path(payload) is None:
        return [], "the release payload names no project path"
    details = {
        k: v
        for k, v in (
            ("tag", text(payload.get("tag"))),
            ("name", text(payload.get("name"))),
            ("url", text(payload.get("url"))),
        )
        if v is not None
    }
    description = payload.get("description")
    return [
        _event(
            ctx,
            payload,
            EventKind.RELEASE_PUBLISHED,
            at=parse_time(payload.get("released_at")) or parse_time(payload.get("created_at")),
            text=description if isinstance(description, str) else None,
            details=details,
        )
    ], None


Handler = Callable[[Context, Mapping[str, Any]], Outcome]

#: object_kind -> handler. Everything else is ignored with a reason.
HANDLERS: dict[str, Handler] = {
    "issue": handle_issue,
    "work_item": handle_issue,
    "note": handle_note,
    "merge_request": handle_merge_request,
    "release": handle_release,
}

#: X-Gitlab-Event header -> object_kind, for payloads that lack ``object_kind``.
HOOK_KINDS: dict[str, str] = {
    "Issue Hook": "issue",
    "Confidential Issue Hook": "issue",
    "Note Hook": "note",
    "Confidential Note Hook": "note",
    "Merge Request Hook": "merge_request",
    "Release Hook": "release",
}
