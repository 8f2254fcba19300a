"""Links between subjects and tracker refs, both lookup directions."""

from __future__ import annotations

import pytest

from bridge.core.errors import InputError
from bridge.core.refs import parse_ref
from bridge.store.db import transaction
from bridge.store.links import (
    LinkRecord,
    Relation,
    add_link,
    add_links,
    links_for_ref,
    links_for_subject,
    remove_link,
)
from tests.store.dbutil import Database

CASE = "https://coord.example/cases/1"
REPORT = "https://finder.example/reports/7"
ISSUE = parse_ref("github:acme/widget#12")
OTHER = "gitlab:acme/group/widget#3"


def test_links_are_many_to_many_and_idempotent(db: Database) -> None:
    with transaction(db.factory) as s:
        assert add_link(s, CASE, ISSUE, Relation.TRACKS, "alice", 10.0)
        assert not add_link(s, CASE, ISSUE, "tracks", "bob", 11.0)
        assert add_link(s, CASE, ISSUE, "fixes", "bob", 12.0)
        assert add_link(s, CASE, OTHER, "tracks", "alice", 13.0)
        assert add_link(s, REPORT, ISSUE, "mirrors", "bridge", 14.0)
    with db.reader() as s:
        assert links_for_subject(s, CASE) == [
            LinkRecord(CASE, "github:acme/widget#12", Relation.FIXES, "bob", 12.0),
            LinkRecord(CASE, "github:acme/widget#12", Relation.TRACKS, "alice", 10.0),
            LinkRecord(CASE, OTHER, Relation.TRACKS, "alice", 13.0),
        ]
        assert [(r.subject, r.relation) for r in links_for_ref(s, "github:acme/widget#12")] == [
            (CASE, Relation.FIXES), (CASE, Relation.TRACKS), (REPORT, Relation.MIRRORS)]
        assert links_for_ref(s, "github:acme/widget#99") == []


def test_remove_link_by_relation_or_all(db: Database) -> None:
    with transaction(db.factory) as s:
        add_link(s, CASE, ISSUE, "tracks", "a", 1.0)
        add_link(s, CASE, ISSUE, "fixes", "a", 1.0)
        add_link(s, CASE, OTHER, "tracks", "a", 1.0)
    with transaction(db.factory) as s:
        assert remove_link(s, CASE, ISSUE, "fixes") == 1
        assert remove_link(s, CASE, ISSUE, "fixes") == 0
        assert remove_link(s, CASE, OTHER) == 1
    with db.reader() as s:
        assert [(r.ref, r.relation) for r in links_for_subject(s, CASE)] == [
            (str(ISSUE), Relation.TRACKS)]


def test_bulk_add_skips_existing_links(db: Database) -> None:
    with transaction(db.factory) as s:
        add_link(s, "case-0", "github:o/r#1", "tracks", "first", 1.0)
        add_links(s, ((f"case-{i % 50}", f"github:o/r#{i}", "tracks", "bulk")
                      for i in range(2500)), 2.0)
        add_links(s, [("case-0", "github:o/r#1", "tracks", "again")], 3.0)
    with db.reader() as s:
        zero = links_for_subject(s, "case-0")
        assert len(zero) == 51
        assert [r.linked_by for r in zero if r.ref == "github:o/r#1"] == ["first"]
        assert len(links_for_ref(s, "github:o/r#2499")) == 1


def test_bad_relations_and_refs_are_input_errors(db: Database) -> None:
    with db.factory() as s:
        with pytest.raises(InputError, match="tracks, mirrors, fixes"):
            add_link(s, CASE, ISSUE, "blocks", "a", 1.0)
        with pytest.raises(InputError, match="tracker ref"):
            add_link(s, CASE, "", "tracks", "a", 1.0)
        with pytest.raises(InputError, match="subject"):
            add_link(s, "", ISSUE, "tracks", "a", 1.0)
