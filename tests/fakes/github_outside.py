"""Response schemas for the GitHub routes the fake serves outside ``contracts/``.

``contracts/github-rest-subset.json`` holds the operations the bridge needed when it was cut;
tracker-side authority added ``GET /repos/{owner}/{repo}/collaborators/{username}/permission``
(operationId ``repos/get-collaborator-permission-level``), which is not in it. Its 200 schema,
``repository-collaborator-permission``, is transcribed here from GitHub's published
description (github/rest-api-description; docs: "Get repository permissions for a user"):
``permission``, ``role_name`` and ``user`` (a ``nullable-collaborator``) are required. Add the
operation to the subset when the contract is next regenerated, and drop this file.
"""

from __future__ import annotations

from typing import Any

_STRING = {"type": "string"}
_USER_FIELDS = (
    "login", "node_id", "avatar_url", "url", "html_url", "followers_url", "following_url",
    "gists_url", "starred_url", "subscriptions_url", "organizations_url", "repos_url",
    "events_url", "received_events_url", "type",
)
NULLABLE_COLLABORATOR: dict[str, Any] = {
    "anyOf": [
        {"type": "null"},
        {
            "type": "object",
            "required": [*_USER_FIELDS, "id", "gravatar_id", "site_admin"],
            "properties": {
                **{name: _STRING for name in _USER_FIELDS},
                "id": {"type": "integer"},
                "gravatar_id": {"type": ["string", "null"]},
                "site_admin": {"type": "boolean"},
                "role_name": _STRING,
                "permissions": {
                    "type": "object",
                    "required": ["pull", "push", "admin"],
                    "properties": {k: {"type": "boolean"}
                                   for k in ("pull", "triage", "push", "maintain", "admin")},
                },
            },
        },
    ]
}
REPOSITORY_COLLABORATOR_PERMISSION: dict[str, Any] = {
    "type": "object",
    "required": ["permission", "role_name", "user"],
    "properties": {"permission": _STRING, "role_name": _STRING, "user": NULLABLE_COLLABORATOR},
}
SCHEMAS: dict[tuple[str, str, int], dict[str, Any]] = {
    ("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", 200):
        REPOSITORY_COLLABORATOR_PERMISSION,
}
"""(method, template, status) → the JSON schema of the answer's body."""
