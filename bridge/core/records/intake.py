"""Fields a report already carries (a Vultron ``VulnerabilityReport``): its ``name`` is the
title, its ``content`` (else ``summary``) the description, and a named ``attributedTo`` the
finder's credit. Used until the team first edits the fields (``bridge.store.fields``)."""

from __future__ import annotations

from typing import Any

from bridge.core.records.fields import CaseFields, Credit


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict):  # a language map: the first value
        return next((v.strip() for v in value.values() if isinstance(v, str) and v.strip()),
                    None)
    return None


def from_report(report: dict[str, Any] | None) -> CaseFields:
    """The fields of a report document (wire form, camelCase); empty for anything else."""
    if not isinstance(report, dict):
        return CaseFields()
    title = _text(report.get("name")) or _text(report.get("nameMap"))
    description = (_text(report.get("content")) or _text(report.get("contentMap"))
                   or _text(report.get("summary")))
    who = report.get("attributedTo")
    credit = _text(who.get("name")) if isinstance(who, dict) else None
    return CaseFields(title=title[:4000] if title else None, description=description,
                      credits=(Credit(credit, "finder"),) if credit else ())

