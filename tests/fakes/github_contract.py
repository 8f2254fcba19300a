"""Check the fake GitHub's answers against ``contracts/github-rest-subset.json``.

Every answer the fake sends is recorded; ``Contract.check`` validates its status and JSON
body against the operation's declared responses (``$ref`` s resolved inside the file, OpenAPI
3.0 ``nullable`` honoured, read context). Statuses GitHub may send for any operation (401 for
bad credentials, 403/429 rate limits, 5xx) are validated against ``basic-error`` when the
operation does not declare them. Answers of operations outside the subset are accepted only
for the routes listed in ``OUTSIDE_CONTRACT`` (what PyGithub needs beyond the subset).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator
from openapi_schema_validator import OAS30ReadValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.fakes.github_outside import SCHEMAS as OUTSIDE_SCHEMAS
from tests.paths import CONTRACTS

CONTRACT_FILE = CONTRACTS / "github-rest-subset.json"
_URI = "urn:github-rest-subset"
GLOBAL_FAULT_STATUSES = frozenset({401, 403, 429, 500, 502, 503, 504})
OUTSIDE_CONTRACT: dict[tuple[str, str], str] = {
    ("GET", "/repos/{owner}/{repo}"): "repos/get: PyGithub reads `private` (privacy re-check)",
    ("GET", "/user"): "users/get-authenticated: the bot identity",
    ("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission"): (
        "repos/get-collaborator-permission-level: tracker-side authority (who may drive the "
        "protocol); body checked against tests/fakes/github_outside.py"),
    ("POST", "/app/installations/{installation_id}/access_tokens"): "App installation tokens",
}


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    status: int
    body: bytes
    content_type: str | None


@dataclass(frozen=True)
class Verdict:
    recorded: Recorded
    operation: str | None
    """operationId, or ``outside:<template>`` for a listed route outside the subset."""
    problems: tuple[str, ...]


def _nullable_as_github_means_it(node: Any) -> Any:
    """Rewrite OpenAPI 3.0 ``nullable: true`` as ``anyOf: [schema, null]``.

    GitHub's description marks fields ``nullable`` that also carry an ``enum`` without null
    (``state_reason``, ``severity``) or an ``allOf`` (``publisher``), and GitHub sends null for
    them. Strict OAS 3.0.3 readings reject those nulls; GitHub's own meaning is "may be null".
    """
    if isinstance(node, list):
        return [_nullable_as_github_means_it(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable_as_github_means_it(v) for k, v in node.items()}
    if out.get("nullable") is True:
        out.pop("nullable")
        return {"anyOf": [out, {"enum": [None]}]}
    return out


def _check_outside(rec: Recorded, schema: dict[str, Any]) -> list[str]:
    """An answer of a listed route outside the subset, against its transcribed schema."""
    try:
        body = json.loads(rec.body)
    except ValueError:
        return ["the body is not JSON"]
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message[:200]}"
            for e in Draft4Validator(schema).iter_errors(body)]


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class Contract:
    def __init__(self, path: Path = CONTRACT_FILE) -> None:
        self.doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        schemas = _nullable_as_github_means_it(self.doc)
        resource: Resource[Any] = Resource.from_contents(schemas, default_specification=DRAFT4)
        self.registry: Registry[Any] = Registry().with_resource(_URI, resource)

    @cached_property
    def routes(self) -> list[tuple[str, re.Pattern[str], str, str]]:
        """(method, path regex, template, operationId) for every operation in the subset."""
        found = []
        for template, ops in self.doc["paths"].items():
            regex = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
            for method, op in ops.items():
                if isinstance(op, dict) and "operationId" in op:
                    found.append((method.upper(), regex, template, op["operationId"]))
        return found

    def operation(self, method: str, path: str) -> tuple[str, str] | None:
        """(template, operationId) of the subset operation matching the request."""
        for m, regex, template, op_id in self.routes:
            if m == method and regex.match(path):
                return template, op_id
        return None

    def _outside(self, method: str, path: str) -> str | None:
        for (m, template), _why in OUTSIDE_CONTRACT.items():
            regex = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
            if m == method and re.match(regex, path):
                return template
        return None

    def _validate(self, pointer: str, body: Any) -> list[str]:
        validator = OAS30ReadValidator({"$ref": f"{_URI}#/{pointer}"}, registry=self.registry)
        return [
            f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message[:200]}"
            for e in validator.iter_errors(body)
        ]

    def check(self, rec: Recorded) -> Verdict:
        found = self.operation(rec.method, rec.path)
        if found is None:
            outside = self._outside(rec.method, rec.path)
            if outside is None:
                return Verdict(rec, None, (f"{rec.method} {rec.path} is in no contract",))
            schema = OUTSIDE_SCHEMAS.get((rec.method, outside, rec.status))
            problems = [] if schema is None else _check_outside(rec, schema)
            return Verdict(rec, f"outside:{outside}", tuple(problems))
        template, op_id = found
        responses = self.doc["paths"][template][rec.method.lower()]["responses"]
        status = str(rec.status)
        if status in responses:
            pointer = _pointer("paths", template, rec.method.lower(), "responses", status)
            response = responses[status]
            if "$ref" in response:
                pointer = response["$ref"].lstrip("#/")
                response = self.doc["components"]["responses"][pointer.rsplit("/", 1)[1]]
        elif rec.status in GLOBAL_FAULT_STATUSES:
            return Verdict(
                rec, op_id, tuple(self._check_json(rec, "components/schemas/basic-error"))
            )
        else:
            return Verdict(rec, op_id, (f"status {rec.status} is not declared for {op_id}",))
        content = response.get("content", {}).get("application/json")
        if content is None or "schema" not in content:
            problems = [] if not rec.body.strip() else [f"{op_id} {status} must have no body"]
            return Verdict(rec, op_id, tuple(problems))
        schema_ptr = pointer + "/" + _pointer("content", "application/json", "schema")
        return Verdict(rec, op_id, tuple(self._check_json(rec, schema_ptr)))

    def _check_json(self, rec: Recorded, pointer: str) -> list[str]:
        if not (rec.content_type or "").startswith("application/json"):
            return [f"content type {rec.content_type!r} is not application/json"]
        try:
            body = json.loads(rec.body)
        except ValueError:
            return ["the body is not JSON"]
        return self._validate(pointer, body)
