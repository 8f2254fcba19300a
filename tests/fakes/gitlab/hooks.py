"""Webhooks the fake GitLab sends on state changes, shaped like the corpus payloads.

GitLab picks the hook scope from the issue *after* the change: a confidential issue (or any
note on one, or an internal note) goes only to hooks with the confidential trigger ticked —
those triggers are off by default, so a hook without them hears nothing about the bridge's
own issues. Headers are the documented delivery headers; ``Idempotency-Key`` stays the same
on a resend, ``X-Gitlab-Webhook-UUID`` does not. Signing uses the adapter's own function.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapters.gitlab.signature import sign_standard_webhook
from tests.fakes.gitlab.state import VISIBILITY_LEVEL, Issue, Note, Project, User, iso

Sink = Callable[[dict[str, str], bytes], int]


@dataclass
class Hook:
    """A project/group webhook as configured in GitLab's settings page."""

    url: str | None = None
    sink: Sink | None = None
    token: str | None = None
    signing_key: str | None = None
    issues_events: bool = True
    confidential_issues_events: bool = False
    note_events: bool = True
    confidential_note_events: bool = False

    def wants(self, event: str) -> bool:
        return bool(
            {
                "Issue Hook": self.issues_events,
                "Confidential Issue Hook": self.confidential_issues_events,
                "Note Hook": self.note_events,
                "Confidential Note Hook": self.confidential_note_events,
            }.get(event, False)
        )


@dataclass
class Delivery:
    hook: Hook
    event: str
    body: bytes
    idempotency_key: str
    event_uuid: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    error: str | None = None

    @property
    def payload(self) -> Any:
        return json.loads(self.body)


def hook_project(project: Project, base: str) -> dict[str, Any]:
    namespace, _, name = project.path.rpartition("/")
    web = f"{base}/{project.path}"
    host = base.split("://", 1)[-1]
    return {
        "id": project.id,
        "name": name,
        "description": "",
        "web_url": web,
        "avatar_url": None,
        "git_ssh_url": f"git@{host}:{project.path}.git",
        "git_http_url": f"{web}.git",
        "namespace": namespace,
        "visibility_level": VISIBILITY_LEVEL[project.visibility],
        "path_with_namespace": project.path,
        "default_branch": "main",
        "ci_config_path": None,
        "homepage": web,
        "url": f"git@{host}:{project.path}.git",
        "ssh_url": f"git@{host}:{project.path}.git",
        "http_url": f"{web}.git",
    }


def _hook_user(user: User, base: str) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "username": user.username,
        "avatar_url": f"{base}/uploads/-/system/user/avatar/{user.id}/avatar.png",
        "email": "[REDACTED]",
    }


def _label(name: str, project: Project) -> dict[str, Any]:
    spec = project.labels.get(name, {"id": 0, "color": "#ededed", "description": None})
    return {
        "id": spec["id"],
        "title": name,
        "color": spec["color"],
        "project_id": project.id,
        "created_at": "2024-01-01 00:00:00 UTC",
        "updated_at": "2024-01-01 00:00:00 UTC",
        "template": False,
        "description": spec.get("description"),
        "type": "ProjectLabel",
        "group_id": None,
    }


def _issue_attrs(issue: Issue, base: str) -> dict[str, Any]:
    return {
        "author_id": issue.author.id,
        "closed_at": iso(issue.closed) if issue.closed is not None else None,
        "confidential": issue.confidential,
        "created_at": iso(issue.created),
        "description": issue.description,
        "id": issue.id,
        "iid": issue.iid,
        "moved_to_id": issue.moved_to_id,
        "project_id": issue.project.id,
        "state_id": 1 if issue.state == "opened" else 2,
        "title": issue.title,
        "updated_at": iso(issue.updated),
        "url": f"{base}/{issue.project.path}/-/issues/{issue.iid}",
        "assignee_ids": [],
        "assignee_id": None,
        "labels": [_label(n, issue.project) for n in sorted(issue.labels)],
        "state": issue.state,
        "severity": "unknown",
        "type": "Issue",
    }


