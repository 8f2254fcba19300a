"""Private by construction, against a real tracd: a security ticket the bridge wrote shows
none of its content to an anonymous visitor or to a logged-in user without SECURITY_VIEW —
its page and every export, the query and report exports, the timeline, search, the roadmap —
while a holder of SECURITY_VIEW sees it (so the checks can fail)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bridge.core.errors import NotPrivateError
from bridge.core.markers import marker_token
from tests.adapters.trac.fixtures import TracProject
from tests.adapters.trac.tracd import TOKEN

CANARY = "CANARY-7f3e1c"
WORD = "zorblaxian"
"""A word of the content that searches ask for (a page may echo the query, never the canary)."""


def _pages(env: str, number: int) -> list[str]:
    t = f"/{env}/ticket/{number}"
    return [
        t, f"{t}?format=csv", f"{t}?format=tab", f"{t}?format=rss", f"{t}?version=1",
        f"{t}?action=history", f"{t}?action=diff&version=1",
        f"/{env}/query?status=!closed&format=csv&col=id&col=summary&col=description"
        "&col=keywords",
        f"/{env}/query?status=!closed&format=tab&col=summary&col=description",
        f"/{env}/query?status=!closed&format=rss",
        f"/{env}/query?summary=~{WORD}",
        *(f"/{env}/report/{n}{fmt}" for n in range(1, 9) for fmt in ("", "?format=csv",
                                                                     "?format=rss")),
        f"/{env}/timeline?ticket=on&daysback=90",
        f"/{env}/timeline?ticket=on&ticket_details=on&daysback=90&format=rss",
        f"/{env}/search?q={WORD}&ticket=on",
        f"/{env}/search?q=%23{number}",
        f"/{env}/search/opensearch",
        f"/{env}/roadmap", f"/{env}/milestone/milestone1",
        f"/{env}/attachment/ticket/{number}/",
        f"/{env}/vultron/api/tickets/{number}",
        f"/{env}/vultron/api/tickets?marker={marker_token('urn:report:private')}",
    ]


@pytest.fixture
def written(trac_project: TracProject) -> Iterator[tuple[TracProject, int]]:
    adapter = trac_project.adapter()
    ref = adapter.ensure_private_issue(
        trac_project.destination, "urn:report:private", f"Report {WORD} {CANARY}",
        f"Details {CANARY} of the {WORD} flaw", ["vultron:received"]).ref
    adapter.comment(ref, f"Embargoed comment {CANARY}", marker_id="note-1")
    adapter.set_labels(ref, ["vultron:valid"], [])
    assert ref.number is not None
    yield trac_project, ref.number


def _leaks(client: httpx.Client, env: str, number: int) -> dict[str, int]:
    leaked = {}
    for path in _pages(env, number):
        answer = client.get(path)
        if CANARY in answer.text or marker_token("urn:report:private") in answer.text:
            leaked[path] = answer.status_code
    return leaked


def test_anonymous_sees_no_report_content(written: tuple[TracProject, int]) -> None:
    project, number = written
    with httpx.Client(base_url=project.server.url, timeout=30) as anonymous:
        assert _leaks(anonymous, project.name, number) == {}
        assert anonymous.get(f"/{project.name}/ticket/{number}").status_code == 403


def test_a_logged_in_user_without_security_view_sees_none(
        written: tuple[TracProject, int]) -> None:
    project, number = written
    with project.server.login("mallory") as mallory:
        assert _leaks(mallory, project.name, number) == {}
        # a session cookie is no API credential either
        assert mallory.get(f"/{project.name}/vultron/api/tickets/{number}").status_code == 401


def test_a_holder_of_security_view_sees_it(written: tuple[TracProject, int]) -> None:
    project, number = written
    with project.server.login("alice") as alice:
        page = alice.get(f"/{project.name}/ticket/{number}")
        assert page.status_code == 200 and CANARY in page.text
        assert CANARY in alice.get(f"/{project.name}/search?q={WORD}&ticket=on").text
        leaked = _leaks(alice, project.name, number)
        assert f"/{project.name}/ticket/{number}?format=csv" in leaked


def test_the_api_refuses_a_wrong_token(written: tuple[TracProject, int]) -> None:
    project, number = written
    url = f"{project.server.url}/{project.name}/vultron/api/tickets/{number}"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        answer = httpx.get(url, headers=headers, timeout=30)
        assert answer.status_code == 401 and CANARY not in answer.text


def test_a_ticket_made_public_is_refused_content(written: tuple[TracProject, int]) -> None:
    project, number = written
    adapter = project.adapter()
    ref = adapter.get_issue(
        adapter.ensure_private_issue(project.destination, "urn:report:private", "R", "b").ref)
    assert ref.private
    project.make_public(ref.ref)
    assert not adapter.get_issue(ref.ref).private
    with pytest.raises(NotPrivateError, match="not private"):
        adapter.comment(ref.ref, f"more {CANARY}")
    assert not any("more" in c for c in project.comments(ref.ref))


def test_comment_says_whether_it_wrote(trac_project: TracProject) -> None:
    adapter = trac_project.adapter()
    ref = adapter.ensure_private_issue(trac_project.destination, "urn:report:c", "R", "b").ref
    assert adapter.comment(ref, "once", marker_id="m-1") is True
    assert adapter.comment(ref, "once", marker_id="m-1") is False
    assert sum("once" in c for c in trac_project.comments(ref)) == 1
