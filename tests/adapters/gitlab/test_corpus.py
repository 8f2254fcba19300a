"""Every GitLab webhook payload in the shared corpus: verified, then parsed as expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.gitlab.webhooks import parse_webhook
from bridge.core.events import EventKind, WebhookResult
from tests.adapters.gitlab.helpers import (
    DOCUMENTATION,
    NOW,
    SIGNING_KEY,
    TOKEN,
    corpus_headers,
    payload_files,
    signed_headers,
)
from tests.paths import GITLAB_CORPUS

E = EventKind
#: file stem -> (project, iid or None, [(kind, label)], private) for the handled payloads.
HANDLED: dict[str, tuple[str, int | None, list[tuple[EventKind, str | None]], bool | None]] = {
    "confidential_issue_open": ("joe.bloggs/testing", 1, [(E.OPENED, None)], True),
    "confidential_issue_update": ("joe.bloggs/testing", 1, [(E.EDITED, None)], True),
    "confidential_issue_close": ("joe.bloggs/testing", 1, [(E.CLOSED, None)], True),
    "issue_open": ("adambirds/zulip-gitlab-test", 2, [(E.OPENED, None)], False),
    "issue_close": ("tomaszkolek0/my-awesome-project", 1, [(E.CLOSED, None)], False),
    "issue_labels_changed_doc": (
        "gitlabhq/gitlab-test",
        23,
        [(E.OPENED, None), (E.LABELED, "Platform"), (E.UNLABELED, "API")],
        False,
    ),
    "note_issue": ("sbansal1999/testing-zulip-gitlab-integration", 1, [(E.COMMENTED, None)], False),
    "note_issue_doc": ("gitlab-org/gitlab-test", 17, [(E.COMMENTED, None)], None),
    "release_create_doc": (
        "gitlab-org/release-webhook-example",
        None,
        [(E.RELEASE_PUBLISHED, None)],
        None,
    ),
    "work_item_task_open": ("sathwikshetty33-group/mVc", 7, [(E.OPENED, None)], False),
    "work_item_task_close": ("sathwikshetty33-group/mVc", 8, [(E.CLOSED, None)], False),
}
#: file stem -> a word the ignore reason must contain.
IGNORED = {
    "push_doc": "push",
    "merge_request_merge": "closes no issue",
}


def test_every_corpus_file_is_accounted_for() -> None:
    names = {p.name for p in GITLAB_CORPUS.iterdir()}
    payloads = {p.stem for p in payload_files()}
    assert payloads == set(HANDLED) | set(IGNORED)
    headers = {n for n in names if n.endswith(".headers.json")}
    assert names == {f"{s}.json" for s in payloads} | headers | set(DOCUMENTATION)


def _check(path: Path, result: WebhookResult) -> None:
    stem = path.stem
    if stem in IGNORED:
        assert result.events == ()
        assert result.ignored and IGNORED[stem] in result.ignored
        return
    project, iid, expected, private = HANDLED[stem]
    assert result.ignored is None
    assert [(e.kind, e.label) for e in result.events] == expected
    for event in result.events:
        assert event.tracker == "gitlab"
        assert event.project == project
        assert event.private is private
        assert event.at is not None
        if iid is None:
            assert event.ref is None
        else:
            assert event.ref is not None and (event.ref.project, event.ref.number) == (project, iid)


@pytest.mark.parametrize("path", payload_files(), ids=lambda p: p.stem)
def test_corpus_payload_with_token(path: Path) -> None:
    headers = {**corpus_headers(path), "X-Gitlab-Token": TOKEN}
    result = parse_webhook(headers, path.read_bytes(), tokens=[TOKEN])
    assert result.event_name.startswith(headers["X-Gitlab-Event"])
    _check(path, result)


@pytest.mark.parametrize("path", payload_files(), ids=lambda p: p.stem)
def test_corpus_payload_signed_with_standard_webhooks(path: Path) -> None:
    body = path.read_bytes()
    headers = {**corpus_headers(path), **signed_headers(body, msg_id=f"msg_{path.stem}")}
    result = parse_webhook(headers, body, signing_keys=[SIGNING_KEY], now=NOW + 10)
    assert result.delivery_id == f"msg_{path.stem}"
    _check(path, result)


@pytest.mark.parametrize("path", payload_files(), ids=lambda p: p.stem)
def test_corpus_payload_without_credentials_is_refused(path: Path) -> None:
    from bridge.core.errors import AuthenticationError

    with pytest.raises(AuthenticationError):
        parse_webhook(corpus_headers(path), path.read_bytes(), tokens=[TOKEN])


def test_documented_delivery_headers_give_the_idempotency_key() -> None:
    """delivery_headers_doc.json: GitLab's documented header set on a delivery."""
    import json

    documented = json.loads((GITLAB_CORPUS / "delivery_headers_doc.json").read_text())
    body = (GITLAB_CORPUS / "push_doc.json").read_bytes()
    result = parse_webhook({**documented, "X-Gitlab-Token": TOKEN}, body, tokens=[TOKEN])
    assert result.delivery_id == documented["Idempotency-Key"]
    assert result.delivery_id != documented["X-Gitlab-Webhook-UUID"]
    assert result.ignored
