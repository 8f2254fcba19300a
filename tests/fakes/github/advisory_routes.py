"""The fake GitHub's repository security advisory operations (drafts, publish, CVE)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from tests.fakes.github.model import Advisory, ghsa_for, next_id, now_iso
from tests.fakes.github.routes import HttpError, Request, Response, _advisory, _repo

if TYPE_CHECKING:
    from tests.fakes.github.server import FakeGitHub

SEVERITIES = ("critical", "high", "medium", "low")
TRANSITIONS = {
    ("triage", "draft"),
    ("triage", "closed"),
    ("draft", "published"),
    ("draft", "closed"),
    ("closed", "draft"),
}


def _invalid(field_name: str, code: str = "invalid") -> HttpError:
    return HttpError(
        422,
        "Validation Failed",
        [{"resource": "RepositoryAdvisory", "field": field_name, "code": code}],
    )


def _fields(body: Any, *, creating: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _invalid("body")
    out: dict[str, Any] = {}
    for key in ("summary", "description"):
        if key in body:
            if not isinstance(body[key], str) or not body[key]:
                raise _invalid(key)
            out[key] = body[key]
        elif creating:
            raise _invalid(key, "missing_field")
    if "vulnerabilities" in body:
        vulns = body["vulnerabilities"]
        if not isinstance(vulns, list) or not all(
            isinstance(v, dict)
            and isinstance(v.get("package"), dict)
            and isinstance(v["package"].get("ecosystem"), str)
            for v in vulns
        ):
            raise _invalid("vulnerabilities")
        out["vulnerabilities"] = vulns
    elif creating:
        raise _invalid("vulnerabilities", "missing_field")
    if "cve_id" in body:
        cve = body["cve_id"]
        if cve is not None and not (isinstance(cve, str) and cve.startswith("CVE-")):
            raise _invalid("cve_id")
        out["cve_id"] = cve
    if "cwe_ids" in body:
        cwes = body["cwe_ids"]
        if not (isinstance(cwes, list) and all(isinstance(c, str) and c.startswith("CWE-")
                                               for c in cwes)):
            raise _invalid("cwe_ids")
        out["cwe_ids"] = cwes
    if body.get("cvss_vector_string") is not None:
        vector = body["cvss_vector_string"]
        if not (isinstance(vector, str) and vector.startswith(("CVSS:3.", "CVSS:4.0/"))):
            raise _invalid("cvss_vector_string")
        out["cvss_vector_string"] = vector
        out["severity"] = None
    if body.get("severity") is not None:
        if body["severity"] not in SEVERITIES:
            raise _invalid("severity")
        if body.get("cvss_vector_string"):
            raise _invalid("severity", "either severity or cvss_vector_string")
        out["severity"] = body["severity"]
    return out


def list_advisories(app: FakeGitHub, req: Request) -> Response:
    repo = _repo(app, req)
    items = list(reversed(repo.advisories.values()))  # newest first
    if state := req.query.get("state"):
        items = [a for a in items if a.state == state]
    per_page = min(max(int(req.query.get("per_page", "30") or 30), 1), 100)
    start = 0
    if after := req.query.get("after"):
        ids = [a.ghsa_id for a in items]
        start = ids.index(after) + 1 if after in ids else len(items)
    page = items[start : start + per_page]
    headers = {}
    if start + per_page < len(items):
        query = dict(req.query, after=page[-1].ghsa_id, per_page=str(per_page))
        headers["Link"] = f'<{app.base_url}{req.path}?{urlencode(query)}>; rel="next"'
    return Response(200, [app.render.advisory(repo, a) for a in page], headers)


def _create(app: FakeGitHub, req: Request, state: str) -> Response:
    repo = _repo(app, req)
    fields = _fields(req.body, creating=True)
    adv = Advisory(ghsa_for(next_id()), author=app.user, state=state,
                   reported=state == "triage", **fields)
    repo.advisories[adv.ghsa_id] = adv
    if state == "triage":
        app.emit_advisory(repo, adv, "reported")
    return Response(201, app.render.advisory(repo, adv))


def create_advisory(app: FakeGitHub, req: Request) -> Response:
    return _create(app, req, "draft")


def report_vulnerability(app: FakeGitHub, req: Request) -> Response:
    return _create(app, req, "triage")


def get_advisory(app: FakeGitHub, req: Request) -> Response:
    repo, adv = _advisory(app, req)
    return Response(200, app.render.advisory(repo, adv))


def update_advisory(app: FakeGitHub, req: Request) -> Response:
    repo, adv = _advisory(app, req)
    fields = _fields(req.body, creating=False)
    new_state = req.body.get("state") if isinstance(req.body, dict) else None
    moving = new_state is not None and new_state != adv.state
    if moving and (adv.state, new_state) not in TRANSITIONS:
        raise HttpError(
            422,
            "Invalid state transition",
            [
                {
                    "resource": "RepositoryAdvisory",
                    "field": "state",
                    "code": "invalid_state_transition",
                }
            ],
        )
    for key, value in fields.items():
        setattr(adv, key, value)
    adv.updated_at = now_iso()
    if new_state is not None and new_state != adv.state:
        adv.state = new_state
        adv.published_at = now_iso() if new_state == "published" else adv.published_at
        adv.closed_at = now_iso() if new_state == "closed" else None
        if new_state == "published":
            app.emit_advisory(repo, adv, "published")
    return Response(200, app.render.advisory(repo, adv))


def request_cve(app: FakeGitHub, req: Request) -> Response:
    repo, adv = _advisory(app, req)
    if repo.private:
        raise HttpError(422, "CVE requests are not available for private repositories")
    if adv.cve_requested or adv.cve_id:
        raise HttpError(422, "A CVE has already been requested for this advisory")
    adv.cve_requested = True
    return Response(202, {})
