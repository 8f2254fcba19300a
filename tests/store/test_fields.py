"""The case's publication fields in the store: saved, edited, carried over from its report."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bridge.core.records.edit import parse_edit
from bridge.core.records.fields import CaseFields, Credit
from bridge.store.db import transaction
from bridge.store.fields import edit_fields, load_fields, save_fields
from bridge.store.state import get_case, put_case, put_object
from tests.core.records.samples import complete
from tests.store.dbutil import Database

CASE = "https://bridge.example/cases/1"
REPORT = "https://finder.example/reports/1"
OFFER = "https://finder.example/offers/1"


def _case(s: Session, data: dict[str, object]) -> None:
    put_case(s, CASE, em_state="ACTIVE", cs_state="VFd.pxa", embargo_end=5.0,
             data={"kind": "case", **data}, now=1.0)


def test_saved_fields_load_and_keep_the_case_state(db: Database) -> None:
    with transaction(db.factory) as s:
        _case(s, {"owner": "us"})
        save_fields(s, CASE, complete(), 2.0)
    with transaction(db.factory) as s:
        assert load_fields(s, CASE) == complete()
        record = get_case(s, CASE)
        assert record is not None
        assert (record.em_state, record.embargo_end, record.data["owner"]) == ("ACTIVE", 5.0, "us")


def test_edits_apply_in_order(db: Database) -> None:
    with transaction(db.factory) as s:
        _case(s, {})
        edit_fields(s, CASE, [parse_edit("set", "cve CVE-2026-1111"),
                              parse_edit("set", "title First")], 2.0)
        edit_fields(s, CASE, [parse_edit("set", "title Second")], 3.0)
    with transaction(db.factory) as s:
        fields = load_fields(s, CASE)
    assert (fields.cve_id, fields.title) == ("CVE-2026-1111", "Second")


def test_a_case_without_fields_takes_its_reports(db: Database) -> None:
    with transaction(db.factory) as s:
        put_case(s, REPORT, em_state="NONE", cs_state="vfd.pxa", embargo_end=None,
                 data={"kind": "report", "fields": {"title": "set on the report"}}, now=1.0)
        _case(s, {"reports": [REPORT]})
    with transaction(db.factory) as s:
        assert load_fields(s, CASE).title == "set on the report"


def test_unedited_fields_come_from_the_report_document(db: Database) -> None:
    report = {"type": "VulnerabilityReport", "id": REPORT, "name": "XSS in preview",
              "content": "Steps: …", "attributedTo": {"type": "Person", "name": "Jane"}}
    with transaction(db.factory) as s:
        put_object(s, OFFER, "Offer", {"type": "Offer", "id": OFFER, "object": report}, 1.0)
        _case(s, {"offer_id": OFFER})
    with transaction(db.factory) as s:
        fields = load_fields(s, CASE)
        assert (fields.title, fields.description, fields.credits) == (
            "XSS in preview", "Steps: …", (Credit("Jane", "finder"),))
        edit_fields(s, CASE, [parse_edit("unset", "title")], 2.0)
    with transaction(db.factory) as s:  # once edited, the stored fields are all there is
        assert load_fields(s, CASE).title is None


def test_no_row_no_fields(db: Database) -> None:
    with transaction(db.factory) as s:
        save_fields(s, CASE, complete(), 1.0)
        assert load_fields(s, CASE) == CaseFields()
        assert get_case(s, CASE) is None
