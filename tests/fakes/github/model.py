"""The fake GitHub's in-memory state and its JSON renderings (shaped like GitHub's answers).

Renderings follow ``contracts/github-rest-subset.json`` (issue, issue-comment, label,
repository-advisory, issue-search-result-item, rate-limit-overview); repositories and users
follow GitHub's shapes for ``GET /repos/{o}/{r}`` and ``GET /user`` (outside the contract).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

_ids = itertools.count(1000)
LEGACY_PERMISSION = {"read": "read", "triage": "read", "write": "write", "maintain": "write",
                     "admin": "admin"}
"""GitHub's ``permission`` for a role (``maintain`` reads as ``write``, ``triage`` as ``read``)."""
BASE_ROLE = {"security-triager": "triage", "release-writer": "write"}
"""Custom roles the fake knows, with the base role each inherits."""
GHSA_ALPHABET = "23456789cfghjmpqrvwx"


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def next_id() -> int:
    return next(_ids)


@dataclass
class User:
    login: str
    id: int = field(default_factory=next_id)
    type: str = "User"


@dataclass
class Label:
    name: str
    color: str
    description: str | None
    id: int = field(default_factory=next_id)


@dataclass
class Comment:
    body: str
    user: User
    issue_number: int
    id: int = field(default_factory=next_id)
    created_at: str = field(default_factory=now_iso)


@dataclass
class Issue:
    number: int
    title: str
    body: str | None
    user: User
    labels: list[str] = field(default_factory=list)
    state: str = "open"
    state_reason: str | None = None
    comments: list[Comment] = field(default_factory=list)
    id: int = field(default_factory=next_id)
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    closed_at: str | None = None
    indexed: bool = True
    """Visible to search (search is eventually consistent on GitHub)."""
    moved_to: tuple[str, int] | None = None


@dataclass
class Advisory:
    ghsa_id: str
    summary: str
    description: str
    author: User
    severity: str | None = None
    state: str = "draft"
    vulnerabilities: list[dict[str, Any]] = field(default_factory=list)
    cve_id: str | None = None
    cwe_ids: list[str] = field(default_factory=list)
    cvss_vector_string: str | None = None
    cve_requested: bool = False
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    published_at: str | None = None
    closed_at: str | None = None
    reported: bool = False
    """A privately reported vulnerability (``POST …/security-advisories/reports``): GitHub
    answers ``submission: {accepted}`` and its author is the reporter."""


@dataclass
class Repo:
    owner: User
    name: str
    private: bool
    id: int = field(default_factory=next_id)
    issues: dict[int, Issue] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    advisories: dict[str, Advisory] = field(default_factory=dict)
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    collaborators: dict[str, str] = field(default_factory=dict)
    """Login → repository role (``read``, ``triage``, ``write``, ``maintain``, ``admin`` or a
    custom role name, see ``BASE_ROLE``)."""

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    def next_number(self) -> int:
        return max(self.issues, default=0) + 1


def ghsa_for(n: int) -> str:
    digits = []
    for _ in range(12):
        n, r = divmod(n, len(GHSA_ALPHABET))
        digits.append(GHSA_ALPHABET[r])
    s = "".join(digits)
    return f"GHSA-{s[0:4]}-{s[4:8]}-{s[8:12]}"


