"""The case view from the store (and live), fix-ready per issue and aggregated."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bridge.coord import caseview
from bridge.core.errors import NotFound, RateLimited
from bridge.core.refs import parse_ref
from bridge.core.tracker import IssueSnapshot
from tests.coord.helpers import ACTOR, put_issue, seed_case, seed_links
from tests.store.dbutil import Database

CASE = "https://coord.example/cases/1"
REPORT = "https://finder.example/reports/1"
END = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(("labels", "state", "relations", "by_fix", "ready"), [
    (("vultron:fix-ready",), "open", ("tracks",), False, True),
    (("vultron:fix-deployed",), "open", ("tracks",), False, True),
    (("vultron:valid",), "open", ("tracks",), False, False),
    ((), "closed", ("fixes",), False, True),
    ((), "closed", ("tracks",), False, False),
    ((), "closed", ("tracks",), True, True),
    ((), "open", ("fixes",), True, False),
])
def test_issue_fix_ready(labels: tuple[str, ...], state: str, relations: tuple[str, ...],
                         by_fix: bool, ready: bool) -> None:
    assert caseview.issue_fix_ready(labels, state, relations, by_fix) is ready


@pytest.mark.parametrize(("policy", "flags", "ready"), [
    ("all", [True, True], True), ("all", [True, False], False), ("any", [False, True], True),
    ("any", [False, False], False), ("all", [], False), ("any", [], False),
])
def test_aggregate(policy: caseview.Policy, flags: list[bool], ready: bool) -> None:
    assert caseview.aggregate(policy, flags) is ready


def _seed(database: Database) -> None:
    seed_case(database, CASE, em="ACTIVE", cs="VFd.pxa", embargo_end=END, reports=(REPORT,),
              participants=((ACTOR, "ACCEPTED"), ("https://other.example/actors/v2", "VALID")))
    seed_links(database, CASE, ["github:acme/widget#1", "gitlab:g/p#2"])
    seed_links(database, CASE, ["github:acme/fix#9"], "fixes")
    seed_links(database, REPORT, ["github:acme/widget#1"], "mirrors")
    put_issue(database, "github:acme/widget#1", state="open", labels=["vultron:fix-ready"])
    put_issue(database, "gitlab:g/p#2", state="open")
    put_issue(database, "github:acme/fix#9", state="closed")


def test_view_from_the_store(db: Database) -> None:
    _seed(db)
    with db.reader() as s:
        view = caseview.build(s, CASE, "all")
    assert (view.kind, view.em_state, view.cs_state) == ("case", "ACTIVE", "VFd.pxa")
    assert view.embargo_end == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert [p.actor for p in view.participants] == [ACTOR, "https://other.example/actors/v2"]
    assert [(i.ref, i.state, i.fix_ready) for i in view.issues] == [
        ("github:acme/fix#9", "closed", True),
        ("github:acme/widget#1", "open", True),
        ("gitlab:g/p#2", "open", False),
    ]
    widget = view.issues[1]
    assert widget.subjects == (CASE, REPORT) and widget.relations == ("mirrors", "tracks")
    assert not view.fix_ready and view.fix_ready_count == 2
    data = view.as_json(ZoneInfo("Europe/Berlin"))
    assert data["embargo_end"] == "2026-03-01T13:00:00+01:00"
    assert data["aggregate"] == {"policy": "all", "fix_ready": False, "issues": 3,
                                 "fix_ready_issues": 2, "trackers": ["github", "gitlab"]}
    with db.reader() as s:
        assert caseview.build(s, CASE, "any").fix_ready


def test_an_issue_never_seen_is_unknown(sqlite_db: Database) -> None:
    seed_links(sqlite_db, CASE, ["github:acme/widget#5"])
    with sqlite_db.reader() as s:
        view = caseview.build(s, CASE, "all")
    # known only from a coordinator's links: a case (a report would be mirrored by the bridge)
    assert view.kind == "case" and view.em_state == "NONE"
    assert [(i.state, i.labels, i.source) for i in view.issues] == [("unknown", (), "store")]


def test_unknown_case_is_not_found(sqlite_db: Database) -> None:
    with sqlite_db.reader() as s, pytest.raises(NotFound):
        caseview.build(s, "https://nowhere.example/cases/0", "all")


def test_live_view_asks_the_trackers(sqlite_db: Database) -> None:
    _seed(sqlite_db)

    def live(ref: str) -> IssueSnapshot:
        if ref == "gitlab:g/p#2":
            raise RateLimited("slow down", retry_after=5)
        if ref == "github:acme/fix#9":
            raise NotFound("gone")
        return IssueSnapshot(ref=parse_ref(ref), title="Widget crash", state="closed",
                             labels=("bug",), private=True)

    with sqlite_db.reader() as s:
        view = caseview.build(s, CASE, "all", live)
    fix, widget, gl = view.issues
    assert (fix.state, fix.source, fix.error) == ("deleted", "live", "not found in the tracker")
    assert (widget.state, widget.labels, widget.title, widget.source) == (
        "closed", ("bug",), "Widget crash", "live")
    assert not widget.fix_ready  # closed, but not a fix relation and no fix label
    assert (gl.source, gl.state) == ("store", "open")
    assert gl.error is not None and gl.error.startswith("rate_limited")


def test_live_reader_uses_the_named_adapter() -> None:
    asked: list[str] = []

    class Adapter:
        def get_issue(self, ref: object) -> IssueSnapshot:
            asked.append(str(ref))
            return IssueSnapshot(ref=parse_ref("github:o/r#1"), title="t", state="open",
                                 private=True)

    names: list[str] = []

    def adapter_for(name: str) -> Adapter:
        names.append(name)
        return Adapter()

    read = caseview.live_reader(adapter_for, parse_ref)
    assert read("github:o/r#1").state == "open"
    assert names == ["github"] and asked == ["github:o/r#1"]
