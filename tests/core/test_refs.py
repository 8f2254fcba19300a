"""Tracker references: every accepted form, URL normalisation, refusals and round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.core.errors import InputError
from bridge.core.refs import (
    ACCEPTED_FORMS,
    RefKind,
    TrackerKind,
    TrackerRef,
    parse_ref,
)

TRACKERS = {"github": TrackerKind.GITHUB, "gitlab": TrackerKind.GITLAB,
            "ghe": TrackerKind.GITHUB, "corp-gl": TrackerKind.GITLAB}
HOSTS = {"github.com": "github", "gitlab.com": "gitlab", "git.corp.example": "corp-gl",
         "ghe.corp.example": "ghe"}


def parse(text: str) -> TrackerRef:
    return parse_ref(text, TRACKERS, HOSTS)


@pytest.mark.parametrize(("text", "expected"), [
    ("github:acme/widget#12", TrackerRef("github", "acme/widget", 12)),
    ("github:Acme-Org/widget.py#1", TrackerRef("github", "Acme-Org/widget.py", 1)),
    ("github:acme/widget@GHSA-2c9f-qm7h-x6jp", TrackerRef("github", "acme/widget", None,
                                                          "GHSA-2c9f-qm7h-x6jp")),
    ("github:acme/widget@ghsa-2C9F-QM7H-X6JP", TrackerRef("github", "acme/widget", None,
                                                          "GHSA-2c9f-qm7h-x6jp")),
    ("gitlab:g/p#5", TrackerRef("gitlab", "g/p", 5)),
    ("gitlab:group/sub/deeper/project#77", TrackerRef("gitlab", "group/sub/deeper/project", 77)),
    ("ghe:team/repo#3", TrackerRef("ghe", "team/repo", 3)),
    ("corp-gl:a/b/c#999999999999", TrackerRef("corp-gl", "a/b/c", 999_999_999_999)),
    ("  github:acme/widget#12\n", TrackerRef("github", "acme/widget", 12)),
])
def test_canonical_forms_parse(text: str, expected: TrackerRef) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(("url", "expected"), [
    ("https://github.com/o/r/issues/12", "github:o/r#12"),
    ("https://github.com/o/r/pull/7", "github:o/r#7"),
    ("https://github.com/o/r/issues/12#issuecomment-1", "github:o/r#12"),
    ("https://github.com/o/r/issues/12/?x=1", "github:o/r#12"),
    ("http://GitHub.com/o/r/issues/3", "github:o/r#3"),
    ("https://github.com/o/r/security/advisories/GHSA-2c9f-qm7h-x6jp",
     "github:o/r@GHSA-2c9f-qm7h-x6jp"),
    ("https://gitlab.com/g/sub/p/-/issues/5", "gitlab:g/sub/p#5"),
    ("https://gitlab.com/g/p/-/work_items/8", "gitlab:g/p#8"),
    ("https://git.corp.example/team/app/-/issues/2", "corp-gl:team/app#2"),
    ("https://ghe.corp.example/team/app/issues/4", "ghe:team/app#4"),
])
def test_web_urls_are_normalised(url: str, expected: str) -> None:
    assert str(parse(url)) == expected


@pytest.mark.parametrize(("text", "why"), [
    ("", "it is empty"),
    ("   ", "it is empty"),
    ("acme/widget#12", "does not start with a tracker name"),
    ("GitHub:acme/widget#12", "does not start with a tracker name"),
    ("jira:ABC-1", "no tracker named 'jira' is configured"),
    ("github:acme#12", "a GitHub project is OWNER/REPO"),
    ("github:a/b/c#12", "a GitHub project is OWNER/REPO"),
    ("github:acme/wid get#12", "a GitHub project is OWNER/REPO"),
    ("gitlab:project#1", "a GitLab project is GROUP"),
    ("gitlab:g/-p#1", "a GitLab project is GROUP"),
    ("github:acme/widget", "names no issue"),
    ("github:acme/widget#0", "positive whole number"),
    ("github:acme/widget#012", "positive whole number"),
    ("github:acme/widget#-1", "positive whole number"),
    ("github:acme/widget#1234567890123", "positive whole number"),
    ("github:acme/widget#\u00b2", "positive whole number"),
    ("github:acme/widget#\u0661", "positive whole number"),
    ("github:acme/widget#12x", "positive whole number"),
    ("gitlab:g/p@GHSA-2c9f-qm7h-x6jp", "only on GitHub trackers"),
    ("github:acme/widget@GHSA-abcd", "an advisory id looks like"),
    ("github:acme/widget@GHSA-aaaa-bbbb-cccc", "an advisory id looks like"),
    ("https://example.com/o/r/issues/1", "is not a configured tracker"),
    ("https://github.com/o/r/commits/1", "not the URL of a GitHub issue"),
    ("https://github.com/o/r/issues", "not the URL of a GitHub issue"),
    ("https://gitlab.com/g/p/-/merge_requests/1", "not the URL of a GitLab issue"),
    ("https://gitlab.com/p/-/issues/1", "a GitLab project is GROUP"),
])
def test_bad_refs_are_refused_with_the_accepted_forms(text: str, why: str) -> None:
    with pytest.raises(InputError) as info:
        parse(text)
    assert why in info.value.reason
    assert ACCEPTED_FORMS in info.value.reason
    assert info.value.status == 400


@pytest.mark.parametrize("text", ["github:acme/widget\n#12", "github:acme\n/widget#1",
                                  "gitlab:g/p\n#1", "github\n:acme/widget#1"])
def test_embedded_newlines_are_refused(text: str) -> None:
    # A ref is printed on one line in tables and logs; a newline inside would forge lines.
    with pytest.raises(InputError):
        parse(text)


def test_long_input_is_clipped_in_the_error() -> None:
    with pytest.raises(InputError) as info:
        parse("github:" + "x" * 5000)
    assert len(info.value.reason) < 600


def test_default_trackers_know_only_github_and_gitlab() -> None:
    assert parse_ref("github:o/r#1") == TrackerRef("github", "o/r", 1)
    with pytest.raises(InputError, match="no tracker named 'ghe'"):
        parse_ref("ghe:o/r#1")


def test_kind_and_str() -> None:
    issue, adv = parse("github:o/r#2"), parse("github:o/r@GHSA-2345-6789-cfgh")
    assert issue.kind is RefKind.ISSUE and adv.kind is RefKind.ADVISORY
    assert str(adv) == "github:o/r@GHSA-2345-6789-cfgh"


def test_issues_and_advisories_of_one_project_sort_together() -> None:
    refs = [parse("github:o/r@GHSA-2345-6789-cfgh"), parse("github:o/r#10"),
            parse("github:o/r#2"), parse("gitlab:a/b#1"), parse("github:a/a#5")]
    assert [str(r) for r in sorted(refs)] == [
        "github:a/a#5", "github:o/r@GHSA-2345-6789-cfgh", "github:o/r#2", "github:o/r#10",
        "gitlab:a/b#1"]
    assert parse("github:o/r#2") <= parse("github:o/r#2")
    assert TrackerRef.__lt__(parse("github:o/r#2"), "x") is NotImplemented


def test_refs_are_hashable_and_equal_by_value() -> None:
    assert {parse("github:o/r#1"), parse("https://github.com/o/r/issues/1")} == {
        TrackerRef("github", "o/r", 1)}


# -- round trips -----------------------------------------------------------------------------

_GH_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
_GHSA_CHARS = "23456789cfghjmpqrvwx"
gh_segment = st.text(_GH_CHARS, min_size=1, max_size=20)
gl_segment = st.builds(lambda a, b: a + b, st.sampled_from(_GH_CHARS.replace("-", "")),
                       st.text(_GH_CHARS, max_size=15))
numbers = st.integers(min_value=1, max_value=999_999_999_999)
ghsa = st.lists(st.text(_GHSA_CHARS, min_size=4, max_size=4), min_size=3, max_size=3).map(
    lambda parts: "GHSA-" + "-".join(parts))

github_refs = st.builds(lambda name, o, r, n: TrackerRef(name, f"{o}/{r}", n),
                        st.sampled_from(["github", "ghe"]), gh_segment, gh_segment, numbers)
advisory_refs = st.builds(lambda name, o, r, g: TrackerRef(name, f"{o}/{r}", None, g),
                          st.sampled_from(["github", "ghe"]), gh_segment, gh_segment, ghsa)
gitlab_refs = st.builds(lambda name, segs, n: TrackerRef(name, "/".join(segs), n),
                        st.sampled_from(["gitlab", "corp-gl"]),
                        st.lists(gl_segment, min_size=2, max_size=5), numbers)
any_ref = st.one_of(github_refs, advisory_refs, gitlab_refs)


@given(any_ref)
def test_parse_of_str_round_trips(ref: TrackerRef) -> None:
    assert parse(str(ref)) == ref
    assert str(parse(str(ref))) == str(ref)


@given(st.text(max_size=60))
def test_arbitrary_text_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        ref = parse(text)
    except InputError as exc:
        assert ACCEPTED_FORMS in exc.reason
    else:
        assert parse(str(ref)) == ref
        assert "\n" not in str(ref)


@given(github_refs)
def test_github_urls_and_refs_agree(ref: TrackerRef) -> None:
    host = "github.com" if ref.tracker == "github" else "ghe.corp.example"
    assert parse(f"https://{host}/{ref.project}/issues/{ref.number}") == ref


@given(gitlab_refs)
def test_gitlab_urls_and_refs_agree(ref: TrackerRef) -> None:
    host = "gitlab.com" if ref.tracker == "gitlab" else "git.corp.example"
    assert parse(f"https://{host}/{ref.project}/-/issues/{ref.number}") == ref
