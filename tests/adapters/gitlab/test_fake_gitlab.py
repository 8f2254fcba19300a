"""The fake GitLab itself: contract conformance, pagination, auth, and the webhooks it sends."""

from __future__ import annotations

import json
from typing import Any

import requests

from adapters.gitlab.webhooks import parse_webhook
from bridge.core.events import EventKind, WebhookResult
from tests.adapters.gitlab.helpers import SIGNING_KEY
from tests.fakes.gitlab.contract import covered, declared_statuses, violations
from tests.fakes.gitlab.harness import BOT_TOKEN, GitLabHarness, contract_violations
from tests.support.servers import Answer, Receiver

HOOK_TOKEN = "hook-token"


def _get(h: GitLabHarness, path: str, **params: Any) -> requests.Response:
    return requests.get(
        f"{h.fake.url}/api/v4{path}", params=params, headers={"PRIVATE-TOKEN": BOT_TOKEN}, timeout=5
    )


def test_contract_checker_rejects_a_wrong_body() -> None:
    template = "/api/v4/projects/{id}/issues/{issue_iid}"
    good = {"id": 1, "iid": 2, "confidential": True, "labels": ["a"], "closed_at": None}
    assert violations("GET", template, 200, good) == []
    for bad in (
        {"iid": "2"},
        {"confidential": "yes"},
        {"labels": "a,b"},
        {"author": {"id": "x"}},
        {"time_stats": {"time_estimate": "1h"}},
    ):
        assert violations("GET", template, 200, bad), bad
    assert violations("GET", "/api/v4/projects/{id}/issues", 200, [good, {"iid": "x"}])
    assert not covered("GET", "/api/v4/user") and not covered("GET", None)
    assert 201 in declared_statuses("POST", "/api/v4/projects/{id}/issues")


def test_every_covered_operation_the_adapter_uses_conforms(gitlab: GitLabHarness) -> None:
    h = gitlab
    a = h.adapter.ensure_private_issue(h.destination, "o1", "T", "B", ["vultron:received"])
    b = h.adapter.ensure_private_issue(h.destination, "o2", "T", "B")
    h.adapter.set_labels(a.ref, ["vultron:valid"], [])
    h.adapter.link(a.ref, b.ref)
    h.adapter.close(a.ref)
    h.adapter.get_issue(a.ref)
    requests.delete(
        f"{h.fake.url}/api/v4/projects/acme%2Fwidgets/issues/2",
        headers={"PRIVATE-TOKEN": "glpat-alice-0000"},
        timeout=5,
    )
    checked, problems = contract_violations(h.fake.responses)
    assert problems == []
    used = {(r.method, r.template) for r in h.fake.responses if covered(r.method, r.template)}
    assert used == {
        ("GET", "/api/v4/projects/{id}/issues"),
        ("POST", "/api/v4/projects/{id}/issues"),
        ("GET", "/api/v4/projects/{id}/issues/{issue_iid}"),
        ("PUT", "/api/v4/projects/{id}/issues/{issue_iid}"),
        ("DELETE", "/api/v4/projects/{id}/issues/{issue_iid}"),
        ("GET", "/api/v4/projects/{id}/issues/{issue_iid}/links"),
        ("POST", "/api/v4/projects/{id}/issues/{issue_iid}/links"),
    }
    assert checked >= 15
    for r in h.fake.responses:
        if covered(r.method, r.template) and r.template and r.status < 300:
            assert r.status in declared_statuses(r.method, r.template)


def test_pagination_headers_like_gitlab(gitlab: GitLabHarness) -> None:
    h = gitlab
    for n in range(5):
        h.fake.seed_issue(h.project, h.bot, title=f"t{n}")
    first = _get(h, "/projects/acme%2Fwidgets/issues", per_page=2, state="opened")
    assert first.status_code == 200 and len(first.json()) == 2
    hd = first.headers
    assert (hd["X-Total"], hd["X-Total-Pages"], hd["X-Page"], hd["X-Per-Page"]) == (
        "5",
        "3",
        "1",
        "2",
    )
    assert hd["X-Next-Page"] == "2" and hd["X-Prev-Page"] == ""
    assert (
        first.links["next"]["url"].startswith(h.fake.url)
        and "state=opened" in first.links["next"]["url"]
    )
    last = requests.get(first.links["last"]["url"], headers={"PRIVATE-TOKEN": BOT_TOKEN}, timeout=5)
    assert len(last.json()) == 1 and last.headers["X-Next-Page"] == "" and "prev" in last.links


def test_unauthenticated_requests_get_401(gitlab: GitLabHarness) -> None:
    answer = requests.get(f"{gitlab.fake.url}/api/v4/user", timeout=5)
    assert answer.status_code == 401 and answer.json() == {"message": "401 Unauthorized"}


def _collect(h: GitLabHarness, **options: Any) -> list[tuple[dict[str, str], bytes]]:
    got: list[tuple[dict[str, str], bytes]] = []

    def sink(headers: dict[str, str], body: bytes) -> int:
        got.append((headers, body))
        return 200

    h.fake.add_hook(sink=sink, token=HOOK_TOKEN, **options)
    return got


