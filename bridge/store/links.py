"""Links between subjects (report and case ids) and tracker refs: many-to-many.

A ref is stored in its canonical text form (``str(TrackerRef)``, see bridge.core.refs).
UNIQUE(subject, ref, relation) serves lookups by subject; an index on (ref, subject,
relation) serves lookups by ref, so both directions are index range scans.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from bridge.core.errors import InputError
from bridge.core.refs import TrackerRef
from bridge.store._checks import check_text, rowcount
from bridge.store.db import insert_for, insert_ignore_statement
from bridge.store.models import Link


class Relation(StrEnum):
    TRACKS = "tracks"
    """The issue tracks the report/case (the usual link)."""
    MIRRORS = "mirrors"
    """The issue is the bridge's private mirror of the report/case."""
    FIXES = "fixes"
    """The issue (or pull/merge request) fixes the vulnerability."""


@dataclass(frozen=True, slots=True)
class LinkRecord:
    subject: str
    ref: str
    relation: Relation
    linked_by: str
    linked_at: float


def _relation(value: str) -> Relation:
    try:
        return Relation(value)
    except ValueError:
        choices = ", ".join(r.value for r in Relation)
        raise InputError(f"unknown link relation; use one of: {choices}") from None


def _ref(ref: TrackerRef | str) -> str:
    return check_text("tracker ref", str(ref))


def _record(row: Any) -> LinkRecord:
    return LinkRecord(row.subject, row.ref, Relation(row.relation), row.linked_by, row.linked_at)


_COLUMNS = (Link.subject, Link.ref, Link.relation, Link.linked_by, Link.linked_at)


def add_link(
    session: Session,
    subject: str,
    ref: TrackerRef | str,
    relation: Relation | str,
    linked_by: str,
    now: float,
) -> bool:
    """Link ``subject`` to ``ref``; True when created, False when the link already existed."""
    values = {
        "subject": check_text("subject", subject), "ref": _ref(ref),
        "relation": _relation(relation).value, "linked_by": check_text("linked by", linked_by),
        "linked_at": now,
    }
    stmt = insert_ignore_statement(session, Link, ["subject", "ref", "relation"], "id")
    return session.execute(stmt, values).scalar_one_or_none() is not None


def add_links(
    session: Session, links: Iterable[tuple[str, TrackerRef | str, Relation | str, str]],
    now: float,
) -> None:
    """Bulk ``add_link`` (one statement per 1,000 rows); existing links are left alone."""
    batch: list[dict[str, object]] = []
    for subject, ref, relation, linked_by in links:
        batch.append({
            "subject": check_text("subject", subject), "ref": _ref(ref),
            "relation": _relation(relation).value,
            "linked_by": check_text("linked by", linked_by), "linked_at": now,
        })
        if len(batch) >= 1000:
            _insert_many(session, batch)
            batch = []
    if batch:
        _insert_many(session, batch)


def _insert_many(session: Session, rows: list[dict[str, object]]) -> None:
    # The Core table (not the ORM entity) keeps this a plain executemany: no ORM bulk overhead.
    stmt = insert_for(session, Link.__table__).on_conflict_do_nothing(
        index_elements=["subject", "ref", "relation"]
    )
    session.connection().execute(stmt, rows)


def remove_link(
    session: Session, subject: str, ref: TrackerRef | str, relation: Relation | str | None = None
) -> int:
    """Remove the link (every relation when ``relation`` is None); returns links removed."""
    stmt = delete(Link).where(Link.subject == subject, Link.ref == _ref(ref))
    if relation is not None:
        stmt = stmt.where(Link.relation == _relation(relation).value)
    return rowcount(session.execute(stmt.execution_options(synchronize_session=False)))


_BY_SUBJECT = select(*_COLUMNS).where(Link.subject == bindparam("subject")).order_by(
    Link.ref, Link.relation)


def links_for_subject(session: Session, subject: str) -> list[LinkRecord]:
    """Every link of a report or case, ordered by ref then relation."""
    rows = session.execute(_BY_SUBJECT, {"subject": subject}).all()
    return [_record(row) for row in rows]


def links_for_ref(session: Session, ref: TrackerRef | str) -> list[LinkRecord]:
    """Every report or case linked to a tracker issue/advisory, ordered by subject."""
    rows = session.execute(
        select(*_COLUMNS).where(Link.ref == _ref(ref)).order_by(Link.subject, Link.relation)
    ).all()
    return [_record(row) for row in rows]


def count_links(session: Session) -> int:
    """How many links are stored."""
    return int(session.scalar(select(func.count()).select_from(Link)) or 0)


def refs_starting(session: Session, prefix: str) -> list[str]:
    """The distinct linked refs whose text starts with ``prefix`` (taken literally), sorted."""
    return sorted(session.scalars(
        select(Link.ref).where(Link.ref.startswith(prefix, autoescape=True)).distinct()))


def linked_subjects(session: Session) -> list[str]:
    """Every subject with a link, sorted."""
    return [str(s) for s in session.scalars(select(Link.subject).distinct()
                                            .order_by(Link.subject))]
