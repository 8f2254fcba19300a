"""GitHub webhook payloads → tracker-neutral ``TrackerEvent`` s (pure).

One handler per GitHub event name. A handler returns the events, or a non-empty string saying
why the delivery is ignored. The mapping table is in ``docs/github.md``; keep both in step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.github import payload as p
from adapters.github.closing import closing_refs
from bridge.core.commands import parse_commands
from bridge.core.errors import InputError
from bridge.core.events import EventKind, TrackerEvent
from bridge.core.quoting import word as shown
from bridge.core.refs import TrackerRef

Outcome = tuple[TrackerEvent, ...] | str


@dataclass(frozen=True, slots=True)
class Delivery:
    """One decoded delivery: the event name, its action, the payload and where it came from."""

    tracker: str
    event: str
    action: str | None
    payload: dict[str, Any]
    delivery_id: str | None
    web_hosts: Sequence[str] = ("github.com",)

    def base(self, **fields: Any) -> dict[str, Any]:
        """Fields every event of this delivery shares; ``fields`` override them."""
        common: dict[str, Any] = {
            "tracker": self.tracker,
            "project": p.project_of(self.payload),
            "actor": p.login(p.opt_obj(self.payload, "sender")),
            "delivery_id": self.delivery_id,
            "private": p.private_of(self.payload),
        }
        common.update(fields)
        return common


ISSUE_ACTIONS: dict[str, EventKind] = {
    "opened": EventKind.OPENED,
    "labeled": EventKind.LABELED,
    "unlabeled": EventKind.UNLABELED,
    "closed": EventKind.CLOSED,
    "reopened": EventKind.REOPENED,
    "edited": EventKind.EDITED,
    "transferred": EventKind.TRANSFERRED,
    "deleted": EventKind.DELETED,
}
REPOSITORY_ADVISORY_ACTIONS: dict[str, EventKind] = {
    "reported": EventKind.ADVISORY_REPORTED,
    "published": EventKind.ADVISORY_PUBLISHED,
    "updated": EventKind.ADVISORY_UPDATED,
    "withdrawn": EventKind.ADVISORY_WITHDRAWN,
}
SECURITY_ADVISORY_ACTIONS = REPOSITORY_ADVISORY_ACTIONS
PR_IGNORED = "the issue is a pull request; the bridge tracks issues and advisories only"


def _issue_ref(d: Delivery, issue: dict[str, Any]) -> TrackerRef:
    project = p.project_of(d.payload)
    if project is None:
        raise InputError(f"{d.event} payload lacks repository.full_name")
    return TrackerRef(d.tracker, project, p.number(issue, "number", d.event))


def _moved_to(d: Delivery) -> TrackerRef | None:
    changes = p.opt_obj(d.payload, "changes") or {}
    new_issue = p.opt_obj(changes, "new_issue")
    new_repo = p.opt_obj(changes, "new_repository")
    full_name = p.text(new_repo, "full_name")
    if new_issue is None or full_name is None:
        return None
    num = new_issue.get("number")
    if not isinstance(num, int) or isinstance(num, bool) or num < 1:
        return None
    return TrackerRef(d.tracker, full_name, num)


def on_issues(d: Delivery) -> Outcome:
    kind = ISSUE_ACTIONS.get(d.action or "")
    if kind is None:
        return f"issues action {shown(d.action)} does not concern the bridge"
    issue = p.obj(d.payload, "issue", "issues")
    if "pull_request" in issue:
        return PR_IGNORED
    ref = _issue_ref(d, issue)
    fields: dict[str, Any] = {"kind": kind, "ref": ref, "at": p.when(issue, "updated_at")}
    details: dict[str, Any] = {"title": p.text(issue, "title"), "state": p.text(issue, "state")}
    if kind in (EventKind.LABELED, EventKind.UNLABELED):
        label = p.obj(d.payload, "label", f"issues.{d.action}")
        fields["label"] = p.req_text(label, "name", f"issues.{d.action} label")
    if kind in (EventKind.OPENED, EventKind.EDITED):
        fields["text"] = p.text(issue, "body")
    if kind is EventKind.TRANSFERRED:
        moved = _moved_to(d)
        if moved is not None:
            details["moved_to"] = str(moved)
    fields["details"] = details
    return (TrackerEvent(**d.base(**fields)),)


def on_issue_comment(d: Delivery) -> Outcome:
    if d.action != "created":
        return f"issue_comment action {shown(d.action)}: only new comments are acted on"
    issue = p.obj(d.payload, "issue", "issue_comment")
    comment = p.obj(d.payload, "comment", "issue_comment")
    if "pull_request" in issue:
        return PR_IGNORED
    ref = _issue_ref(d, issue)
    body = p.text(comment, "body")
    common = {
        "ref": ref,
        "actor": p.login(p.opt_obj(comment, "user")) or p.login(p.opt_obj(d.payload, "sender")),
        "at": p.when(comment, "created_at"),
        "text": body,
        "details": {"comment_id": comment.get("id")},
    }
    commands = parse_commands(body)
    if not commands:
        return (TrackerEvent(**d.base(kind=EventKind.COMMENTED, **common)),)
    return tuple(
        TrackerEvent(**d.base(kind=EventKind.COMMAND, command=c, **common)) for c in commands
    )


def _advisory_details(adv: dict[str, Any]) -> dict[str, Any]:
    ids = adv.get("identifiers")
    cves = [
        i.get("value")
        for i in (ids if isinstance(ids, list) else [])
        if isinstance(i, dict) and i.get("type") == "CVE"
    ]
    cve = p.text(adv, "cve_id")
    if cve and cve not in cves:
        cves.append(cve)
    return {
        "ghsa_id": p.norm_ghsa(p.req_text(adv, "ghsa_id", "advisory")),
        "cve_ids": cves,
        "severity": p.text(adv, "severity"),
        "state": p.text(adv, "state"),
        "html_url": p.text(adv, "html_url"),
        "summary": p.text(adv, "summary"),
        "cwe_ids": [c for c in _list(adv.get("cwe_ids")) if isinstance(c, str)],
        "cvss_vector": p.text(cvss, "vector_string") if isinstance(cvss := adv.get("cvss"),
                                                                  dict) else None,
    }


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def on_repository_advisory(d: Delivery) -> Outcome:
    kind = REPOSITORY_ADVISORY_ACTIONS.get(d.action or "")
    if kind is None:
        return f"repository_advisory action {shown(d.action)} does not concern the bridge"
    adv = p.obj(d.payload, "repository_advisory", "repository_advisory")
    details = _advisory_details(adv)
    project = p.project_of(d.payload)
    ref = TrackerRef(d.tracker, project, None, details["ghsa_id"]) if project else None
    at = p.when(adv, "updated_at", "published_at", "withdrawn_at", "created_at")
    # an advisory's own visibility, not its repository's: draft/triage advisories are private
    state = details["state"]
    private = state in ("draft", "triage") if state else None
    fields = {"kind": kind, "ref": ref, "at": at, "private": private, "details": details}
    return (TrackerEvent(**d.base(text=p.text(adv, "description"), **fields)),)


def on_security_advisory(d: Delivery) -> Outcome:
    kind = SECURITY_ADVISORY_ACTIONS.get(d.action or "")
    if kind is None:
        return f"security_advisory action {shown(d.action)} does not concern the bridge"
    adv = p.obj(d.payload, "security_advisory", "security_advisory")
    details = _advisory_details(adv)
    details["global"] = True
    at = p.when(adv, "updated_at", "published_at", "withdrawn_at")
    return (
        TrackerEvent(**d.base(kind=kind, at=at, text=p.text(adv, "description"), details=details)),
    )


def on_release(d: Delivery) -> Outcome:
    if d.action != "published":
        return f"release action {shown(d.action)}: only published releases are acted on"
    rel = p.obj(d.payload, "release", "release")
    details = {
        "tag_name": p.text(rel, "tag_name"),
        "name": p.text(rel, "name"),
        "prerelease": p.flag(rel, "prerelease"),
        "html_url": p.text(rel, "html_url"),
    }
    at = p.when(rel, "published_at", "created_at")
    return (
        TrackerEvent(
            **d.base(
                kind=EventKind.RELEASE_PUBLISHED, at=at, text=p.text(rel, "body"), details=details
            )
        ),
    )


def on_pull_request(d: Delivery) -> Outcome:
    if d.action != "closed":
        return f"pull_request action {shown(d.action)}: only merged pull requests are acted on"
    pr = p.obj(d.payload, "pull_request", "pull_request")
    if pr.get("merged") is not True:
        return "the pull request was closed without being merged"
    project = p.project_of(d.payload)
    if project is None:
        raise InputError("pull_request payload lacks repository.full_name")
    body = p.text(pr, "body")
    refs = closing_refs(body, project, tracker=d.tracker, web_hosts=d.web_hosts)
    if not refs:
        return "the merged pull request's description closes no issue"
    details = {
        "pull_request": pr.get("number"),
        "merge_commit_sha": p.text(pr, "merge_commit_sha"),
        "html_url": p.text(pr, "html_url"),
    }
    at = p.when(pr, "merged_at", "closed_at")
    return tuple(
        TrackerEvent(**d.base(kind=EventKind.FIX_MERGED, ref=r, at=at, text=body, details=details))
        for r in refs
    )


def on_repository(d: Delivery) -> Outcome:
    if d.action == "publicized":
        return (TrackerEvent(**d.base(kind=EventKind.MADE_PUBLIC, private=False)),)
    if d.action == "privatized":
        return (TrackerEvent(**d.base(kind=EventKind.MADE_PRIVATE, private=True)),)
    return f"repository action {shown(d.action)} does not concern the bridge"


def on_ping(d: Delivery) -> Outcome:
    details = {"hook_id": d.payload.get("hook_id"), "zen": p.text(d.payload, "zen")}
    return (TrackerEvent(**d.base(kind=EventKind.PING, details=details)),)


def on_repository_dispatch(d: Delivery) -> Outcome:
    event_type = p.text(d.payload, "event_type") or d.action
    if not event_type:
        raise InputError("repository_dispatch payload lacks its event type ('action')")
    client_payload = d.payload.get("client_payload")
    if client_payload is not None and not isinstance(client_payload, dict):
        raise InputError("repository_dispatch client_payload must be an object")
    details = {"event_type": event_type, "client_payload": client_payload or {}}
    return (TrackerEvent(**d.base(kind=EventKind.INBOUND_ACTIVITY, details=details)),)


def on_installation(d: Delivery) -> Outcome:
    inst = p.obj(d.payload, "installation", "installation")
    repos = d.payload.get("repositories")
    names = [
        r["full_name"]
        for r in (repos if isinstance(repos, list) else [])
        if isinstance(r, dict) and isinstance(r.get("full_name"), str)
    ]
    details = {
        "action": d.action,
        "installation_id": inst.get("id"),
        "account": p.login(p.opt_obj(inst, "account")),
        "repositories": names,
    }
    return (TrackerEvent(**d.base(kind=EventKind.INSTALLATION, details=details)),)


HANDLERS: dict[str, Callable[[Delivery], Outcome]] = {
    "issues": on_issues,
    "issue_comment": on_issue_comment,
    "repository_advisory": on_repository_advisory,
    "security_advisory": on_security_advisory,
    "release": on_release,
    "pull_request": on_pull_request,
    "repository": on_repository,
    "ping": on_ping,
    "repository_dispatch": on_repository_dispatch,
    "installation": on_installation,
}
"""Every GitHub event the bridge understands; all others are ignored with a reason."""
