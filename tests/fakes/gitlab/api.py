"""The fake GitLab's REST operations over its in-memory state (no HTTP here).

Each operation takes a ``Call`` (user, path parameters, query, JSON body) and returns a
``Reply``; errors are ``ApiError`` with GitLab's status and ``{"message": ...}`` shape.
State changes queue webhook events on the call; the server sends them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.gitlab.hooks import issue_payload, labels_change, note_payload
from tests.fakes.gitlab.state import (
    ApiError,
    Issue,
    IssueLink,
    Note,
    Project,
    User,
    issue_json,
    label_json,
    link_json,
    member_json,
    note_json,
    project_json,
    related_issue_json,
    user_json,
)


@dataclass
class Call:
    user: User
    params: dict[str, str]
    query: dict[str, list[str]]
    body: dict[str, Any]
    base: str
    now: float
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def q(self, name: str) -> str | None:
        values = self.query.get(name) or self.query.get(f"{name}[]")
        return values[0] if values else None


@dataclass
class Reply:
    status: int
    body: Any
    paginate: bool = False


def _names(value: Any) -> list[str]:
    """Label names from a JSON array or GitLab's comma-separated string."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(v).strip() for v in items if str(v).strip()]


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


class State:
    """Projects, issues, notes, labels and links, with GitLab's permission rules (simplified:
    every user is a member of every project with one role)."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.projects: dict[int, Project] = {}
        self.issues: dict[int, Issue] = {}
        self.links: dict[int, IssueLink] = {}
        self._ids = 1000
        self.drop_confidential_on_create = False
        self.search_lag = False
        """When set, ``search=`` finds nothing (an index that has not caught up yet)."""

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    # -- lookups ----------------------------------------------------------------------------

    def project(self, ident: str) -> Project:
        for project in self.projects.values():
            if ident == str(project.id) or ident == project.path:
                return project
        raise ApiError(404, "404 Project Not Found")

    def can_see(self, user: User, issue: Issue) -> bool:
        return not issue.confidential or user.at_least("planner") or issue.author is user

    def issue(self, call: Call) -> Issue:
        project = self.project(call.params["id"])
        for issue in self.issues.values():
            same = issue.project is project and str(issue.iid) == call.params["iid"]
            if same and self.can_see(call.user, issue):
                return issue
        raise ApiError(404, "404 Issue Not Found")

    @staticmethod
    def need(user: User, role: str) -> None:
        if not user.at_least(role):
            raise ApiError(403, "403 Forbidden")

    # -- users and projects -----------------------------------------------------------------

    def get_user(self, call: Call) -> Reply:
        return Reply(200, user_json(call.user, call.base, full=True))

    def list_users(self, call: Call) -> Reply:
        """``GET /users?username=`` (doc/api/users.md): exact, case-insensitive match."""
        wanted = (call.q("username") or "").lower()
        found = [u for u in self.users.values() if wanted and u.username.lower() == wanted]
        return Reply(200, [user_json(u, call.base) for u in found], paginate=True)

    def get_member_all(self, call: Call) -> Reply:
        """``GET /projects/:id/members/all/:user_id`` (doc/api/members.md): every user is a
        member of every project with its one role; an unknown id is not found."""
        self.project(call.params["id"])
        for user in self.users.values():
            if str(user.id) == call.params["uid"]:
                return Reply(200, member_json(user, call.base))
        raise ApiError(404, "404 Not found")

    def get_project(self, call: Call) -> Reply:
        return Reply(200, project_json(self.project(call.params["id"]), call.base))

    def get_global_issue(self, call: Call) -> Reply:
        if not call.user.admin:
            raise ApiError(403, "403 Forbidden")
        issue = self.issues.get(int(call.params["gid"]))
        if issue is None:
            raise ApiError(404, "404 Issue Not Found")
        return Reply(200, issue_json(issue, call.base))

    # -- issues -----------------------------------------------------------------------------

    def list_issues(self, call: Call) -> Reply:
        project = self.project(call.params["id"])
        found = [
            i for i in self.issues.values() if i.project is project and self.can_see(call.user, i)
        ]
        search = call.q("search")
        if search and self.search_lag:
            found = []
        elif search:
            where = (call.q("in") or "title,description").split(",")
            needle = search.lower()
            found = [
                i
                for i in found
                if ("title" in where and needle in i.title.lower())
                or ("description" in where and needle in i.description.lower())
            ]
        if call.q("author_username"):
            found = [i for i in found if i.author.username == call.q("author_username")]
        state = call.q("state")
        if state in ("opened", "closed"):
            found = [i for i in found if i.state == state]
        if call.q("confidential") is not None:
            want = _flag(call.q("confidential"))
            found = [i for i in found if i.confidential == want]
        iids = call.query.get("iids[]") or call.query.get("iids")
        if iids:
            found = [i for i in found if str(i.iid) in iids]
        for name in _names(call.q("labels")):
            found = [i for i in found if name in i.labels]
        key = "updated" if call.q("order_by") == "updated_at" else "created"
        found.sort(key=lambda i: (getattr(i, key), i.id), reverse=call.q("sort") != "asc")
        return Reply(200, [issue_json(i, call.base) for i in found], paginate=True)

    def create_issue(self, call: Call) -> Reply:
        project = self.project(call.params["id"])
        title = call.body.get("title")
        if not isinstance(title, str) or not title.strip():
            raise ApiError(400, "title is missing")
        confidential = _flag(call.body.get("confidential"))
        if self.drop_confidential_on_create:
            confidential = False
        project.next_iid += 1
        issue = Issue(
            id=self.next_id(),
            iid=project.next_iid - 1,
            project=project,
            title=title,
            description=str(call.body.get("description") or ""),
            author=call.user,
            created=call.now,
            updated=call.now,
            confidential=confidential,
            labels=sorted(set(_names(call.body.get("labels")))),
        )
        for name in issue.labels:
            self._auto_label(project, name)
        self.issues[issue.id] = issue
        changes = {
            "title": {"previous": None, "current": issue.title},
            "description": {"previous": None, "current": issue.description},
            "iid": {"previous": None, "current": issue.iid},
        }
        if issue.labels:
            changes["labels"] = labels_change([], issue.labels, project)
        call.events.append(issue_payload(issue, call.user, "open", changes, call.base))
        return Reply(201, issue_json(issue, call.base))

    def get_issue(self, call: Call) -> Reply:
        return Reply(200, issue_json(self.issue(call), call.base))

    def update_issue(self, call: Call) -> Reply:
        issue = self.issue(call)
        body = call.body
        touches_labels = any(k in body for k in ("labels", "add_labels", "remove_labels"))
        if touches_labels or "state_event" in body or "confidential" in body:
            self.need(call.user, "planner")
        changes: dict[str, Any] = {}
        for key in ("title", "description"):
            if isinstance(body.get(key), str) and body[key] != getattr(issue, key):
                changes[key] = {"previous": getattr(issue, key), "current": body[key]}
                setattr(issue, key, body[key])
        if "confidential" in body and _flag(body["confidential"]) != issue.confidential:
            changes["confidential"] = {
                "previous": issue.confidential,
                "current": not issue.confidential,
            }
            issue.confidential = not issue.confidential
        before = list(issue.labels)
        labels = set(_names(body["labels"])) if "labels" in body else set(issue.labels)
        labels = (labels | set(_names(body.get("add_labels")))) - set(
            _names(body.get("remove_labels"))
        )
        if labels != set(before):
            issue.labels = sorted(labels)
            for name in issue.labels:
                self._auto_label(issue.project, name)
            changes["labels"] = labels_change(before, issue.labels, issue.project)
        action = "update"
        event = body.get("state_event")
        if event not in (None, "close", "reopen"):
            raise ApiError(400, "state_event does not have a valid value")
        if event == "close" and issue.state == "opened":
            issue.state, issue.closed, issue.closed_by, action = (
                "closed",
                call.now,
                call.user,
                "close",
            )
            changes["state_id"] = {"previous": 1, "current": 2}
        elif event == "reopen" and issue.state == "closed":
            issue.state, issue.closed, issue.closed_by, action = "opened", None, None, "reopen"
            changes["state_id"] = {"previous": 2, "current": 1}
        if changes:
            changes["updated_at"] = {"previous": None, "current": None}
            issue.updated = call.now
            call.events.append(issue_payload(issue, call.user, action, changes, call.base))
        return Reply(200, issue_json(issue, call.base))

    def delete_issue(self, call: Call) -> Reply:
        issue = self.issue(call)
        self.need(call.user, "maintainer")
        del self.issues[issue.id]
        return Reply(204, None)

    # -- notes ------------------------------------------------------------------------------

    def list_notes(self, call: Call) -> Reply:
        issue = self.issue(call)
        notes = [n for n in issue.notes if not n.internal or call.user.at_least("planner")]
        notes.sort(key=lambda n: n.id, reverse=call.q("sort") != "asc")
        return Reply(200, [note_json(n, issue, call.base) for n in notes], paginate=True)

    def create_note(self, call: Call) -> Reply:
        issue = self.issue(call)
        body = call.body.get("body")
        if not isinstance(body, str) or not body.strip():
            raise ApiError(400, "body is missing")
        internal = _flag(call.body.get("internal"))
        if internal:
            self.need(call.user, "planner")
        note = Note(self.next_id(), body, call.user, internal, call.now)
        issue.notes.append(note)
        call.events.append(note_payload(issue, note, call.base))
        return Reply(201, note_json(note, issue, call.base))

    # -- labels -----------------------------------------------------------------------------

    def _auto_label(self, project: Project, name: str) -> None:
        if name not in project.labels:
            project.labels[name] = {"id": self.next_id(), "name": name, "color": "#6699cc"}

    def list_labels(self, call: Call) -> Reply:
        project = self.project(call.params["id"])
        labels = [label_json(v, project) for _, v in sorted(project.labels.items())]
        return Reply(200, labels, paginate=True)

    def create_label(self, call: Call) -> Reply:
        project = self.project(call.params["id"])
        self.need(call.user, "planner")
        name, color = call.body.get("name"), call.body.get("color")
        if not isinstance(name, str) or not name or not isinstance(color, str):
            raise ApiError(400, "name is missing, color is missing")
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", color):
            raise ApiError(400, "Color must be a valid color code")
        if name in project.labels:
            raise ApiError(409, "Label already exists")
        label = {
            "id": self.next_id(),
            "name": name,
            "color": color,
            "description": call.body.get("description"),
        }
        project.labels[name] = label
        return Reply(201, label_json(label, project))

    # -- issue links ------------------------------------------------------------------------

    def list_links(self, call: Call) -> Reply:
        issue = self.issue(call)
        related = []
        for link in self.links.values():
            other = (
                link.target
                if link.source is issue
                else link.source
                if link.target is issue
                else None
            )
            if other is not None and self.can_see(call.user, other):
                related.append(related_issue_json(link, other, call.base))
        return Reply(200, related)

    def create_link(self, call: Call) -> Reply:
        source = self.issue(call)
        self.need(call.user, "guest")
        target_project = self.project(str(call.body.get("target_project_id", "")))
        iid = str(call.body.get("target_issue_iid", ""))
        sub = Call(
            call.user, {"id": str(target_project.id), "iid": iid}, {}, {}, call.base, call.now
        )
        target = self.issue(sub)
        link_type = str(call.body.get("link_type") or "relates_to")
        if link_type not in ("relates_to", "blocks", "is_blocked_by"):
            raise ApiError(400, "link_type does not have a valid value")
        if target is source:
            raise ApiError(400, "Cannot link an issue to itself")
        for link in self.links.values():
            if {link.source.id, link.target.id} == {source.id, target.id}:
                raise ApiError(409, "Issue(s) already assigned")
        link = IssueLink(self.next_id(), source, target, link_type, call.now)
        self.links[link.id] = link
        return Reply(201, link_json(link, call.base))

    def delete_link(self, call: Call) -> Reply:
        issue = self.issue(call)
        link = self.links.get(int(call.params["link"]))
        if link is None or issue not in (link.source, link.target):
            raise ApiError(404, "404 Not found")
        del self.links[link.id]
        return Reply(200, link_json(link, call.base))


Operation = Callable[[State, Call], Reply]
_P = r"/api/v4/projects/(?P<id>[^/]+)"
_I = _P + r"/issues/(?P<iid>\d+)"

#: (method, path regex, operation, contract path template or None)
ROUTES: list[tuple[str, re.Pattern[str], Operation, str | None]] = [
    (m, re.compile(f"^{rx}$"), op, tpl)
    for m, rx, op, tpl in (
        ("GET", r"/api/v4/user", State.get_user, None),
        ("GET", r"/api/v4/users", State.list_users, None),
        ("GET", _P + r"/members/all/(?P<uid>\d+)", State.get_member_all, None),
        ("GET", r"/api/v4/issues/(?P<gid>\d+)", State.get_global_issue, None),
        ("GET", _P, State.get_project, None),
        ("GET", _P + "/issues", State.list_issues, "/api/v4/projects/{id}/issues"),
        ("POST", _P + "/issues", State.create_issue, "/api/v4/projects/{id}/issues"),
        ("GET", _I, State.get_issue, "/api/v4/projects/{id}/issues/{issue_iid}"),
        ("PUT", _I, State.update_issue, "/api/v4/projects/{id}/issues/{issue_iid}"),
        ("DELETE", _I, State.delete_issue, "/api/v4/projects/{id}/issues/{issue_iid}"),
        ("GET", _I + "/notes", State.list_notes, None),
        ("POST", _I + "/notes", State.create_note, None),
        ("GET", _P + "/labels", State.list_labels, None),
        ("POST", _P + "/labels", State.create_label, None),
        ("GET", _I + "/links", State.list_links, "/api/v4/projects/{id}/issues/{issue_iid}/links"),
        (
            "POST",
            _I + "/links",
            State.create_link,
            "/api/v4/projects/{id}/issues/{issue_iid}/links",
        ),
        (
            "DELETE",
            _I + r"/links/(?P<link>\d+)",
            State.delete_link,
            "/api/v4/projects/{id}/issues/{issue_iid}/links/{issue_link_id}",
        ),
    )
]