def issue_payload(
    issue: Issue, user: User, action: str, changes: dict[str, Any], base: str
) -> tuple[str, dict[str, Any]]:
    """``(X-Gitlab-Event, body)`` of an issue event."""
    confidential = issue.confidential
    attrs = _issue_attrs(issue, base)
    attrs["action"] = action
    body = {
        "object_kind": "issue",
        "event_type": "confidential_issue" if confidential else "issue",
        "user": _hook_user(user, base),
        "project": hook_project(issue.project, base),
        "object_attributes": attrs,
        "labels": attrs["labels"],
        "changes": changes,
        "repository": {"name": issue.project.path.rpartition("/")[2], "homepage": base},
        "assignees": [],
    }
    return ("Confidential Issue Hook" if confidential else "Issue Hook"), body


def labels_change(before: list[str], after: list[str], project: Project) -> dict[str, Any]:
    return {
        "previous": [_label(n, project) for n in sorted(before)],
        "current": [_label(n, project) for n in sorted(after)],
    }


def note_payload(issue: Issue, note: Note, base: str) -> tuple[str, dict[str, Any]]:
    """``(X-Gitlab-Event, body)`` of a note created on an issue."""
    confidential = issue.confidential or note.internal
    issue_url = f"{base}/{issue.project.path}/-/issues/{issue.iid}"
    body = {
        "object_kind": "note",
        "event_type": "confidential_note" if confidential else "note",
        "user": _hook_user(note.author, base),
        "project_id": issue.project.id,
        "project": hook_project(issue.project, base),
        "object_attributes": {
            "attachment": None,
            "author_id": note.author.id,
            "created_at": iso(note.created),
            "discussion_id": uuid.uuid5(uuid.NAMESPACE_URL, f"note-{note.id}").hex,
            "id": note.id,
            "internal": note.internal,
            "note": note.body,
            "noteable_id": issue.id,
            "noteable_type": "Issue",
            "project_id": issue.project.id,
            "system": note.system,
            "type": None,
            "updated_at": iso(note.created),
            "description": note.body,
            "url": f"{issue_url}#note_{note.id}",
            "action": "create",
        },
        "repository": {"name": issue.project.path.rpartition("/")[2], "homepage": base},
        "issue": _issue_attrs(issue, base),
    }
    return ("Confidential Note Hook" if confidential else "Note Hook"), body


def prepare(hook: Hook, event: str, payload: dict[str, Any]) -> Delivery:
    return Delivery(
        hook=hook,
        event=event,
        body=json.dumps(payload).encode("utf-8"),
        idempotency_key=str(uuid.uuid4()),
        event_uuid=str(uuid.uuid4()),
    )


def send(delivery: Delivery, base: str, now: float) -> Delivery:
    """Send (or resend) one delivery: a fresh ``X-Gitlab-Webhook-UUID`` per attempt."""
    hook = delivery.hook
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitLab/18.0.0",
        "X-Gitlab-Event": delivery.event,
        "X-Gitlab-Instance": base,
        "X-Gitlab-Webhook-UUID": str(uuid.uuid4()),
        "X-Gitlab-Event-UUID": delivery.event_uuid,
        "Idempotency-Key": delivery.idempotency_key,
    }
    if hook.token is not None:
        headers["X-Gitlab-Token"] = hook.token
    if hook.signing_key is not None:
        msg_id = f"msg_{delivery.idempotency_key}"
        stamp = str(int(now))
        headers["webhook-id"] = msg_id
        headers["webhook-timestamp"] = stamp
        headers["webhook-signature"] = sign_standard_webhook(
            hook.signing_key, msg_id, stamp, delivery.body
        )
    delivery.headers = headers
    if hook.sink is not None:
        delivery.status = hook.sink(dict(headers), delivery.body)
    elif hook.url is not None:
        if not hook.url.startswith("http://127.0.0.1:"):
            raise ValueError("the fake GitLab only delivers webhooks to loopback")
        request = urllib.request.Request(hook.url, data=delivery.body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
                delivery.status = answer.status
        except urllib.error.HTTPError as exc:
            delivery.status = exc.code
            exc.close()
        except OSError as exc:
            delivery.error = type(exc).__name__
    return delivery
