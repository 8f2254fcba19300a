"""Issue references named in release notes."""

from __future__ import annotations

from bridge.core.mentions import mentioned_refs
from bridge.core.refs import TrackerRef


def test_short_cross_project_and_url_forms() -> None:
    text = (
        "Fixes #12 and acme/other#3; see https://github.com/acme/widget/issues/40 "
        "and https://gitlab.example/g/sub/p/-/issues/7."
    )
    refs = mentioned_refs(text, "github", "acme/widget", ("github.com", "gitlab.example"))
    assert refs == [
        TrackerRef("github", "acme/widget", 40),
        TrackerRef("github", "g/sub/p", 7),
        TrackerRef("github", "acme/widget", 12),
        TrackerRef("github", "acme/other", 3),
    ]


def test_code_spans_fences_unknown_hosts_and_anchors_are_not_mentions() -> None:
    text = "`#5` and\n```\nfix #6\n```\nheading [x](#usage) https://evil.example/a/b/issues/8 C#9"
    assert mentioned_refs(text, "github", "acme/widget", ("github.com",)) == []


def test_parenthesised_pull_request_style_counts() -> None:
    refs = mentioned_refs("Fix overflow (#123)", "github", "a/b")
    assert refs == [TrackerRef("github", "a/b", 123)]


def test_empty_text() -> None:
    assert mentioned_refs(None, "gitlab", "g/p") == []
    assert mentioned_refs("", "gitlab", "g/p") == []
