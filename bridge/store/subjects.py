"""Which subjects (case and report ids) an issue speaks for: links read with the cases.

A store query over ``links`` and ``state``; the use cases (outbound, guard, tracker authority)
and ``bridge/coord`` all ask it the same way.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bridge.store import links, state
from bridge.store.models import Link


def subjects_for_ref(session: Session, ref: str) -> list[str]:
    """The subjects an issue speaks for: its cases, or else its reports (deduplicated)."""
    found = list(dict.fromkeys(link.subject for link in links.links_for_ref(session, ref)))
    cases = []
    for subject in found:
        record = state.get_case(session, subject)
        if record is not None and record.data.get("kind") == "case":
            cases.append(subject)
    if cases:
        return cases
    out = []
    for subject in found:
        record = state.get_case(session, subject)
        case_id = record.data.get("case_id") if record else None
        out.append(str(case_id) if case_id else subject)
    return list(dict.fromkeys(out))


def _linked_refs(subjects: list[str] | None) -> Select[str]:
    query = select(Link.ref).distinct()
    return query if subjects is None else query.where(Link.subject.in_(subjects))


def linked_refs_after(session: Session, subjects: list[str] | None, after: str,
                      limit: int) -> list[str]:
    """Up to ``limit`` distinct refs linked to ``subjects`` (all when ``None``), in order,
    after ``after``: one page of a resumable walk."""
    query = _linked_refs(subjects).where(Link.ref > after).order_by(Link.ref).limit(limit)
    return [str(r) for r in session.scalars(query)]


def count_linked_refs(session: Session, subjects: list[str] | None,
                      up_to: str | None = None) -> int:
    """How many distinct refs are linked to ``subjects`` (all when ``None``); with ``up_to``
    only those ordered at or before it."""
    inner = _linked_refs(subjects)
    if up_to is not None:
        inner = inner.where(Link.ref <= up_to)
    return int(session.scalar(select(func.count()).select_from(inner.subquery())) or 0)