class Renderer:
    """JSON renderings; ``base`` is the fake's API root, ``web`` its web root."""

    def __init__(self, base: str, web: str = "https://github.com") -> None:
        self.base = base.rstrip("/")
        self.web = web.rstrip("/")

    def user(self, u: User) -> dict[str, Any]:
        api = f"{self.base}/users/{u.login}"
        return {
            "login": u.login,
            "id": u.id,
            "node_id": f"U_{u.id}",
            "avatar_url": f"{self.web}/avatars/{u.id}",
            "gravatar_id": "",
            "url": api,
            "html_url": f"{self.web}/{u.login}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": u.type,
            "site_admin": False,
        }

    def repo(self, r: Repo) -> dict[str, Any]:
        api = f"{self.base}/repos/{r.full_name}"
        templated = {
            "archive_url": "{archive_format}{/ref}",
            "assignees_url": "assignees{/user}",
            "blobs_url": "git/blobs{/sha}",
            "branches_url": "branches{/branch}",
            "collaborators_url": "collaborators{/collaborator}",
            "comments_url": "comments{/number}",
            "commits_url": "commits{/sha}",
            "compare_url": "compare/{base}...{head}",
            "contents_url": "contents/{+path}",
            "git_commits_url": "git/commits{/sha}",
            "git_refs_url": "git/refs{/sha}",
            "git_tags_url": "git/tags{/sha}",
            "issue_comment_url": "issues/comments{/number}",
            "issue_events_url": "issues/events{/number}",
            "issues_url": "issues{/number}",
            "keys_url": "keys{/key_id}",
            "labels_url": "labels{/name}",
            "milestones_url": "milestones{/number}",
            "notifications_url": "notifications{?since,all,participating}",
            "pulls_url": "pulls{/number}",
            "releases_url": "releases{/id}",
            "statuses_url": "statuses/{sha}",
            "trees_url": "git/trees{/sha}",
        }
        plain = ["contributors", "deployments", "downloads", "events", "forks", "hooks"]
        plain += ["languages", "merges", "stargazers", "subscribers", "subscription", "tags"]
        plain += ["teams"]
        data: dict[str, Any] = {
            "id": r.id,
            "node_id": f"R_{r.id}",
            "name": r.name,
            "full_name": r.full_name,
            "owner": self.user(r.owner),
            "private": r.private,
            "visibility": "private" if r.private else "public",
            "html_url": f"{self.web}/{r.full_name}",
            "description": None,
            "fork": False,
            "url": api,
            "has_issues": True,
            "archived": False,
            "default_branch": "main",
        }
        data.update({k: f"{api}/{v}" for k, v in templated.items()})
        data["archive_url"] = f"{api}/{{archive_format}}{{/ref}}"
        data.update({f"{k}_url": f"{api}/{k}" for k in plain})
        return data

    def label(self, r: Repo, lb: Label) -> dict[str, Any]:
        return {
            "id": lb.id,
            "node_id": f"LA_{lb.id}",
            "url": f"{self.base}/repos/{r.full_name}/labels/{quote(lb.name, safe='')}",
            "name": lb.name,
            "description": lb.description,
            "color": lb.color,
            "default": False,
        }

    def issue(self, r: Repo, i: Issue, *, search: bool = False) -> dict[str, Any]:
        api = f"{self.base}/repos/{r.full_name}/issues/{i.number}"
        data: dict[str, Any] = {
            "id": i.id,
            "node_id": f"I_{i.id}",
            "url": api,
            "repository_url": f"{self.base}/repos/{r.full_name}",
            "labels_url": f"{api}/labels{{/name}}",
            "comments_url": f"{api}/comments",
            "events_url": f"{api}/events",
            "html_url": f"{self.web}/{r.full_name}/issues/{i.number}",
            "number": i.number,
            "state": i.state,
            "state_reason": i.state_reason,
            "title": i.title,
            "body": i.body,
            "user": self.user(i.user),
            "labels": [self.label(r, r.labels[n]) for n in i.labels if n in r.labels],
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "locked": False,
            "active_lock_reason": None,
            "comments": len(i.comments),
            "closed_at": i.closed_at,
            "created_at": i.created_at,
            "updated_at": i.updated_at,
            "author_association": "OWNER",
        }
        if search:
            data["score"] = 1.0
        return data

    def comment(self, r: Repo, c: Comment) -> dict[str, Any]:
        api = f"{self.base}/repos/{r.full_name}"
        return {
            "id": c.id,
            "node_id": f"IC_{c.id}",
            "url": f"{api}/issues/comments/{c.id}",
            "html_url": f"{self.web}/{r.full_name}/issues/{c.issue_number}#issuecomment-{c.id}",
            "issue_url": f"{api}/issues/{c.issue_number}",
            "body": c.body,
            "user": self.user(c.user),
            "created_at": c.created_at,
            "updated_at": c.created_at,
            "author_association": "OWNER",
        }

    def advisory(self, r: Repo, a: Advisory) -> dict[str, Any]:
        identifiers = [{"type": "GHSA", "value": a.ghsa_id}]
        if a.cve_id:
            identifiers.append({"type": "CVE", "value": a.cve_id})
        return {
            "ghsa_id": a.ghsa_id,
            "cve_id": a.cve_id,
            "url": f"{self.base}/repos/{r.full_name}/security-advisories/{a.ghsa_id}",
            "html_url": f"{self.web}/{r.full_name}/security/advisories/{a.ghsa_id}",
            "summary": a.summary,
            "description": a.description,
            "severity": a.severity,
            "author": self.user(a.author),
            "publisher": self.user(a.author) if a.published_at else None,
            "identifiers": identifiers,
            "state": a.state,
            "created_at": a.created_at,
            "updated_at": a.updated_at,
            "published_at": a.published_at,
            "closed_at": a.closed_at,
            "withdrawn_at": None,
            "submission": {"accepted": a.state != "triage"} if a.reported else None,
            "vulnerabilities": [
                {
                    "package": v.get("package"),
                    "vulnerable_version_range": v.get("vulnerable_version_range"),
                    "patched_versions": v.get("patched_versions"),
                    "vulnerable_functions": v.get("vulnerable_functions"),
                }
                for v in a.vulnerabilities
            ],
            "cvss": ({"vector_string": a.cvss_vector_string, "score": None}
                     if a.cvss_vector_string else None),
            "cwes": [{"cwe_id": c, "name": f"name of {c}"} for c in a.cwe_ids],
            "cwe_ids": list(a.cwe_ids),
            "credits": [],
            "credits_detailed": [],
            "collaborating_users": None,
            "collaborating_teams": None,
            "private_fork": None,
        }

    def collaborator_permission(self, u: User, role: str) -> dict[str, Any]:
        """``GET .../collaborators/{username}/permission`` (repository-collaborator-permission:
        ``permission``, ``role_name`` and the user as a collaborator)."""
        base = BASE_ROLE.get(role, role)
        rank = ["read", "triage", "write", "maintain", "admin"].index(base)
        flags = dict(zip(("pull", "triage", "push", "maintain", "admin"),
                         (rank >= n for n in range(5)), strict=True))
        collaborator = {**self.user(u), "permissions": flags, "role_name": role}
        return {"permission": LEGACY_PERMISSION[base], "role_name": role, "user": collaborator}

    def rate_limit(self, remaining: int, reset: int) -> dict[str, Any]:
        core = {"limit": 5000, "remaining": remaining, "reset": reset, "used": 5000 - remaining}
        search = {"limit": 30, "remaining": 30, "reset": reset, "used": 0}
        return {"resources": {"core": core, "search": search}, "rate": core}