def _parse(headers: dict[str, str], body: bytes) -> WebhookResult:
    return parse_webhook(headers, body, tokens=[HOOK_TOKEN])


def test_confidential_triggers_are_off_by_default(gitlab: GitLabHarness) -> None:
    h = gitlab
    got = _collect(h)
    ref = h.adapter.ensure_private_issue(h.destination, "o1", "T", "B").ref
    h.adapter.comment(ref, "internal")
    assert got == []


def test_webhooks_for_the_bridges_own_writes_parse_as_its_echoes(
    gitlab: GitLabHarness,
) -> None:
    h = gitlab
    got = h.deliveries
    ref = h.adapter.ensure_private_issue(h.destination, "o1", "T", "B", ["vultron:received"]).ref
    h.adapter.set_labels(ref, ["vultron:valid"], [])
    h.adapter.comment(ref, "/vultron status")  # written defused: the bot issues no command
    h.adapter.close(ref)
    results = h.parsed_webhooks()
    assert [hd["X-Gitlab-Event"] for hd, _ in got] == [
        "Confidential Issue Hook",
        "Confidential Issue Hook",
        "Confidential Note Hook",
        "Confidential Issue Hook",
    ]
    kinds = [[(e.kind, e.label) for e in r.events] for r in results]
    assert kinds == [
        [(EventKind.OPENED, None), (EventKind.LABELED, "vultron:received")],
        [(EventKind.LABELED, "vultron:valid"), (EventKind.UNLABELED, "vultron:received")],
        [(EventKind.COMMENTED, None)],
        [(EventKind.CLOSED, None)],
    ]
    assert h.fake.issue(ref.project, ref.number).notes[-1].body.startswith("\\/vultron status")
    events = [e for r in results for e in r.events]
    assert {e.actor for e in events} == {h.adapter.bot_identity()}
    assert all(e.ref == ref and e.private is True for e in events)
    assert results[2].events[0].internal is True
    assert len({r.delivery_id for r in results}) == 4


def test_made_public_in_the_ui_reaches_plain_issue_hooks(gitlab: GitLabHarness) -> None:
    h = gitlab
    ref = h.adapter.ensure_private_issue(h.destination, "o1", "T", "B").ref
    got = _collect(h)
    h.fake.set_confidential(h.project, ref.number or 0, False, by=h.human)
    ((headers, body),) = got
    (event,) = _parse(headers, body).events
    assert event.kind is EventKind.MADE_PUBLIC and event.actor == "alice"


def test_resend_keeps_the_idempotency_key(gitlab: GitLabHarness) -> None:
    h = gitlab
    h.adapter.ensure_private_issue(h.destination, "o1", "T", "B")
    again = h.fake.resend(h.fake.deliveries[0])
    (first_headers, body), (second_headers, _) = h.deliveries
    assert first_headers["X-Gitlab-Webhook-UUID"] != second_headers["X-Gitlab-Webhook-UUID"]
    first, second = h.parsed_webhooks()
    assert first.delivery_id == second.delivery_id == first_headers["Idempotency-Key"]
    assert again.status == 200


def test_signed_deliveries_to_a_url(gitlab: GitLabHarness) -> None:
    h = gitlab
    with Receiver(answers={"/hooks/gitlab": Answer(202)}) as sink:
        h.fake.add_hook(
            url=f"{sink.base}/hooks/gitlab",
            signing_key=SIGNING_KEY,
            confidential_issues_events=True,
        )
        h.adapter.ensure_private_issue(h.destination, "o1", "T", "B")
    received = [
        parse_webhook(r.headers, r.body, signing_keys=[SIGNING_KEY], now=h.fake.clock())
        for r in sink.requests
    ]
    (result,) = received
    assert result.events[0].kind is EventKind.OPENED
    (to_url,) = [d for d in h.fake.deliveries if d.hook.url]
    assert to_url.status == 202


def _keys(data: object) -> set[str]:
    assert isinstance(data, dict)
    return set(data)


def test_fake_payloads_are_shaped_like_the_corpus(gitlab: GitLabHarness) -> None:
    """Top-level, project and attribute keys of the fake's hooks match recorded GitLab ones."""
    from tests.adapters.gitlab.helpers import payload

    h = gitlab
    ref = h.adapter.ensure_private_issue(h.destination, "o1", "T", "B").ref
    h.adapter.comment(ref, "note")
    issue_hook, note_hook = (json.loads(body) for _, body in h.deliveries)
    for fake, real in (
        (issue_hook, payload("issue_open.json")),
        (note_hook, payload("note_issue.json")),
    ):
        assert _keys(real) - {"assignees"} <= _keys(fake)
        assert _keys(fake["project"]) == _keys(real["project"])
        shared = {
            "id",
            "iid",
            "title",
            "description",
            "state",
            "confidential",
            "action",
            "url",
            "note",
            "noteable_type",
            "project_id",
            "created_at",
            "updated_at",
        }
        real_attrs = _keys(real["object_attributes"]) & shared
        assert real_attrs - {"action"} <= _keys(fake["object_attributes"])
    assert _keys(payload("note_issue.json")["issue"]) & {"iid", "confidential"} <= _keys(
        note_hook["issue"]
    )
