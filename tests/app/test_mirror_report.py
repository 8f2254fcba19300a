"""Offer(VulnerabilityReport) → exactly one private issue, whatever happens on the way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bridge.app import process
from bridge.core.markers import has_marker
from bridge.store import audit, db, links, state
from tests.support.app_env import FINDER, VENDOR_BASE, Env, make_env, offer

REPORT = "https://finder.example/reports/1"
CANARY = "CANARY-91c2 stack smash in tiff_read()"


def make_pending(env: Env) -> None:
    """As if the worker died after its writes but before recording the result."""
    with db.transaction(env.rt.sessions) as session:
        session.execute(text("UPDATE inbound SET status='pending', finished_at=NULL"))


def _github_issues(env: Env, project: str) -> list[Any]:
    return env.tracker.fake.issues_of(project)


def test_offer_becomes_one_private_issue_with_state(env: Env) -> None:
    assert env.post(offer(content=CANARY, affectedProducts=["libtiff 4.6"])).status_code == 202
    assert env.work() == ["done"]
    issues = _github_issues(env, "acme/embargoed")
    assert len(issues) == 1
    issue = issues[0]
    assert issue.title == "Vulnerability report: FDR-1"
    assert CANARY in issue.body and FINDER in issue.body and "libtiff 4.6" in issue.body
    assert has_marker(issue.body, REPORT)
    assert issue.labels == ["vultron:received"]
    assert not _github_issues(env, "acme/widget")
    with env.rt.sessions() as session:
        [link] = links.links_for_subject(session, REPORT)
        assert (link.ref, link.relation.value) == ("github:acme/embargoed#1", "mirrors")
        case = state.get_case(session, REPORT)
        assert case is not None and (case.em_state, case.cs_state) == ("NONE", "Vfd.pxa")
        assert case.data["kind"] == "report" and case.data["finder"] == FINDER
        stored_offer = state.get_object(session, case.data["offer_id"])
        assert stored_offer is not None and stored_offer.data["type"] == "Offer"
        people = {p.actor: p.rm_state for p in state.participants_for_case(session, REPORT)}
    assert people == {f"{VENDOR_BASE}/actors/vendor": "RECEIVED", FINDER: "ACCEPTED"}
    kinds = env.audit_kinds()
    assert kinds == ["inbox.accepted", "mirror.report", "input.done"]
    with env.rt.sessions() as session:
        entries = list(audit.export(session))
    assert all(CANARY not in json.dumps(e) for e in entries)


def test_twenty_redeliveries_make_one_issue(env: Env) -> None:
    for _ in range(20):
        assert env.post(offer()).status_code == 202
    assert env.work() == ["done"]
    assert len(_github_issues(env, "acme/embargoed")) == 1


def test_concurrent_redeliveries_make_one_issue(env: Env) -> None:
    assert set(env.post_concurrently(offer(), 20)) == {202}
    assert env.work() == ["done"]
    assert len(_github_issues(env, "acme/embargoed")) == 1


def test_reprocessing_after_a_crash_makes_no_second_issue(env: Env) -> None:
    env.post(offer())
    assert env.work() == ["done"]
    # the worker "crashed" before recording the result: the row comes back as pending
    make_pending(env)
    assert env.work() == ["done"]
    assert len(_github_issues(env, "acme/embargoed")) == 1
    with env.rt.sessions() as session:
        assert len(links.links_for_subject(session, REPORT)) == 1
    assert env.audit_kinds().count("mirror.report") == 1


def test_a_second_offer_of_the_same_report_reuses_the_issue(env: Env) -> None:
    env.post(offer())
    other = offer()
    other["id"] = "https://finder.example/activities/offer-1-again"
    env.post(other)
    assert env.work() == ["done", "done"]
    assert len(_github_issues(env, "acme/embargoed")) == 1


def test_advisory_mode_makes_one_draft_advisory(tmp_path: Path) -> None:
    with make_env(tmp_path, mode="advisory") as env:
        for _ in range(3):
            env.post(offer(content=CANARY))
        assert env.work() == ["done"]
        repo = env.tracker.fake.repos["acme/widget"]
        assert len(repo.advisories) == 1 and not repo.issues
        [advisory] = repo.advisories.values()
        assert advisory.state == "draft" and CANARY in advisory.description
        with env.rt.sessions() as session:
            [link] = links.links_for_subject(session, REPORT)
        assert link.ref == f"github:acme/widget@{advisory.ghsa_id}"
        # reprocessing finds the advisory by its marker
        make_pending(env)
        assert env.work() == ["done"]
        assert len(repo.advisories) == 1


def test_gitlab_confidential_issue(tmp_path: Path) -> None:
    with make_env(tmp_path, kind="gitlab", mode="confidential_issue") as env:
        for _ in range(5):
            env.post(offer(content=CANARY))
        assert env.work() == ["done"]
        make_pending(env)
        assert env.work() == ["done"]
        issues = env.tracker.fake.issues_in("acme/widgets")
        assert len(issues) == 1
        assert issues[0].confidential is True and CANARY in issues[0].description
        with env.rt.sessions() as session:
            [link] = links.links_for_subject(session, REPORT)
        assert link.ref == "gitlab:acme/widgets#1"


def test_a_public_destination_is_refused_with_an_alarm(tmp_path: Path) -> None:
    with make_env(tmp_path, project="acme/widget") as env:  # private_issue mode, public repo
        response = env.post(offer(content=CANARY))
        assert response.status_code == 202 and CANARY not in response.text
        assert env.work() == ["failed"]
        assert not _github_issues(env, "acme/widget")
        assert not _github_issues(env, "acme/embargoed")
        [(status, error)] = env.inbound_rows()
        assert status == "failed" and "not_private" in (error or "")
        assert "privacy.refused" in env.audit_kinds()
        assert len(env.alarms.texts) == 1
        alarm = env.alarms.texts[0]
        assert REPORT in alarm and "NOT written" in alarm and CANARY not in alarm
        with env.rt.sessions() as session:
            assert links.links_for_subject(session, REPORT) == []
            assert state.get_case(session, REPORT) is None


@pytest.mark.parametrize("shape", ["by-reference", "no-id"])
def test_offers_that_cannot_be_mirrored_are_ignored_with_a_reason(env: Env, shape: str) -> None:
    activity = offer()
    if shape == "by-reference":
        activity["object"] = REPORT
    else:
        del activity["object"]["id"]
    env.post(activity)
    assert env.work() == ["done"]
    [(status, reason)] = env.inbound_rows()
    assert status == "ignored" and reason
    assert not _github_issues(env, "acme/embargoed")


def test_the_worker_handler_is_registered_for_inbox_and_dispatch() -> None:
    from bridge.app import mirror

    process.HANDLERS.clear()
    assert process._handler("inbox:vendor") is mirror.handle_activity
    assert process._handler("dispatch:github") is mirror.handle_activity


def _searches(env: Env) -> int:
    """Marker lookups on the fake: the search API and the listing fallback."""
    return env.tracker.requests_to("GET", "/search/issues") + env.tracker.requests_to(
        "GET", "/repos/acme/embargoed/issues")


def test_a_first_attempt_creates_without_searching_for_the_marker(env: Env) -> None:
    env.post(offer())
    assert env.work() == ["done"]
    assert len(_github_issues(env, "acme/embargoed")) == 1
    assert _searches(env) == 0
    with env.rt.sessions() as session:
        intent = state.get_object(
            session, f"urn:vultron-bridge:ensure:github:acme/embargoed:{REPORT}")
    assert intent is not None and intent.type == "EnsureIntent"


def test_a_crash_between_create_and_link_is_found_again_by_another_input(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bridge.app import mirror_report
    from bridge.core.errors import TransientError

    real = mirror_report.links.add_link

    def lost(*args: Any, **kwargs: Any) -> bool:
        raise TransientError("the database went away after the issue was created")

    monkeypatch.setattr(mirror_report.links, "add_link", lost)
    env.post(offer())
    assert env.work() == ["retry"]  # the issue exists, the link does not
    assert len(_github_issues(env, "acme/embargoed")) == 1
    monkeypatch.setattr(mirror_report.links, "add_link", real)
    again = offer()
    again["id"] = "https://finder.example/activities/offer-1-redelivered"
    env.post(again)  # a new input (first attempt) for the same report: its intent is recorded
    assert env.work() == ["done"]
    assert _searches(env) >= 1
    assert len(_github_issues(env, "acme/embargoed")) == 1
    with env.rt.sessions() as session:
        [link] = links.links_for_subject(session, REPORT)
    assert link.ref == "github:acme/embargoed#1"
