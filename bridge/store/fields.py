"""The case's publication fields in the store: ``data["fields"]`` of its ``cases`` row
(:func:`bridge.core.records.fields.to_data`).

Reading a subject whose fields were never saved falls back to its report: fields set on the
report's row before the case existed, else what the report document itself says (its title,
description and finder, :mod:`bridge.core.records.intake`); the first edit saves them, and
from then on the stored fields are all there is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from bridge.core.records import intake
from bridge.core.records.edit import Edit, apply_edit
from bridge.core.records.fields import CaseFields, from_data, to_data
from bridge.store import state


def _report_document(session: Session, data: dict[str, Any]) -> dict[str, Any] | None:
    offer_id = data.get("offer_id")
    record = state.get_object(session, str(offer_id)) if offer_id else None
    obj = record.data.get("object") if record else None
    return obj if isinstance(obj, dict) else None


def load_fields(session: Session, subject: str) -> CaseFields:
    """The subject's fields (no row: empty fields)."""
    record = state.get_case(session, subject)
    if record is None:
        return CaseFields()
    data = record.data
    if isinstance(data.get("fields"), dict):
        return from_data(data["fields"])
    for report_id in data.get("reports") or ():
        report = state.get_case(session, str(report_id))
        if report is not None and isinstance(report.data.get("fields"), dict):
            return from_data(report.data["fields"])
    return intake.from_report(_report_document(session, data))


def save_fields(session: Session, subject: str, fields: CaseFields, now: float) -> None:
    """Store ``fields`` on the subject's row, its states kept (a missing row stays missing)."""
    record = state.get_case(session, subject)
    if record is None:
        return
    data = {**record.data, "fields": to_data(fields)}
    state.put_case(session, subject, em_state=record.em_state, cs_state=record.cs_state,
                   embargo_end=record.embargo_end, data=data, now=now)


def edit_fields(session: Session, subject: str, edits: Iterable[Edit],
                now: float) -> CaseFields:
    """Apply ``edits`` to the stored fields, save and return them."""
    fields = load_fields(session, subject)
    for edit in edits:
        fields = apply_edit(fields, edit)
    save_fields(session, subject, fields, now)
    return fields
