"""The fake GitHub itself: every contract operation, pagination, headers, signed webhooks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from adapters.github.webhooks import parse_webhook
from bridge.core.events import EventKind
from bridge.core.refs import TrackerRef
from tests.fakes.github.harness import (
    BOT,
    PRIVATE_REPO,
    PUBLIC_REPO,
    TOKEN,
    WEBHOOK_SECRET,
    GitHubHarness,
    contract,
)
from tests.fakes.github_contract import Contract, Recorded
from tests.support.servers import Answer, Receiver


@pytest.fixture
def api(github: GitHubHarness) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"token {TOKEN}", "Accept": "application/vnd.github+json"}
    with httpx.Client(base_url=github.fake.base_url, headers=headers, timeout=5) as client:
        yield client


def test_every_contract_operation_is_served_and_validates(
    github: GitHubHarness, api: httpx.Client
) -> None:
    r = f"/repos/{PUBLIC_REPO}"
    calls: list[tuple[str, str, Any]] = [
        ("GET", "/rate_limit", None),
        ("POST", f"{r}/dispatches", {"event_type": "vultron", "client_payload": {"a": 1}}),
        ("POST", f"{r}/labels", {"name": "vultron:valid", "color": "0e8a16", "description": "d"}),
        ("GET", f"{r}/labels/vultron%3Avalid", None),
        ("POST", f"{r}/issues", {"title": "t", "body": "b vbtoken", "labels": ["x"]}),
        ("GET", f"{r}/issues", None),
        ("GET", f"{r}/issues/1", None),
        ("PATCH", f"{r}/issues/1", {"state": "closed"}),
        ("POST", f"{r}/issues/1/comments", {"body": "hello"}),
        ("GET", f"{r}/issues/1/comments", None),
        ("POST", f"{r}/issues/1/labels", {"labels": ["vultron:valid"]}),
        ("GET", f"{r}/issues/1/labels", None),
        ("PUT", f"{r}/issues/1/labels", ["y"]),
        ("DELETE", f"{r}/issues/1/labels/y", None),
        ("GET", "/search/issues?q=vbtoken+is:issue+in:body", None),
        (
            "POST",
            f"{r}/security-advisories",
            {"summary": "s", "description": "d", "vulnerabilities": [], "severity": "low"},
        ),
        (
            "POST",
            f"{r}/security-advisories/reports",
            {"summary": "s2", "description": "d2", "vulnerabilities": []},
        ),
        ("GET", f"{r}/security-advisories", None),
    ]
    for method, path, body in calls:
        resp = (
            api.request(method, path, json=body) if body is not None else api.request(method, path)
        )
        assert resp.status_code < 300, (method, path, resp.status_code, resp.text)
    listed = api.get(f"{r}/security-advisories", params={"state": "draft"}).json()
    ghsa = listed[0]["ghsa_id"]
    assert api.get(f"{r}/security-advisories/{ghsa}").status_code == 200
    assert (
        api.patch(f"{r}/security-advisories/{ghsa}", json={"state": "published"}).status_code == 200
    )
    assert api.post(f"{r}/security-advisories/{ghsa}/cve").status_code == 202
    verdicts = github.verdicts()
    assert {v.operation for v in verdicts} >= {op for _, _, _, op in contract().routes}
    assert [v.problems for v in verdicts if v.problems] == []


def test_error_answers_validate_too(github: GitHubHarness, api: httpx.Client) -> None:
    assert api.get(f"/repos/{PUBLIC_REPO}/issues/99").status_code == 404
    assert api.post(f"/repos/{PUBLIC_REPO}/issues", json={"body": "no title"}).status_code == 422
    assert api.post(f"/repos/{PUBLIC_REPO}/dispatches", json={"event_type": ""}).status_code == 422
    assert api.get("/search/issues?q=x").status_code == 422
    assert [v.problems for v in github.verdicts() if v.problems] == []


def test_the_contract_check_can_fail() -> None:
    c = Contract()
    issue_path = "/repos/o/r/issues/1"
    wrong_body = c.check(Recorded("GET", issue_path, 200, b'{"number": 1}', "application/json"))
    assert any("required" in p for p in wrong_body.problems)
    wrong_status = c.check(Recorded("GET", issue_path, 418, b"{}", "application/json"))
    assert wrong_status.problems
    unknown = c.check(Recorded("GET", "/repos/o/r/pulls", 200, b"[]", "application/json"))
    assert unknown.problems and unknown.operation is None
    not_json = c.check(Recorded("GET", issue_path, 200, b"<html>", "text/html"))
    assert not_json.problems
    body_on_204 = c.check(Recorded("POST", "/repos/o/r/dispatches", 204, b"{}", "application/json"))
    assert body_on_204.problems


def test_pagination_links_and_github_headers(github: GitHubHarness, api: httpx.Client) -> None:
    for n in range(5):
        api.post(f"/repos/{PRIVATE_REPO}/issues", json={"title": f"t{n}"})
    first = api.get(f"/repos/{PRIVATE_REPO}/issues", params={"per_page": 2, "state": "all"})
    assert len(first.json()) == 2
    assert 'rel="next"' in first.headers["link"] and 'rel="last"' in first.headers["link"]
    next_url = first.links["next"]["url"]
    assert next_url.startswith(github.fake.base_url)
    second = api.get(next_url)
    assert [i["number"] for i in second.json()] == [3, 2]
    for header in (
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-github-request-id",
    ):
        assert header in first.headers
    assert int(second.headers["x-ratelimit-remaining"]) < int(
        first.headers["x-ratelimit-remaining"]
    )


def test_unauthenticated_requests_get_401(github: GitHubHarness) -> None:
    resp = httpx.get(f"{github.fake.base_url}/repos/{PUBLIC_REPO}/issues/1")
    assert resp.status_code == 401 and resp.json()["message"] == "Bad credentials"


def test_webhooks_of_the_adapters_own_writes_parse_as_the_bots_echoes(
    github: GitHubHarness,
) -> None:
    ref = github.adapter.ensure_private_issue(
        github.private_issue_destination, "obj", "t", "b", ["vultron:received"]
    ).ref
    github.adapter.set_labels(ref, ["vultron:valid"], [])
    github.adapter.comment(ref, "/vultron status", marker_id="m")
    github.adapter.close(ref)
    events = [e for result in github.parsed_webhooks() for e in result.events]
    kinds = [(e.kind, e.label) for e in events]
    assert kinds == [
        (EventKind.OPENED, None),
        (EventKind.LABELED, "vultron:received"),
        (EventKind.LABELED, "vultron:valid"),
        (EventKind.UNLABELED, "vultron:received"),
        (EventKind.COMMAND, None),
        (EventKind.CLOSED, None),
    ]
    assert {e.actor for e in events} == {github.adapter.bot_identity()} == {BOT}
    assert all(e.ref == ref and e.private is True for e in events)
    deliveries = {h["X-GitHub-Delivery"] for h, _ in github.deliveries}
    assert len(deliveries) == len(github.deliveries)  # unique delivery ids


def test_webhooks_are_delivered_to_a_url(github: GitHubHarness, api: httpx.Client) -> None:
    with Receiver(answers={"/webhooks/github": Answer(202)}) as sink:
        github.fake.hooks.sink = f"{sink.base}/webhooks/github"
        payload = {"event_type": "vultron-activity", "client_payload": {"id": "urn:x"}}
        assert api.post(f"/repos/{PUBLIC_REPO}/dispatches", json=payload).status_code == 204
    received = [parse_webhook(r.headers, r.body, [WEBHOOK_SECRET]) for r in sink.requests]
    (result,) = received
    (event,) = result.events
    assert event.kind is EventKind.INBOUND_ACTIVITY
    assert event.details == {"event_type": "vultron-activity", "client_payload": {"id": "urn:x"}}
    assert github.fake.hooks.sent[-1].status == 202


def test_an_advisory_reported_privately_sends_a_reported_webhook(
    github: GitHubHarness, api: httpx.Client
) -> None:
    body = {"summary": "s", "description": "d", "vulnerabilities": []}
    ghsa = api.post(f"/repos/{PUBLIC_REPO}/security-advisories/reports", json=body).json()[
        "ghsa_id"
    ]
    (result,) = github.parsed_webhooks()
    assert result.events[0].kind is EventKind.ADVISORY_REPORTED
    assert result.events[0].ref == TrackerRef(
        "github", PUBLIC_REPO, None, "GHSA-" + ghsa[5:].lower()
    )
    assert json.loads(github.deliveries[0][1])["repository_advisory"]["state"] == "triage"
