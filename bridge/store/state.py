"""Protocol state: objects by id, case state, participants. Simple upserts and gets.

The state machines themselves are pure (bridge.core); this module only persists their
results. States are stored as text (the core's enum values).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bridge.store._checks import check_text, rowcount
from bridge.store.db import insert_ignore_statement, upsert_statement
from bridge.store.models import CaseState, Participant, StoredObject


@dataclass(frozen=True, slots=True)
class ObjectRecord:
    id: str
    type: str
    data: dict[str, Any]
    updated_at: float


@dataclass(frozen=True, slots=True)
class CaseRecord:
    case_id: str
    em_state: str
    cs_state: str
    embargo_end: float | None
    data: dict[str, Any]
    updated_at: float


@dataclass(frozen=True, slots=True)
class ParticipantRecord:
    case_id: str
    actor: str
    rm_state: str
    em_consent: str | None
    roles: list[str]
    updated_at: float


def _upsert(session: Session, model: Any, keys: list[str], values: dict[str, Any]) -> None:
    session.execute(upsert_statement(session, model, keys, sorted(values)), values)


def put_object(
    session: Session, object_id: str, type_: str, data: Mapping[str, Any], now: float
) -> None:
    """Insert or replace the protocol object ``object_id``."""
    _upsert(session, StoredObject, ["id"], {
        "id": check_text("object id", object_id), "type": check_text("object type", type_, 100),
        "data": dict(data), "updated_at": now,
    })


def add_object(
    session: Session, object_id: str, type_: str, data: Mapping[str, Any], now: float
) -> bool:
    """Insert ``object_id`` unless it exists (then it is left as it is); True when inserted."""
    stmt = insert_ignore_statement(session, StoredObject, ["id"])
    return rowcount(session.execute(stmt, {
        "id": check_text("object id", object_id), "type": check_text("object type", type_, 100),
        "data": dict(data), "updated_at": now,
    })) == 1


def get_object(session: Session, object_id: str) -> ObjectRecord | None:
    row = session.execute(
        select(StoredObject.id, StoredObject.type, StoredObject.data, StoredObject.updated_at)
        .where(StoredObject.id == object_id)
    ).one_or_none()
    if row is None:
        return None
    return ObjectRecord(row.id, row.type, dict(row.data), row.updated_at)


def put_case(
    session: Session,
    case_id: str,
    *,
    em_state: str,
    cs_state: str,
    embargo_end: float | None,
    data: Mapping[str, Any],
    now: float,
) -> None:
    """Insert or replace a case's state."""
    _upsert(session, CaseState, ["case_id"], {
        "case_id": check_text("case id", case_id), "em_state": check_text("EM state", em_state, 32),
        "cs_state": check_text("CS state", cs_state, 32), "embargo_end": embargo_end,
        "data": dict(data), "updated_at": now,
    })


_CASE = select(CaseState.case_id, CaseState.em_state, CaseState.cs_state,
               CaseState.embargo_end, CaseState.data, CaseState.updated_at).where(
    CaseState.case_id == bindparam("case_id"))


def get_case(session: Session, case_id: str) -> CaseRecord | None:
    row = session.execute(_CASE, {"case_id": case_id}).one_or_none()
    if row is None:
        return None
    return CaseRecord(row.case_id, row.em_state, row.cs_state, row.embargo_end,
                      dict(row.data), row.updated_at)


def case_data(session: Session, subject: str) -> dict[str, Any]:
    """A copy of the case record's ``data`` ({} when there is no record)."""
    record = get_case(session, subject)
    return dict(record.data) if record else {}


def put_participant(
    session: Session,
    case_id: str,
    actor: str,
    *,
    rm_state: str,
    em_consent: str | None,
    roles: Sequence[str],
    now: float,
) -> None:
    """Insert or replace a participant of an existing case (the case row must exist)."""
    _upsert(session, Participant, ["case_id", "actor"], {
        "case_id": check_text("case id", case_id), "actor": check_text("actor", actor),
        "rm_state": check_text("RM state", rm_state, 32), "em_consent": em_consent,
        "roles": list(roles), "updated_at": now,
    })


def add_participant(
    session: Session,
    case_id: str,
    actor: str,
    *,
    rm_state: str,
    roles: Sequence[str],
    now: float,
) -> bool:
    """Insert a participant unless the case has it already (whose state is then kept);
    True when inserted."""
    values = {
        "case_id": check_text("case id", case_id), "actor": check_text("actor", actor),
        "rm_state": check_text("RM state", rm_state, 32), "em_consent": None,
        "roles": list(roles), "updated_at": now,
    }
    stmt = insert_ignore_statement(session, Participant, ["case_id", "actor"])
    return rowcount(session.execute(stmt, values)) == 1


_P_COLUMNS = (Participant.case_id, Participant.actor, Participant.rm_state,
              Participant.em_consent, Participant.roles, Participant.updated_at)


def _participant(row: Any) -> ParticipantRecord:
    return ParticipantRecord(row.case_id, row.actor, row.rm_state, row.em_consent,
                             list(row.roles), row.updated_at)


def get_participant(session: Session, case_id: str, actor: str) -> ParticipantRecord | None:
    row = session.execute(
        select(*_P_COLUMNS).where(Participant.case_id == case_id, Participant.actor == actor)
    ).one_or_none()
    return None if row is None else _participant(row)


def participants_for_case(session: Session, case_id: str) -> list[ParticipantRecord]:
    """A case's participants, ordered by actor."""
    rows = session.execute(
        select(*_P_COLUMNS).where(Participant.case_id == case_id).order_by(Participant.actor)
    ).all()
    return [_participant(row) for row in rows]


def case_ids(session: Session) -> list[str]:
    """Every subject with a stored case state, sorted."""
    return [str(s) for s in session.scalars(select(CaseState.case_id)
                                            .order_by(CaseState.case_id))]


def embargoes_ended(session: Session, states: Iterable[str],
                    now: float) -> list[tuple[str, float]]:
    """``(subject, end)`` for each subject in one of the EM ``states`` whose embargo end is
    at or before ``now``, by subject."""
    rows = session.execute(
        select(CaseState.case_id, CaseState.embargo_end).where(
            CaseState.em_state.in_(list(states)),
            CaseState.embargo_end.is_not(None),
            CaseState.embargo_end <= now,
        ).order_by(CaseState.case_id)
    ).all()
    return [(str(subject), float(end)) for subject, end in rows if end is not None]
