"""The fake GitHub's REST operations (the contract subset plus what PyGithub needs).

Each handler takes the fake and the request and returns a Response or raises HttpError; the
server holds the state lock while a handler runs and records every answer for the contract.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlencode

from tests.fakes.github.model import (
    Advisory,
    Comment,
    Issue,
    Label,
    Repo,
    User,
    now_iso,
)

if TYPE_CHECKING:
    from tests.fakes.github.server import FakeGitHub


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class HttpError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors
        self.headers = headers or {}


DOCS = "https://docs.github.com/rest"


def _repo(app: FakeGitHub, req: Request) -> Repo:
    repo = app.repos.get(f"{req.params['owner']}/{req.params['repo']}")
    if repo is None:
        raise HttpError(404, "Not Found")
    return repo


def _issue(app: FakeGitHub, req: Request) -> tuple[Repo, Issue]:
    repo = _repo(app, req)
    issue = repo.issues.get(int(req.params["number"]))
    if issue is None:
        raise HttpError(404, "Not Found")
    if issue.moved_to is not None:
        project, number = issue.moved_to
        location = f"{app.base_url}/repos/{project}/issues/{number}"
        raise HttpError(301, "Moved Permanently", headers={"Location": location})
    return repo, issue


def _advisory(app: FakeGitHub, req: Request) -> tuple[Repo, Advisory]:
    repo = _repo(app, req)
    adv = repo.advisories.get(req.params["ghsa"])
    if adv is None:
        raise HttpError(404, "Not Found")
    return repo, adv


def _invalid(field_name: str, code: str = "missing_field") -> HttpError:
    return HttpError(
        422, "Validation Failed", [{"resource": "Issue", "field": field_name, "code": code}]
    )


def paginate(app: FakeGitHub, req: Request, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
    """One page of ``items`` and the ``Link`` header GitHub sends (absolute URLs)."""
    per_page = min(max(int(req.query.get("per_page", "30") or 30), 1), 100)
    page = max(int(req.query.get("page", "1") or 1), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)

    def url(n: int) -> str:
        query = dict(req.query, page=str(n), per_page=str(per_page))
        return f"{app.base_url}{req.path}?{urlencode(query)}"

    links = []
    if page < last:
        links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
    if page > 1:
        links += [f'<{url(page - 1)}>; rel="prev"', f'<{url(1)}>; rel="first"']
    headers = {"Link": ", ".join(links)} if links else {}
    return items[(page - 1) * per_page : page * per_page], headers


# -- users, repositories, rate limit ----------------------------------------------------


def get_user(app: FakeGitHub, req: Request) -> Response:
    if not app.user_readable:
        raise HttpError(403, "Resource not accessible by integration")
    return Response(200, app.render.user(app.user))


def installation_token(app: FakeGitHub, req: Request) -> Response:
    """``POST /app/installations/{id}/access_tokens``: the App's JWT buys the fake's token."""
    expires = datetime.fromtimestamp(time.time() + 3600, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {
        "token": app.token,
        "expires_at": expires,
        "repository_selection": "all",
        "permissions": {"issues": "write", "repository_advisories": "write", "metadata": "read"},
    }
    app.installation_tokens += 1
    return Response(201, body)


def get_repo(app: FakeGitHub, req: Request) -> Response:
    return Response(200, app.render.repo(_repo(app, req)))


def collaborator_permission(app: FakeGitHub, req: Request) -> Response:
    """A collaborator's role; on a public repository anyone else reads; on a private one a
    user without access is not found (GitHub answers 404 for users it does not show)."""
    repo = _repo(app, req)
    login = unquote(req.params["username"])
    role = repo.collaborators.get(login)
    if role is None and login == app.user.login:
        role = "admin"
    if role is None and not repo.private:
        role = "read"
    if role is None:
        raise HttpError(404, "Not Found")
    return Response(200, app.render.collaborator_permission(User(login), role))


def rate_limit(app: FakeGitHub, req: Request) -> Response:
    return Response(200, app.render.rate_limit(app.remaining, app.reset_epoch()))


def dispatch(app: FakeGitHub, req: Request) -> Response:
    repo = _repo(app, req)
    body = req.body if isinstance(req.body, dict) else {}
    event_type = body.get("event_type")
    if not isinstance(event_type, str) or not 1 <= len(event_type) <= 100:
        raise _invalid("event_type")
    client_payload = body.get("client_payload", {})
    if not isinstance(client_payload, dict) or len(client_payload) > 10:
        raise _invalid("client_payload", "invalid")
    repo.dispatches.append(body)
    app.emit_repo(
        repo,
        "repository_dispatch",
        {"action": event_type, "branch": "main", "client_payload": client_payload},
    )
    return Response(204)


# -- issues ------------------------------------------------------------------------------


def list_issues(app: FakeGitHub, req: Request) -> Response:
    repo = _repo(app, req)
    state = req.query.get("state", "open")
    items = [i for i in repo.issues.values() if i.moved_to is None]
    if state != "all":
        items = [i for i in items if i.state == state]
    if creator := req.query.get("creator"):
        items = [i for i in items if i.user.login == creator]
    reverse = req.query.get("direction", "desc") == "desc"
    items.sort(key=lambda i: i.number, reverse=reverse)
    page, headers = paginate(app, req, items)
    return Response(200, [app.render.issue(repo, i) for i in page], headers)


def create_issue(app: FakeGitHub, req: Request) -> Response:
    repo = _repo(app, req)
    body = req.body if isinstance(req.body, dict) else {}
    title = body.get("title")
    if not isinstance(title, str) or not title:
        raise _invalid("title")
    labels = [x for x in body.get("labels") or [] if isinstance(x, str)]
    for name in labels:  # GitHub creates unknown labels with a default colour
        repo.labels.setdefault(name, Label(name, "ededed", None))
    issue = Issue(
        repo.next_number(), title, body.get("body"), app.user, labels, indexed=not app.search_lag
    )
    repo.issues[issue.number] = issue
    app.emit_issue(repo, issue, "opened")
    for name in labels:  # GitHub also reports each initial label
        app.emit_issue(repo, issue, "labeled", label=repo.labels[name])
    location = f"{app.base_url}/repos/{repo.full_name}/issues/{issue.number}"
    return Response(201, app.render.issue(repo, issue), {"Location": location})


def get_issue(app: FakeGitHub, req: Request) -> Response:
    repo, issue = _issue(app, req)
    return Response(200, app.render.issue(repo, issue))


def update_issue(app: FakeGitHub, req: Request) -> Response:
    repo, issue = _issue(app, req)
    body = req.body if isinstance(req.body, dict) else {}
    for key in ("title", "body"):
        if isinstance(body.get(key), str):
            setattr(issue, key, body[key])
    new_state = body.get("state")
    if new_state in ("open", "closed") and new_state != issue.state:
        issue.state = new_state
        issue.closed_at = now_iso() if new_state == "closed" else None
        issue.state_reason = "completed" if new_state == "closed" else "reopened"
        issue.updated_at = now_iso()
        app.emit_issue(repo, issue, "closed" if new_state == "closed" else "reopened")
    return Response(200, app.render.issue(repo, issue))


def list_comments(app: FakeGitHub, req: Request) -> Response:
    repo, issue = _issue(app, req)
    page, headers = paginate(app, req, issue.comments)
    return Response(200, [app.render.comment(repo, c) for c in page], headers)


def create_comment(app: FakeGitHub, req: Request) -> Response:
    repo, issue = _issue(app, req)
    body = req.body.get("body") if isinstance(req.body, dict) else None
    if not isinstance(body, str) or not body:
        raise _invalid("body")
    comment = Comment(body, app.user, issue.number)
    issue.comments.append(comment)
    app.emit_repo(
        repo,
        "issue_comment",
        {
            "action": "created",
            "issue": app.render.issue(repo, issue),
            "comment": app.render.comment(repo, comment),
        },
    )
    location = f"{app.base_url}/repos/{repo.full_name}/issues/comments/{comment.id}"
    return Response(201, app.render.comment(repo, comment), {"Location": location})


def _label_names(body: Any) -> list[str]:
    raw = body.get("labels") if isinstance(body, dict) else body
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        raise _invalid("labels")
    return [x["name"] if isinstance(x, dict) else str(x) for x in raw]


def _labels_answer(app: FakeGitHub, repo: Repo, issue: Issue) -> Response:
    return Response(200, [app.render.label(repo, repo.labels[n]) for n in issue.labels])


def list_issue_labels(app: FakeGitHub, req: Request) -> Response:
    repo, issue = _issue(app, req)
    return _labels_answer(app, repo, issue)


def add_labels(app: FakeGitHub, req: Request) -> Response:
    repo, issue = _issue(app, req)
    for name in _label_names(req.body):
        repo.labels.setdefault(name, Label(name, "ededed", None))
        if name not in issue.labels:
            issue.labels.append(name)
            app.emit_issue(repo, issue, "labeled", label=repo.labels[name])
    return _labels_answer(app, repo, issue)


def set_labels(app: FakeGitHub, req: Request) -> Response:
    repo, issue = _issue(app, req)
    wanted = _label_names(req.body)
    for name in [n for n in issue.labels if n not in wanted]:
        issue.labels.remove(name)
        app.emit_issue(repo, issue, "unlabeled", label=repo.labels[name])
    for name in wanted:
        repo.labels.setdefault(name, Label(name, "ededed", None))
        if name not in issue.labels:
            issue.labels.append(name)
            app.emit_issue(repo, issue, "labeled", label=repo.labels[name])
    return _labels_answer(app, repo, issue)


def remove_label(app: FakeGitHub, req: Request) -> Response:
    repo, issue = _issue(app, req)
    name = unquote(req.params["name"])
    if name not in issue.labels:
        raise HttpError(404, "Label does not exist")
    issue.labels.remove(name)
    app.emit_issue(repo, issue, "unlabeled", label=repo.labels[name])
    return _labels_answer(app, repo, issue)


def create_label(app: FakeGitHub, req: Request) -> Response:
    repo = _repo(app, req)
    body = req.body if isinstance(req.body, dict) else {}
    name, color = body.get("name"), str(body.get("color", "ededed")).lstrip("#")
    if not isinstance(name, str) or not name:
        raise _invalid("name")
    if name in repo.labels:
        raise HttpError(
            422,
            "Validation Failed",
            [{"resource": "Label", "field": "name", "code": "already_exists"}],
        )
    if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
        raise _invalid("color", "invalid")
    label = Label(name, color.lower(), body.get("description"))
    repo.labels[name] = label
    location = f"{app.base_url}/repos/{repo.full_name}/labels/{name}"
    return Response(201, app.render.label(repo, label), {"Location": location})


def get_label(app: FakeGitHub, req: Request) -> Response:
    repo = _repo(app, req)
    label = repo.labels.get(unquote(req.params["name"]))
    if label is None:
        raise HttpError(404, "Not Found")
    return Response(200, app.render.label(repo, label))


def search_issues(app: FakeGitHub, req: Request) -> Response:
    q = req.query.get("q", "")
    terms, quals = [], {}
    for word in q.split():
        key, sep, value = word.partition(":")
        if sep and key in ("repo", "in", "is", "state"):
            quals[key] = value
        else:
            terms.append(word.lower())
    if "is" not in quals:
        raise HttpError(422, "Query must include 'is:issue' or 'is:pull-request'")
    found = []
    for repo in app.repos.values():
        if "repo" in quals and repo.full_name != quals["repo"]:
            continue
        for issue in repo.issues.values():
            hay = (issue.body or "") if quals.get("in") == "body" else f"{issue.title} {issue.body}"
            if issue.indexed and issue.moved_to is None and all(t in hay.lower() for t in terms):
                found.append((repo, issue))
    page, headers = paginate(app, req, found)
    body = {
        "total_count": len(found),
        "incomplete_results": False,
        "search_type": "lexical",
        "items": [app.render.issue(r, i, search=True) for r, i in page],
    }
    return Response(200, body, headers)
