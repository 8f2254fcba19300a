"""GitLab closing patterns in merge request descriptions."""

from __future__ import annotations

import pytest

from adapters.gitlab.closing import MAX_REFS, closed_issues

P, HOST = "grp/app", "gitlab.example"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Closes #12", [("grp/app", 12)]),
        ("closes #12", [("grp/app", 12)]),
        ("Fixes group/proj#3", [("group/proj", 3)]),
        ("Resolves https://gitlab.example/g/p/-/issues/4", [("g/p", 4)]),
        ("Resolved: https://gitlab.example/g/sub/p/issues/5", [("g/sub/p", 5)]),
        ("Fix lib#7", [("grp/lib", 7)]),
        ("Closes #1, #2 and #3", [("grp/app", 1), ("grp/app", 2), ("grp/app", 3)]),
        ("Implements issue #9", [("grp/app", 9)]),
        ("Closing #4 #4", [("grp/app", 4)]),
        ("Related to #5", []),
        ("See #5; fixes nothing", []),
        ("CLOSES #1", []),
        ("Closes https://other.example/g/p/-/issues/4", []),
        ("Fixes https://gitlab.example/g/p/-/merge_requests/4", []),
        ("Prefixes #3", []),
    ],
)
def test_closing_patterns(text: str, expected: list[tuple[str, int]]) -> None:
    assert closed_issues(text, P, HOST) == expected


def test_without_description_or_host() -> None:
    assert closed_issues(None, P, HOST) == []
    assert closed_issues("Closes https://gitlab.example/g/p/-/issues/4", P, None) == []


def test_number_of_refs_is_bounded() -> None:
    text = "Closes " + ", ".join(f"#{n}" for n in range(1, 200))
    assert len(closed_issues(text, P, HOST)) == MAX_REFS
