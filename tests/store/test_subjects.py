"""bridge/store/subjects.py: which subjects an issue speaks for, and the resumable walk over
linked refs that reconcile pages through."""

from __future__ import annotations

from bridge.store import links, state
from bridge.store.db import transaction
from bridge.store.subjects import count_linked_refs, linked_refs_after, subjects_for_ref
from tests.store.dbutil import Database

CASE = "https://coord.example/cases/1"
REPORT = "https://finder.example/reports/7"
LONE = "https://finder.example/reports/8"
A, B, C = "github:acme/widget#1", "github:acme/widget#2", "gitlab:acme/tool#3"


def _seed(db: Database) -> None:
    with transaction(db.factory) as s:
        state.put_case(s, CASE, em_state="NONE", cs_state="vfd.pxa", embargo_end=None,
                       data={"kind": "case"}, now=1.0)
        state.put_case(s, REPORT, em_state="NONE", cs_state="vfd.pxa", embargo_end=None,
                       data={"case_id": CASE}, now=1.0)
        links.add_links(s, [(CASE, A, "tracks", "t"), (REPORT, A, "tracks", "t"),
                            (REPORT, B, "tracks", "t"), (LONE, C, "tracks", "t"),
                            (CASE, C, "fixes", "t")], 1.0)


def test_an_issue_speaks_for_its_cases_else_its_reports_cases(db: Database) -> None:
    _seed(db)
    with db.factory() as s:
        assert subjects_for_ref(s, A) == [CASE]  # the case wins over the report
        assert subjects_for_ref(s, B) == [CASE]  # the report speaks for its case
        assert subjects_for_ref(s, C) == [CASE]
        assert subjects_for_ref(s, "github:acme/widget#9") == []


def test_linked_refs_page_in_order_and_count(db: Database) -> None:
    _seed(db)
    with db.factory() as s:
        assert linked_refs_after(s, None, "", 2) == [A, B]
        assert linked_refs_after(s, None, B, 2) == [C]
        assert linked_refs_after(s, [REPORT], "", 10) == [A, B]
        assert count_linked_refs(s, None) == 3
        assert count_linked_refs(s, [CASE]) == 2
        assert count_linked_refs(s, None, up_to=A) == 1
        assert count_linked_refs(s, [LONE]) == 1
