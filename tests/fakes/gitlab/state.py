"""The fake GitLab's in-memory state and its REST representations.

Issue and issue-link JSON follow GitLab's own OpenAPI description (the operations copied into
``contracts/gitlab-rest-subset.yaml``); notes, labels, projects and users are not in that file
(``lib/api/api.rb`` mounts them outside the documented block), so their JSON follows GitLab's
REST reference pages instead: ``doc/api/notes.md``, ``doc/api/labels.md``,
``doc/api/projects.md``, ``doc/api/users.md`` and ``doc/api/members.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ROLES = {"guest": 10, "planner": 15, "reporter": 20, "developer": 30, "maintainer": 40}
VISIBILITY_LEVEL = {"private": 0, "internal": 10, "public": 20}


class ApiError(Exception):
    """An HTTP error answer: ``status`` and GitLab's ``{"message": ...}`` body."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class User:
    id: int
    username: str
    name: str
    token: str
    role: str = "reporter"
    admin: bool = False

    def at_least(self, role: str) -> bool:
        return ROLES[self.role] >= ROLES[role]


@dataclass
class Project:
    id: int
    path: str
    visibility: str = "private"
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    next_iid: int = 1


@dataclass
class Note:
    id: int
    body: str
    author: User
    internal: bool
    created: float
    system: bool = False


@dataclass
class Issue:
    id: int
    iid: int
    project: Project
    title: str
    description: str
    author: User
    created: float
    updated: float
    confidential: bool = False
    state: str = "opened"
    labels: list[str] = field(default_factory=list)
    closed: float | None = None
    closed_by: User | None = None
    moved_to_id: int | None = None
    notes: list[Note] = field(default_factory=list)


@dataclass
class IssueLink:
    id: int
    source: Issue
    target: Issue
    link_type: str
    created: float


def user_json(user: User, base: str, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": user.id,
        "username": user.username,
        "name": user.name,
        "state": "active",
        "locked": False,
        "avatar_url": f"{base}/uploads/-/system/user/avatar/{user.id}/avatar.png",
        "web_url": f"{base}/{user.username}",
    }
    if full:
        data.update({"bot": user.username.endswith("bot"), "is_admin": user.admin})
    return data


def member_json(user: User, base: str) -> dict[str, Any]:
    """A project member (doc/api/members.md): the user plus its access level."""
    return {
        **user_json(user, base),
        "access_level": ROLES[user.role],
        "created_at": "2024-01-01T00:00:00.000Z",
        "expires_at": None,
        "membership_state": "active",
    }


def project_json(project: Project, base: str) -> dict[str, Any]:
    namespace, _, name = project.path.rpartition("/")
    return {
        "id": project.id,
        "description": "",
        "name": name,
        "name_with_namespace": f"{namespace} / {name}",
        "path": name,
        "path_with_namespace": project.path,
        "created_at": "2024-01-01T00:00:00.000Z",
        "default_branch": "main",
        "visibility": project.visibility,
        "web_url": f"{base}/{project.path}",
        "namespace": {"id": 1, "name": namespace, "path": namespace, "full_path": namespace},
        "issues_enabled": True,
        "issues_access_level": "enabled",
        "archived": False,
        "_links": {"self": f"{base}/api/v4/projects/{project.id}"},
    }


def issue_json(issue: Issue, base: str) -> dict[str, Any]:
    """An issue as ``GET /projects/:id/issues/:iid`` returns it (API_Entities_Issue)."""
    project_url = f"{base}/{issue.project.path}"
    api = f"{base}/api/v4/projects/{issue.project.id}"
    return {
        "id": issue.id,
        "iid": issue.iid,
        "project_id": issue.project.id,
        "title": issue.title,
        "description": issue.description,
        "state": issue.state,
        "created_at": iso(issue.created),
        "updated_at": iso(issue.updated),
        "closed_at": iso(issue.closed) if issue.closed is not None else None,
        "closed_by": user_json(issue.closed_by, base) if issue.closed_by else None,
        "labels": sorted(issue.labels),
        "milestone": None,
        "assignees": [],
        "author": user_json(issue.author, base),
        "type": "ISSUE",
        "assignee": None,
        "user_notes_count": sum(1 for n in issue.notes if not n.system),
        "merge_requests_count": 0,
        "upvotes": 0,
        "downvotes": 0,
        "due_date": None,
        "confidential": issue.confidential,
        "discussion_locked": None,
        "issue_type": "issue",
        "web_url": f"{project_url}/-/issues/{issue.iid}",
        "time_stats": {
            "time_estimate": 0,
            "total_time_spent": 0,
            "human_time_estimate": None,
            "human_total_time_spent": None,
        },
        "task_completion_status": {"count": 0, "completed_count": 0},
        "weight": None,
        "blocking_issues_count": 0,
        "has_tasks": False,
        "_links": {
            "self": f"{api}/issues/{issue.iid}",
            "notes": f"{api}/issues/{issue.iid}/notes",
            "award_emoji": f"{api}/issues/{issue.iid}/award_emoji",
            "project": api,
        },
        "references": {
            "short": f"#{issue.iid}",
            "relative": f"#{issue.iid}",
            "full": f"{issue.project.path}#{issue.iid}",
        },
        "severity": "UNKNOWN",
        "subscribed": True,
        "moved_to_id": issue.moved_to_id,
        "service_desk_reply_to": None,
    }


def related_issue_json(link: IssueLink, other: Issue, base: str) -> dict[str, Any]:
    """An entry of ``GET …/issues/:iid/links`` (API_Entities_RelatedIssue)."""
    data = issue_json(other, base)
    data.update(
        {
            "issue_link_id": link.id,
            "link_type": link.link_type,
            "link_created_at": iso(link.created),
            "link_updated_at": iso(link.created),
        }
    )
    return data


def link_json(link: IssueLink, base: str) -> dict[str, Any]:
    """``POST …/links`` answer (API_Entities_IssueLink)."""
    return {
        "id": link.id,
        "source_issue": issue_json(link.source, base),
        "target_issue": issue_json(link.target, base),
        "link_type": link.link_type,
    }


def note_json(note: Note, issue: Issue, base: str) -> dict[str, Any]:
    """A note as doc/api/notes.md shows it."""
    return {
        "id": note.id,
        "type": None,
        "body": note.body,
        "attachment": None,
        "author": user_json(note.author, base),
        "created_at": iso(note.created),
        "updated_at": iso(note.created),
        "system": note.system,
        "noteable_id": issue.id,
        "noteable_type": "Issue",
        "project_id": issue.project.id,
        "resolvable": False,
        "confidential": note.internal,
        "internal": note.internal,
        "noteable_iid": issue.iid,
        "commands_changes": {},
    }


def label_json(label: dict[str, Any], project: Project) -> dict[str, Any]:
    """A project label as doc/api/labels.md shows it."""
    return {
        "id": label["id"],
        "name": label["name"],
        "color": label["color"],
        "text_color": "#FFFFFF",
        "description": label.get("description"),
        "description_html": label.get("description") or "",
        "open_issues_count": 0,
        "closed_issues_count": 0,
        "open_merge_requests_count": 0,
        "subscribed": False,
        "priority": None,
        "is_project_label": True,
    }
