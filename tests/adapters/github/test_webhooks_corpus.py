"""Every GitHub payload in the shared corpus, signed with the real function, verified, parsed.

Each file's event name is its parent directory. A delivery is either handled (events that
match the expectation table below, keyed by event and action) or ignored with a reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.github.signature import sign
from adapters.github.webhooks import parse_webhook
from bridge.core.commands import parse_commands
from bridge.core.events import EventKind, TrackerEvent
from bridge.core.refs import TrackerRef
from tests.paths import GITHUB_CORPUS

SECRET = "corpus secret"
NOT_PAYLOADS = {
    "schemas": "JSON Schemas describing the payloads, not deliveries",
    "README.md": "the corpus's own documentation",
}


def _payload_files() -> list[Path]:
    files = []
    for path in sorted(GITHUB_CORPUS.rglob("*")):
        rel = path.relative_to(GITHUB_CORPUS)
        if rel.parts[0] in NOT_PAYLOADS or path.is_dir():
            continue
        files.append(path)
    return files


FILES = _payload_files()


def _deliver(path: Path) -> Any:
    body = path.read_bytes()
    headers = {
        "X-GitHub-Event": path.parent.name,
        "X-GitHub-Delivery": f"corpus-{path.stem}",
        "X-Hub-Signature-256": sign(SECRET, body),
        "Content-Type": "application/json",
    }
    return parse_webhook(headers, body, [SECRET])


def _issue_ref(p: dict[str, Any]) -> TrackerRef:
    return TrackerRef("github", p["repository"]["full_name"], p["issue"]["number"])


def _simple(kind: EventKind) -> Callable[[dict[str, Any], tuple[TrackerEvent, ...]], None]:
    def check(p: dict[str, Any], events: tuple[TrackerEvent, ...]) -> None:
        assert [e.kind for e in events] == [kind]
        assert events[0].ref == _issue_ref(p)
        assert events[0].actor == p["sender"]["login"]
        assert events[0].private == p["repository"]["private"]

    return check


def _label(kind: EventKind) -> Callable[[dict[str, Any], tuple[TrackerEvent, ...]], None]:
    def check(p: dict[str, Any], events: tuple[TrackerEvent, ...]) -> None:
        _simple(kind)(p, events)
        assert events[0].label == p["label"]["name"]

    return check


def _transferred(p: dict[str, Any], events: tuple[TrackerEvent, ...]) -> None:
    _simple(EventKind.TRANSFERRED)(p, events)
    new = p["changes"]["new_issue"]["number"]
    assert (
        events[0].details["moved_to"]
        == f"github:{p['changes']['new_repository']['full_name']}#{new}"
    )


def _comment(p: dict[str, Any], events: tuple[TrackerEvent, ...]) -> None:
    commands = parse_commands(p["comment"]["body"])
    if commands:
        assert [e.command for e in events] == commands
        assert {e.kind for e in events} == {EventKind.COMMAND}
    else:
        assert [e.kind for e in events] == [EventKind.COMMENTED]
    assert all(e.ref == _issue_ref(p) and e.text == p["comment"]["body"] for e in events)


def _advisory(kind: EventKind) -> Callable[[dict[str, Any], tuple[TrackerEvent, ...]], None]:
    def check(p: dict[str, Any], events: tuple[TrackerEvent, ...]) -> None:
        adv = p.get("security_advisory") or p["repository_advisory"]
        assert [e.kind for e in events] == [kind]
        ghsa = adv["ghsa_id"]
        assert events[0].details["ghsa_id"] == "GHSA-" + ghsa[5:].lower()

    return check


def _release(p: dict[str, Any], events: tuple[TrackerEvent, ...]) -> None:
    assert [e.kind for e in events] == [EventKind.RELEASE_PUBLISHED]
    assert events[0].details["tag_name"] == p["release"]["tag_name"]
    assert events[0].project == p["repository"]["full_name"]


def _ping(p: dict[str, Any], events: tuple[TrackerEvent, ...]) -> None:
    assert [e.kind for e in events] == [EventKind.PING]
    assert events[0].details["hook_id"] == p["hook_id"]


def _dispatch(p: dict[str, Any], events: tuple[TrackerEvent, ...]) -> None:
    assert [e.kind for e in events] == [EventKind.INBOUND_ACTIVITY]
    assert events[0].details == {"event_type": p["action"], "client_payload": p["client_payload"]}
    assert events[0].private is p["repository"]["private"]


def _installation(p: dict[str, Any], events: tuple[TrackerEvent, ...]) -> None:
    assert [e.kind for e in events] == [EventKind.INSTALLATION]
    assert events[0].details["installation_id"] == p["installation"]["id"]


Check = Callable[[dict[str, Any], tuple[TrackerEvent, ...]], None]
#: (event, action) -> check of the events; "*" matches any action. Everything else is ignored.
EXPECTED: dict[tuple[str, str], Check] = {
    ("issues", "opened"): _simple(EventKind.OPENED),
    ("issues", "labeled"): _label(EventKind.LABELED),
    ("issues", "unlabeled"): _label(EventKind.UNLABELED),
    ("issues", "closed"): _simple(EventKind.CLOSED),
    ("issues", "reopened"): _simple(EventKind.REOPENED),
    ("issues", "edited"): _simple(EventKind.EDITED),
    ("issues", "transferred"): _transferred,
    ("issues", "deleted"): _simple(EventKind.DELETED),
    ("issue_comment", "created"): _comment,
    ("security_advisory", "published"): _advisory(EventKind.ADVISORY_PUBLISHED),
    ("security_advisory", "updated"): _advisory(EventKind.ADVISORY_UPDATED),
    ("security_advisory", "withdrawn"): _advisory(EventKind.ADVISORY_WITHDRAWN),
    ("repository_advisory", "reported"): _advisory(EventKind.ADVISORY_REPORTED),
    ("repository_advisory", "published"): _advisory(EventKind.ADVISORY_PUBLISHED),
    ("release", "published"): _release,
    ("ping", "*"): _ping,
    ("repository_dispatch", "*"): _dispatch,
    ("installation", "*"): _installation,
}


def _expectation(event: str, payload: dict[str, Any]) -> Check | None:
    action = payload.get("action")
    check = EXPECTED.get((event, action)) or EXPECTED.get((event, "*"))
    issue = payload.get("issue")
    if isinstance(issue, dict) and "pull_request" in issue:
        return None  # pull requests reaching us as issues are ignored (docs/github.md)
    if event == "pull_request" and action == "closed" and payload["pull_request"].get("merged"):
        raise AssertionError("a merged pull request in the corpus: add its closing refs here")
    return check


def test_the_corpus_is_there_and_not_trivial() -> None:
    assert len(FILES) >= 50
    assert {p.parent.name for p in FILES} >= {"issues", "issue_comment", "ping", "release"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(GITHUB_CORPUS)))
def test_corpus_payload_is_handled_or_ignored_with_a_reason(path: Path) -> None:
    payload = json.loads(path.read_bytes())
    result = _deliver(path)
    assert result.delivery_id == f"corpus-{path.stem}"
    assert result.event_name.startswith(path.parent.name)
    check = _expectation(path.parent.name, payload)
    if check is None:
        assert not result.events
        assert result.ignored and len(result.ignored) > 10
        return
    assert result.ignored is None, result.ignored
    assert result.events
    check(payload, result.events)
    assert all(e.delivery_id == result.delivery_id and e.tracker == "github" for e in result.events)


@pytest.mark.parametrize(
    ("name", "kind", "label"),
    [
        ("issues/labeled.payload.json", EventKind.LABELED, "bug"),
        ("issues/unlabeled.payload.json", EventKind.UNLABELED, "bug"),
        ("issues/opened.payload.json", EventKind.OPENED, None),
        ("issues/reopened.payload.json", EventKind.REOPENED, None),
        ("issue_comment/created.payload.json", EventKind.COMMENTED, None),
        ("security_advisory/published.payload.json", EventKind.ADVISORY_PUBLISHED, None),
        ("release/published.payload.json", EventKind.RELEASE_PUBLISHED, None),
        ("repository_dispatch/payload.json", EventKind.INBOUND_ACTIVITY, None),
    ],
)
def test_named_corpus_rows(name: str, kind: EventKind, label: str | None) -> None:
    result = _deliver(GITHUB_CORPUS / name)
    assert [e.kind for e in result.events] == [kind]
    assert result.events[0].label == label


@pytest.mark.parametrize(
    "name",
    [
        "issues/assigned.payload.json",
        "issues/milestoned.payload.json",
        "label/created.payload.json",
        "meta/deleted.payload.json",
        "pull_request/closed.payload.json",
        "release/created.payload.json",
        "issue_comment/edited.payload.json",
        "issue_comment/deleted.payload.json",
    ],
)
def test_named_corpus_files_that_are_ignored(name: str) -> None:
    result = _deliver(GITHUB_CORPUS / name)
    assert result.events == () and result.ignored


def test_a_corpus_payload_signed_with_another_secret_is_refused() -> None:
    from bridge.core.errors import AuthenticationError

    body = (GITHUB_CORPUS / "issues/labeled.payload.json").read_bytes()
    headers = {"X-GitHub-Event": "issues", "X-Hub-Signature-256": sign("not it", body)}
    with pytest.raises(AuthenticationError):
        parse_webhook(headers, body, [SECRET])
