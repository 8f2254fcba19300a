"""Links with their audit entries, moves, and the breadth-first walk (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from bridge.coord import graph, linking
from bridge.coord.linking import RefSyntax
from bridge.core.errors import InputError
from bridge.core.refs import TrackerKind, parse_ref
from bridge.store import audit, links
from bridge.store.db import transaction
from tests.coord.helpers import seed_case, seed_links
from tests.store.dbutil import Database

CASE = "https://coord.example/cases/1"
REPORT = "https://finder.example/reports/7"
A, B, C = (parse_ref(t) for t in ("github:acme/widget#1", "gitlab:g/sub/p#2", "github:o/r#3"))


def _audit(database: Database, subject: str) -> list[tuple[str, dict[str, object]]]:
    with database.reader() as s:
        return [(e["kind"], e["data"]) for e in audit.entries_for(s, subject)]


def test_link_creates_each_link_once_and_audits_it(db: Database) -> None:
    with _tx(db) as s:
        first = linking.link(s, CASE, [A, B, A], "tracks", "alice", 10.0)
    assert [(r.ref, r.changed) for r in first] == [(str(A), True), (str(B), True)]
    with _tx(db) as s:
        again = linking.link(s, CASE, [A], "tracks", "bob", 11.0)
        fixes = linking.link(s, CASE, [A], "fixes", "bob", 12.0)
    assert [r.changed for r in again] == [False] and [r.changed for r in fixes] == [True]
    entries = _audit(db, CASE)
    assert [k for k, _ in entries] == ["link.added"] * 3
    assert entries[0][1] == {"ref": str(A), "relation": "tracks", "by": "alice", "via": "cli"}
    assert entries[2][1]["relation"] == "fixes"


def _tx(database: Database):  # type: ignore[no-untyped-def]
    return transaction(database.factory)


def test_unlink_removes_one_relation_or_all_and_audits(db: Database) -> None:
    with _tx(db) as s:
        linking.link(s, CASE, [A], "tracks", "alice", 1.0)
        linking.link(s, CASE, [A], "fixes", "alice", 1.0)
        linking.link(s, CASE, [B], "tracks", "alice", 1.0)
    with _tx(db) as s:
        one = linking.unlink(s, CASE, A, "fixes", "bob", 2.0)
        none = linking.unlink(s, CASE, C, None, "bob", 2.0)
        rest = linking.unlink(s, CASE, A, None, "bob", 3.0, via="api:x", reason="typo")
    assert [(r.relation.value, r.changed) for r in one] == [("fixes", True)]
    assert none == []
    assert [r.relation.value for r in rest] == ["tracks"]
    with db.reader() as s:
        assert [r.ref for r in links.links_for_subject(s, CASE)] == [str(B)]
    removed = [d for k, d in _audit(db, CASE) if k == "link.removed"]
    assert removed[-1] == {"ref": str(A), "relation": "tracks", "by": "bob", "via": "api:x",
                           "reason": "typo"}


def test_a_failed_transaction_leaves_neither_link_nor_audit(db: Database) -> None:
    with pytest.raises(InputError), _tx(db) as s:
        linking.link(s, CASE, [A], "tracks", "alice", 1.0)
        linking.link(s, CASE, [B], "nonsense", "alice", 1.0)
    with db.reader() as s:
        assert links.links_for_subject(s, CASE) == [] and audit.length(s) == 0


def test_move_points_every_link_at_the_new_ref(db: Database) -> None:
    with _tx(db) as s:
        linking.link(s, CASE, [A], "tracks", "alice", 1.0)
        linking.link(s, REPORT, [A], "mirrors", "bridge", 1.0)
    with _tx(db) as s:
        assert linking.move(s, A, C, "reconcile", 5.0) == 2
    with db.reader() as s:
        assert links.links_for_ref(s, A) == []
        moved = links.links_for_ref(s, C)
    assert [(r.subject, r.relation.value, r.linked_by) for r in moved] == [
        (CASE, "tracks", "alice"), (REPORT, "mirrors", "bridge")]
    kinds = [(k, d.get("reason")) for k, d in _audit(db, REPORT)]
    assert kinds[-2:] == [("link.removed", "moved"), ("link.added", "moved")]


@pytest.mark.parametrize("subject", ["", "has space", "tab\there", "x" * 1001, "nl\n"])
def test_bad_subjects_are_refused(subject: str) -> None:
    with pytest.raises(InputError, match="a subject is a report or case id"):
        linking.check_subject(subject)


@pytest.mark.parametrize(("by", "why"), [("", "1 to 200"), ("a\x07", "control")])
def test_bad_linker_names_are_refused(by: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        linking.check_by(by)


def test_link_needs_refs_and_caps_them(sqlite_db: Database) -> None:
    with _tx(sqlite_db) as s:
        with pytest.raises(InputError, match="at least one"):
            linking.link(s, CASE, [], "tracks", "a", 1.0)
        many = [parse_ref(f"github:o/r#{i}") for i in range(1, linking.MAX_REFS + 2)]
        with pytest.raises(InputError, match="at most"):
            linking.link(s, CASE, many, "tracks", "a", 1.0)


def test_ref_syntax_tells_refs_from_subjects() -> None:
    syntax = RefSyntax({"github": TrackerKind.GITHUB, "ghe": TrackerKind.GITHUB},
                       {"github.com": "github", "ghe.corp": "ghe"})
    assert syntax.looks_like_ref("github:acme/widget")  # malformed, but meant as a ref
    assert syntax.looks_like_ref("https://ghe.corp/o/r/issues/1")
    assert syntax.looks_like_ref("https://user@GitHub.com:443/o/r/issues/1")
    assert not syntax.looks_like_ref("https://coord.example/cases/1")
    assert not syntax.looks_like_ref("urn:uuid:1234")
    with pytest.raises(InputError, match="accepted forms"):
        linking.parse_refs(syntax, ["github:o/r#1", "github:o/r"])


# -- the walk ---------------------------------------------------------------------------------

def _setup_graph(database: Database) -> None:
    seed_case(database, CASE, reports=(REPORT,))
    seed_links(database, REPORT, [str(A)], "mirrors")
    seed_links(database, CASE, [str(A), str(B)])
    seed_links(database, "https://other.example/cases/9", [str(B), str(C)])


def test_depth_one_lists_direct_links_both_ways(db: Database) -> None:
    _setup_graph(db)
    with db.reader() as s:
        from_subject = graph.walk(s, "subject", CASE, 1)
        from_ref = graph.walk(s, "ref", str(B), 1)
    assert sorted(r.ref for r in from_subject.links) == [str(A), str(B)]
    assert from_subject.case_of == [(REPORT, CASE)]
    assert sorted(r.subject for r in from_ref.links) == [
        "https://coord.example/cases/1", "https://other.example/cases/9"]


def test_deeper_walks_reach_further_without_cycles(db: Database) -> None:
    _setup_graph(db)
    with db.reader() as s:
        walked = graph.walk(s, "subject", REPORT, 4)
    ids = {(n.kind, n.id): n.distance for n in walked.nodes}
    assert ids[("subject", REPORT)] == 0
    assert ids[("ref", str(A))] == 1 and ids[("subject", CASE)] == 1
    assert ids[("ref", str(B))] == 2
    assert ids[("subject", "https://other.example/cases/9")] == 3
    assert ids[("ref", str(C))] == 4
    assert len(walked.nodes) == len(ids)  # each node once
    keys = [(r.subject, r.ref, r.relation.value) for r in walked.links]
    assert len(keys) == len(set(keys)) == 5
    with db.reader() as s:
        shallow = graph.walk(s, "subject", REPORT, 2)
    assert ("subject", "https://other.example/cases/9") not in {
        (n.kind, n.id) for n in shallow.nodes}


def test_walk_hides_subjects_the_caller_may_not_see(db: Database) -> None:
    _setup_graph(db)
    with db.reader() as s:
        walked = graph.walk(s, "ref", str(B), 3, visible=lambda sub: sub == CASE)
    assert {r.subject for r in walked.links} == {CASE}
    assert all(n.id != str(C) for n in walked.nodes)


def test_walk_depth_is_bounded(sqlite_db: Database) -> None:
    with sqlite_db.reader() as s, pytest.raises(InputError, match="depth"):
        graph.walk(s, "subject", CASE, 11)


def test_walk_json_shape(sqlite_db: Database) -> None:
    _setup_graph(sqlite_db)
    with sqlite_db.reader() as s:
        data = graph.walk(s, "ref", str(A), 1).as_json()
    assert data["start"] == {"kind": "ref", "id": str(A)}
    assert {d["subject"] for d in data["links"]} == {CASE, REPORT}
    assert data["truncated"] is False
