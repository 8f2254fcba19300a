"""Draft repository security advisories as the destination of report content."""

from __future__ import annotations

import pytest

from adapters.github import advisory_text
from bridge.core.errors import NotPrivateError
from bridge.core.events import EventKind
from bridge.core.markers import has_marker
from tests.fakes.github.harness import BOT, PUBLIC_REPO, GitHubHarness

OBJ = "https://vendor.example/reports/adv-1"


def _ensure(gh: GitHubHarness, labels: tuple[str, ...] = ("vultron:received",)):
    return gh.adapter.ensure_private_issue(
        gh.advisory_destination, OBJ, "SQL injection in widget", "Embargoed details", labels
    )


def _advisory(gh: GitHubHarness, ghsa: str | None):
    assert ghsa is not None
    return gh.fake.repos[PUBLIC_REPO].advisories[ghsa]


def test_creates_a_draft_advisory_carrying_the_marker(github: GitHubHarness) -> None:
    result = _ensure(github)
    assert result.created and result.ref.ghsa and result.ref.project == PUBLIC_REPO
    adv = _advisory(github, result.ref.ghsa)
    assert adv.state == "draft" and adv.summary == "SQL injection in widget"
    assert has_marker(adv.description, OBJ)
    assert advisory_text.read_labels(adv.description) == {"vultron:received"}
    assert adv.vulnerabilities == [{"package": {"ecosystem": "other", "name": "widget"}}]
    assert str(result.ref) == f"github:{PUBLIC_REPO}@{result.ref.ghsa}"


def test_re_creating_finds_the_advisory_by_marker(github: GitHubHarness) -> None:
    first = _ensure(github)
    second = _ensure(github)
    assert second.ref == first.ref and not second.created
    assert len(github.fake.repos[PUBLIC_REPO].advisories) == 1


def test_a_lost_create_answer_is_found_by_marker(github: GitHubHarness) -> None:
    from tests.fakes.github import Fault

    github.fake.inject(Fault("POST", "/security-advisories$", kind="lost"))
    first = _ensure(github)
    assert _ensure(github).ref == first.ref
    assert len(github.fake.repos[PUBLIC_REPO].advisories) == 1
    assert github.requests_to("POST", "/security-advisories") == 1


def test_a_private_report_carrying_the_marker_is_not_adopted(github: GitHubHarness) -> None:
    """Filed through ``POST …/security-advisories/reports`` (here even with the bot's own
    token): GitHub marks it with ``submission`` and its reporter can read and edit it."""
    from bridge.core.markers import marker_for

    _, data = github.adapter._s.gh.requester.requestJsonAndCheck(
        "POST", f"/repos/{PUBLIC_REPO}/security-advisories/reports",
        input={"summary": "s", "description": f"d {marker_for(OBJ)}", "vulnerabilities": []})
    assert data["submission"] == {"accepted": False} and data["author"]["login"] == BOT
    reported = f"GHSA-{str(data['ghsa_id'])[5:].lower()}"
    before = github.fake.repos[PUBLIC_REPO].advisories[data["ghsa_id"]].description
    result = _ensure(github)  # not fresh: the marker is searched for
    assert result.created and result.ref.ghsa != reported
    assert [r.ghsa for r in result.planted] == [reported]
    assert _ensure(github).ref == result.ref
    assert github.fake.repos[PUBLIC_REPO].advisories[data["ghsa_id"]].description == before


def test_labels_live_in_the_description_and_stay_exclusive(github: GitHubHarness) -> None:
    ref = _ensure(github).ref
    github.adapter.set_labels(ref, ["vultron:accepted", "vultron:embargo-active"], [])
    snap = github.adapter.get_issue(ref)
    assert snap.labels == ("vultron:accepted", "vultron:embargo-active")
    assert snap.private and snap.state == "draft"
    assert has_marker(_advisory(github, ref.ghsa).description, OBJ)  # marker survives


def test_comments_become_notes_once_per_marker(github: GitHubHarness) -> None:
    ref = _ensure(github).ref
    github.adapter.comment(ref, "Vendor engaged.", marker_id="act-1")
    github.adapter.comment(ref, "Vendor engaged.", marker_id="act-1")
    github.adapter.link(ref, ref.__class__("gitlab", "g/p", 3))
    text = _advisory(github, ref.ghsa).description
    assert text.count("Vendor engaged.") == 1
    assert "gitlab:g/p#3" in text


def test_a_published_advisory_refuses_report_content(github: GitHubHarness) -> None:
    ref = _ensure(github).ref
    github.adapter.publish_advisory(ref)
    assert github.adapter.get_issue(ref).state == "published"
    with pytest.raises(NotPrivateError, match="published"):
        github.adapter.comment(ref, "late embargoed detail", marker_id="x")
    assert "late embargoed" not in _advisory(github, ref.ghsa).description
    published = [
        e
        for w in github.parsed_webhooks()
        for e in w.events
        if e.kind is EventKind.ADVISORY_PUBLISHED
    ]
    assert [e.ref for e in published] == [ref]


def test_close_reopen_and_cve_request(github: GitHubHarness) -> None:
    ref = _ensure(github).ref
    github.adapter.close(ref)
    assert github.adapter.get_issue(ref).state == "closed"
    github.adapter.reopen(ref)
    assert github.adapter.get_issue(ref).state == "draft"
    github.adapter.request_cve(ref)
    assert _advisory(github, ref.ghsa).cve_requested


def test_configured_severity_and_ecosystem(github: GitHubHarness) -> None:
    from adapters.github.adapter import GitHubAdapter
    from tests.fakes.github.harness import TOKEN

    adapter = GitHubAdapter.connect(
        github.fake.base_url,
        token=TOKEN,
        timeout=1,
        advisory_severity="high",
        advisory_ecosystem="pip",
    )
    ref = adapter.ensure_private_issue(github.advisory_destination, "o2", "s", "d").ref
    adv = _advisory(github, ref.ghsa)
    assert adv.severity == "high" and adv.vulnerabilities[0]["package"]["ecosystem"] == "pip"


def test_case_fields_are_written_into_a_draft_advisory_and_not_once_published(
        github: GitHubHarness) -> None:
    from bridge.core.records.ghsa import advisory_fields
    from tests.core.records.samples import complete

    ref = _ensure(github).ref
    github.adapter.set_advisory_fields(ref, advisory_fields(complete()))
    adv = _advisory(github, ref.ghsa)
    assert (adv.summary, adv.cve_id, adv.cwe_ids) == (
        "Stored XSS in the widget preview", "CVE-2026-10001", ["CWE-79"])
    assert adv.cvss_vector_string == "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"
    assert adv.vulnerabilities[0]["package"] == {"ecosystem": "pip", "name": "example-widget"}
    assert adv.vulnerabilities[0]["patched_versions"] == "1.4.2"
    assert has_marker(adv.description, OBJ)  # the description (report, state) is untouched
    patches = github.requests_to("PATCH", "/security-advisories/")
    github.adapter.set_advisory_fields(ref, advisory_fields(complete()))  # the same again
    assert github.requests_to("PATCH", "/security-advisories/") == patches
    github.adapter.publish_advisory(ref)
    with pytest.raises(NotPrivateError, match="published"):
        github.adapter.set_advisory_fields(ref, {"summary": "changed after publication"})
    assert _advisory(github, ref.ghsa).summary == "Stored XSS in the widget preview"
