"""Check the fake's responses against ``contracts/gitlab-rest-subset.yaml`` (Swagger 2.0).

GitLab generates that file with grape-swagger, and its README lists the quirks; this checker
reads the schemas as GitLab means them, and says exactly where it relaxes them:

* **nullability**: grape-swagger emits no ``x-nullable``, yet GitLab answers ``null`` for unset
  fields (``closed_at``, ``milestone``, ``due_date``…): every property may be ``null``;
* **list endpoints** declare a single ``API_Entities_Issue`` as the 200 schema: each element of
  the returned array is checked against it;
* ``assignees`` is declared as a single ``$ref``: an array of that object is accepted;
* the fields the README calls field inventories (declared ``type: string`` while GitLab returns
  numbers, booleans or objects — ``user_notes_count``, ``weight``, ``subscribed``…) in
  ``LOOSE_FIELDS`` accept any JSON type. Every other declared type is enforced.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import yaml
from jsonschema import Draft4Validator

from tests.paths import CONTRACTS

SPEC_FILE = CONTRACTS / "gitlab-rest-subset.yaml"
LOOSE_FIELDS = frozenset(
    {
        "user_notes_count",
        "merge_requests_count",
        "upvotes",
        "downvotes",
        "weight",
        "subscribed",
        "moved_to_id",
        "blocking_issues_count",
        "has_tasks",
        "task_completion_status",
        "task_status",
        "imported",
        "epic_iid",
        "issue_link_id",
        "service_desk_reply_to",
    }
)
LIST_OPERATIONS = frozenset({("get", "/api/v4/projects/{id}/issues")})


@functools.cache
def spec() -> dict[str, Any]:
    with SPEC_FILE.open(encoding="utf-8") as fh:
        loaded = yaml.safe_load(fh)
    assert isinstance(loaded, dict)
    return loaded


def _relax(schema: Any, name: str | None = None) -> Any:
    if isinstance(schema, list):
        return [_relax(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _relax(v) for k, v in schema.items() if k not in ("properties", "example")}
    if name in LOOSE_FIELDS:
        out.pop("type", None)
        out.pop("format", None)
    if name == "assignees" and "$ref" in schema:
        return {
            "anyOf": [
                {"type": "null"},
                {"$ref": schema["$ref"]},
                {"type": "array", "items": {"$ref": schema["$ref"]}},
            ]
        }
    if "properties" in schema:
        out["properties"] = {k: _nullable(_relax(v, k)) for k, v in schema["properties"].items()}
    return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "type" in schema and isinstance(schema["type"], str):
        return {**schema, "type": [schema["type"], "null"]}
    if "$ref" in schema:
        return {"anyOf": [{"type": "null"}, schema]}
    return schema


@functools.cache
def _definitions() -> dict[str, Any]:
    return {k: _relax(v) for k, v in spec()["definitions"].items()}


def covered(method: str, template: str | None) -> bool:
    """Whether the contract describes this operation."""
    if template is None:
        return False
    return method.lower() in spec()["paths"].get(template, {})


def response_schema(method: str, template: str, status: int) -> dict[str, Any] | None:
    """The (relaxed) schema of a response, or None when the contract gives no body schema."""
    responses = spec()["paths"][template][method.lower()].get("responses", {})
    entry = responses.get(str(status)) or {}
    schema = entry.get("schema")
    if schema is None:
        return None
    root = copy.deepcopy(_relax(schema))
    if (method.lower(), template) in LIST_OPERATIONS:
        root = {"type": "array", "items": root}
    root["definitions"] = _definitions()
    return root


def declared_statuses(method: str, template: str) -> set[int]:
    responses = spec()["paths"][template][method.lower()].get("responses", {})
    return {int(code) for code in responses}


def violations(method: str, template: str, status: int, body: Any) -> list[str]:
    """Where ``body`` breaks the contract (empty when it conforms)."""
    schema = response_schema(method, template, status)
    if schema is None:
        return []
    validator = Draft4Validator(schema)
    return [
        f"{method} {template} {status}: {'/'.join(map(str, e.absolute_path)) or '<root>'}: "
        f"{e.message[:200]}"
        for e in validator.iter_errors(body)
    ]
