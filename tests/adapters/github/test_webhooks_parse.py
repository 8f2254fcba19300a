"""parse_webhook on constructed deliveries: commands, merged fixes, visibility, bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.github.signature import sign
from adapters.github.webhooks import parse_event, parse_webhook
from bridge.core.errors import InputError
from bridge.core.events import EventKind
from bridge.core.refs import TrackerRef
from tests.paths import GITHUB_CORPUS

SECRET = "parse secret"
SECRETISH = "EMBARGOED-DETAIL-42"


def _corpus(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GITHUB_CORPUS / name).read_text())
    return data


def deliver(event: str, payload: Any, **extra: str) -> Any:
    body = json.dumps(payload).encode()
    headers = {"X-GitHub-Event": event, "X-Hub-Signature-256": sign(SECRET, body), **extra}
    return parse_webhook(headers, body, [SECRET])


def _comment(body: str, *, on_pr: bool = False) -> dict[str, Any]:
    payload = _corpus("issue_comment/created.payload.json")
    payload["comment"]["body"] = body
    if on_pr:
        payload["issue"]["pull_request"] = {"url": "https://api.github.com/x"}
    return payload


def test_a_comment_with_vultron_lines_becomes_one_command_event_per_line() -> None:
    result = deliver(
        "issue_comment", _comment("Thanks!\n/vultron validate\n/vultron note hi there")
    )
    assert [e.kind for e in result.events] == [EventKind.COMMAND, EventKind.COMMAND]
    assert [e.command.name for e in result.events if e.command] == ["validate", "note"]
    assert result.events[1].command is not None and result.events[1].command.text == "hi there"


def test_a_plain_comment_is_commented() -> None:
    result = deliver("issue_comment", _comment("looks good"))
    assert [e.kind for e in result.events] == [EventKind.COMMENTED]
    assert result.events[0].text == "looks good"


def test_comments_on_pull_requests_are_ignored_with_a_reason() -> None:
    result = deliver("issue_comment", _comment("/vultron validate", on_pr=True))
    assert result.events == () and "pull request" in (result.ignored or "")


def _merged_pr(body: str, merged: bool = True) -> dict[str, Any]:
    payload = _corpus("pull_request/closed.payload.json")
    payload["pull_request"]["merged"] = merged
    payload["pull_request"]["body"] = body
    return payload


def test_a_merged_pull_request_yields_one_fix_merged_per_closed_issue() -> None:
    body = (
        "Fixes #12, closes octo/other#3 and resolves https://github.com/o/r/issues/4.\n"
        "Also fixes #12 again; mentions #99 without a keyword; see https://example.com/o/r/issues/5"
    )
    result = deliver("pull_request", _merged_pr(body))
    repo = _merged_pr("")["repository"]["full_name"]
    assert [e.kind for e in result.events] == [EventKind.FIX_MERGED] * 3
    assert [e.ref for e in result.events] == [
        TrackerRef("github", repo, 12),
        TrackerRef("github", "octo/other", 3),
        TrackerRef("github", "o/r", 4),
    ]
    assert result.events[0].details["pull_request"] == _merged_pr("")["pull_request"]["number"]


def test_a_closed_unmerged_pull_request_is_ignored() -> None:
    result = deliver("pull_request", _merged_pr("fixes #1", merged=False))
    assert result.events == () and "without being merged" in (result.ignored or "")


def test_a_merged_pull_request_closing_nothing_is_ignored() -> None:
    result = deliver("pull_request", _merged_pr("refactor, see #3"))
    assert result.events == () and result.ignored


@pytest.mark.parametrize(
    ("action", "kind", "private"),
    [("publicized", EventKind.MADE_PUBLIC, False), ("privatized", EventKind.MADE_PRIVATE, True)],
)
def test_repository_visibility_changes(action: str, kind: EventKind, private: bool) -> None:
    payload = _corpus("issues/opened.payload.json")
    result = deliver(
        "repository",
        {"action": action, "repository": payload["repository"], "sender": payload["sender"]},
    )
    assert [e.kind for e in result.events] == [kind]
    assert result.events[0].private is private
    assert result.events[0].project == payload["repository"]["full_name"]


@pytest.mark.parametrize(
    ("action", "kind", "state", "private"),
    [
        ("reported", EventKind.ADVISORY_REPORTED, "triage", True),
        ("published", EventKind.ADVISORY_PUBLISHED, "published", False),
        ("updated", EventKind.ADVISORY_UPDATED, "draft", True),
        ("withdrawn", EventKind.ADVISORY_WITHDRAWN, "withdrawn", False),
    ],
)
def test_repository_advisory_events(
    action: str, kind: EventKind, state: str, private: bool
) -> None:
    base = _corpus("issues/opened.payload.json")
    adv = {
        "ghsa_id": "GHSA-ABCD-2345-6789",
        "state": state,
        "summary": "s",
        "description": SECRETISH,
        "cve_id": "CVE-2026-0001",
        "identifiers": [],
    }
    payload = {
        "action": action,
        "repository_advisory": adv,
        "repository": base["repository"],
        "sender": base["sender"],
    }
    result = deliver("repository_advisory", payload)
    (event,) = result.events
    assert event.kind is kind and event.private is private
    assert event.ref == TrackerRef(
        "github", base["repository"]["full_name"], None, "GHSA-abcd-2345-6789"
    )
    assert event.details["cve_ids"] == ["CVE-2026-0001"]


def test_issue_events_on_pull_requests_are_ignored() -> None:
    payload = _corpus("issues/labeled.payload.json")
    payload["issue"]["pull_request"] = {"url": "https://api.github.com/x"}
    result = deliver("issues", payload)
    assert result.events == () and "pull request" in (result.ignored or "")


def test_unknown_events_and_actions_are_ignored_not_errors() -> None:
    assert deliver("star", {"action": "created"}).ignored
    assert deliver("issues", {"action": "typed"}).ignored
    assert deliver("repository", {"action": "renamed"}).ignored


def test_delivery_id_and_event_name_are_kept() -> None:
    result = deliver(
        "issues",
        _corpus("issues/labeled.payload.json"),
        **{"X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
    )
    assert result.delivery_id == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    assert result.event_name == "issues.labeled"
    assert result.events[0].delivery_id == result.delivery_id


@pytest.mark.parametrize(
    ("event", "body", "reason"),
    [
        ("issues", b"not json " + SECRETISH.encode(), "not JSON"),
        ("issues", b"[1, 2]", "not a JSON object"),
        ("issues", b"\xff\xfe", "UTF-8"),
        ("issues", b"[" * 200 + b"]" * 200, "deep"),
        ("issues", b"", "empty"),
        (
            "issues",
            json.dumps(
                {"action": "labeled", "issue": {"number": 1}, "repository": {"full_name": "o/r"}}
            ).encode(),
            "label",
        ),
        (
            "issues",
            json.dumps({"action": "labeled", "issue": {"number": 1}}).encode(),
            "repository",
        ),
        ("issues", json.dumps({"action": "opened", "issue": "x"}).encode(), "'issue'"),
        ("repository_dispatch", json.dumps({"client_payload": {}}).encode(), "event type"),
    ],
)
def test_malformed_deliveries_raise_input_error_without_echoing(
    event: str, body: bytes, reason: str
) -> None:
    headers = {"X-GitHub-Event": event, "X-Hub-Signature-256": sign(SECRET, body)}
    with pytest.raises(InputError) as info:
        parse_webhook(headers, body, [SECRET])
    assert reason in info.value.reason
    assert SECRETISH not in info.value.reason


def test_a_missing_event_header_is_bad_input() -> None:
    body = b"{}"
    with pytest.raises(InputError, match="X-GitHub-Event"):
        parse_webhook({"X-Hub-Signature-256": sign(SECRET, body)}, body, [SECRET])


def test_the_signature_is_checked_before_the_body_is_read() -> None:
    from bridge.core.errors import AuthenticationError

    with pytest.raises(AuthenticationError):
        parse_webhook({"X-GitHub-Event": "issues"}, b"not json", [SECRET])


def test_parse_event_serves_the_actions_trusted_event_file() -> None:
    payload = _corpus("repository_dispatch/payload.json")
    result = parse_event("repository_dispatch", payload, delivery_id="run-1")
    assert result.events[0].kind is EventKind.INBOUND_ACTIVITY
    assert result.events[0].details["event_type"] == "on-demand-test"
