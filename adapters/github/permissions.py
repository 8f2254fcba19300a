"""Who may drive the protocol from GitHub: a person's permission on a repository.

``GET /repos/{owner}/{repo}/collaborators/{username}/permission`` answers ``permission`` (the
legacy base role: ``admin``, ``write``, ``read`` or ``none``; ``maintain`` reads as
``write``, ``triage`` as ``read``) and ``role_name`` (the role itself, custom roles
included). The role counts when it is a base role; a custom role counts at its base
(``permission``). A user GitHub does not know, or one without access, answers 404: no access.
The token needs Metadata: read (fine-grained token, App, ``GITHUB_TOKEN``).
"""

from __future__ import annotations

from urllib.parse import quote

from adapters.github.session import Session
from bridge.core.errors import NotFound, PermanentError

RANKS: dict[str, int] = {"none": 0, "read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5}
"""GitHub's repository roles, weakest first (``none``: no access)."""
PERMISSION_READ = "Metadata: read (to read collaborator permissions)"


def rank_of(permission: str | None, role_name: str | None) -> int:
    """The rank of a collaborator's answer: the role when it is a base role, else the base
    permission; an unknown answer ranks as no access."""
    if role_name in RANKS:
        return RANKS[role_name]
    return RANKS.get(permission or "none", 0)


def permission_rank(s: Session, project: str, login: str) -> int:
    """The rank of ``login``'s permission on ``project`` (0: no access or no such user)."""
    path = f"/repos/{project}/collaborators/{quote(login, safe='')}/permission"

    def fetch() -> int:
        _, data = s.gh.requester.requestJsonAndCheck("GET", path)
        if not isinstance(data, dict):
            raise PermanentError(f"GitHub's permission answer for {project} is not an object")
        permission, role = data.get("permission"), data.get("role_name")
        return rank_of(permission if isinstance(permission, str) else None,
                       role if isinstance(role, str) else None)

    try:
        return s.call(f"read a collaborator's permission on {project}", fetch,
                      permission=PERMISSION_READ)
    except NotFound:
        return 0
