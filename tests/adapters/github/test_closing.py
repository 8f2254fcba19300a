"""GitHub's closing keywords in pull request descriptions."""

from __future__ import annotations

import pytest

from adapters.github.closing import closing_refs
from bridge.core.refs import TrackerRef

P = "acme/widget"


def refs(text: str, **kw: object) -> list[str]:
    return [str(r) for r in closing_refs(text, P, **kw)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "keyword",
    [
        "close",
        "closes",
        "closed",
        "fix",
        "fixes",
        "fixed",
        "resolve",
        "resolves",
        "resolved",
        "FIXES",
        "Closes:",
    ],
)
def test_every_closing_keyword(keyword: str) -> None:
    assert refs(f"{keyword} #7") == ["github:acme/widget#7"]


def test_cross_repository_and_url_forms() -> None:
    text = "fixes octo/lib#3, resolves https://github.com/o/r/issues/4"
    assert refs(text) == ["github:octo/lib#3", "github:o/r#4"]


def test_urls_of_other_hosts_are_not_issues_here_unless_configured() -> None:
    text = "fixes https://ghe.example.com/o/r/issues/4"
    assert refs(text) == []
    assert refs(text, web_hosts=["ghe.example.com"]) == ["github:o/r#4"]


@pytest.mark.parametrize(
    "text",
    [
        "see #4",
        "prefixes #4",
        "fixes#4",
        "fixes #0",
        "```\nfixes #4\n```",
        "fixes https://github.com/o/r/pull/4",
        "",
        "fixes issue 4",
    ],
)
def test_things_that_close_nothing(text: str) -> None:
    assert refs(text) == []


def test_duplicates_collapse_and_order_is_kept() -> None:
    assert closing_refs("fixes #2 fixes #1 closes #2", P) == [
        TrackerRef("github", P, 2),
        TrackerRef("github", P, 1),
    ]


def test_tracker_name_is_carried() -> None:
    assert closing_refs("fixes #2", P, tracker="ghe") == [TrackerRef("ghe", P, 2)]
