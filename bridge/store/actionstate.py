"""The Action's state block ⇄ the store's rows (``bridge.core.stateschema`` is the block).

``load`` puts a block's rows into the store — cases, participants, links, objects, outbox rows
with their delivery state, echo records, poll cursors — leaving alone what is already there;
``dump`` reads every row back as one block. ``dump(load(block))`` holds what the block held
(``tests/store/test_actionstate.py``). Which of those rows go into which home's block is the
Action's decision (``bridge.action.hydrate``), taken on the typed block, not here.
"""

from __future__ import annotations

import json
from collections.abc import Container, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bridge.core.stateblock import outbox_key
from bridge.core.stateschema import (
    CaseRow,
    CursorRow,
    LinkRow,
    MessageRow,
    ObjectRow,
    ParticipantRow,
    StateBlock,
    SubjectRow,
    WriteRow,
    named_ids,
    parse_cursor,
)
from bridge.store import links, outbox, snapshot, state

CURSOR_PREFIX = "poll:"
"""The store's cursor names for the polled outboxes (``poll:<outbox URL>``)."""


@dataclass
class Loaded:
    """What ``load`` put in (entries already present are not listed)."""

    objects: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    """Outbox keys (``stateblock.outbox_key``) of the rows queued."""
    writes: dict[int, str] = field(default_factory=dict)
    """Echo record row id → its key in the block (``dump`` writes it under that key again)."""


def load(session: Session, block: StateBlock, *, now: float,
         skip_writes: Container[str] = ()) -> Loaded:
    """Put ``block`` into the store; rows without a time get ``now``. Echo records whose key
    is in ``skip_writes`` (already loaded from another home) are not added twice."""
    done = Loaded()
    for oid, obj in block.objects.items():
        if state.get_object(session, oid) is None:
            state.put_object(session, oid, obj.type, dict(obj.data), _at(obj.at, now))
            done.objects.append(oid)
    for subject, entry in block.subjects.items():
        _load_subject(session, subject, entry, now)
    # in the order they were queued: by time, then by their place in their inbox's queue
    # (messages of one transaction share a time: RV and the case it creates)
    rows = sorted(block.outbox.items(), key=lambda kv: (kv[1].created or 0.0, kv[1].seq))
    for key, row in rows:
        if _load_message(session, row, now):
            done.messages.append(key)
    for key, rec in block.writes.items():
        if key in skip_writes or key in done.writes.values():
            continue
        row_id = snapshot.add_write(session, tracker=rec.tracker, ref=rec.ref, kind=rec.kind,
                                    at=rec.at, consumed=rec.used)
        done.writes[row_id] = key
    for url, cursor in block.cursors.items():
        if not snapshot.has_cursor(session, CURSOR_PREFIX + url):
            value = json.dumps({"seen": list(cursor.seen), "at": cursor.at})
            snapshot.add_cursor(session, CURSOR_PREFIX + url, value, _at(cursor.at, now))
    return done


def _at(value: float | None, now: float) -> float:
    return value or now


def _load_subject(session: Session, subject: str, entry: SubjectRow, now: float) -> None:
    case = entry.case
    if case is not None and state.get_case(session, subject) is None:
        state.put_case(session, subject, em_state=case.em, cs_state=case.cs,
                       embargo_end=case.end, data=dict(case.data), now=_at(case.at, now))
    if state.get_case(session, subject) is not None:
        for actor, p in entry.participants.items():
            if state.get_participant(session, subject, actor) is None:
                state.put_participant(session, subject, actor, rm_state=p.rm,
                                      em_consent=p.consent, roles=list(p.roles),
                                      now=_at(p.at, now))
    for link in entry.links:
        links.add_link(session, subject, link.ref, link.relation, link.by, _at(link.at, now))


def _load_message(session: Session, row: MessageRow, now: float) -> bool:
    activity = dict(row.activity) if row.activity is not None else {"id": row.id}
    created = _at(row.created, now)
    if not outbox.enqueue(session, row.id, activity, [(row.to, row.inbox)], created):
        return False
    snapshot.restore_delivery(
        session, row.id, row.to, status=row.status, attempts=row.attempts,
        next_attempt_at=_at(row.next, created), last_error=row.error, last_status=row.http,
        delivered_at=row.done,
    )
    return True


# -- dump --------------------------------------------------------------------------------


def dump(session: Session, write_keys: Mapping[int, str] | None = None) -> StateBlock:
    """Every row of the store as one block (no inputs: those are the run's, not rows).

    An echo record is keyed as ``load`` read it (``write_keys``, row id → key), a new one by
    its own time, row id and kind. Each message names the subjects its activity names."""
    keys = write_keys or {}
    subjects = {s: _dump_subject(session, s)
                for s in sorted(set(links.linked_subjects(session)) | set(state.case_ids(session)))}
    objects = {o.id: ObjectRow(type=o.type, data=dict(o.data), at=o.updated_at)
               for o in snapshot.every_object(session)}
    messages = {outbox_key(r.activity_id, r.recipient): MessageRow(
        id=r.activity_id, to=r.recipient, inbox=r.inbox_url, activity=r.activity,
        status=r.status, attempts=r.attempts, next=r.next_attempt_at, error=r.last_error,
        http=r.last_status, created=r.created_at, done=r.delivered_at,
        at=r.delivered_at or r.next_attempt_at, seq=r.seq,
        subjects=named_ids(r.activity, subjects),
    ) for r in outbox.every_row(session)}
    writes = {keys.get(w.id) or f"{w.at:.6f}:{w.id}:{w.kind}": WriteRow(
        tracker=w.tracker, ref=w.ref, kind=w.kind, at=w.at, used=w.consumed)
        for w in snapshot.every_write(session)}
    return StateBlock(subjects=subjects, objects=objects, outbox=messages, writes=writes,
                      cursors=cursors(session))


def _dump_subject(session: Session, subject: str) -> SubjectRow:
    record = state.get_case(session, subject)
    case = None if record is None else CaseRow(
        em=record.em_state, cs=record.cs_state, end=record.embargo_end, data=dict(record.data),
        at=record.updated_at)
    participants = {p.actor: ParticipantRow(rm=p.rm_state, consent=p.em_consent,
                                            roles=tuple(p.roles), at=p.updated_at)
                    for p in state.participants_for_case(session, subject)}
    found = links.links_for_subject(session, subject)
    return SubjectRow(case=case, participants=participants,
                      links=tuple(LinkRow(x.ref, x.relation.value, x.linked_by, x.linked_at)
                                  for x in found))


def cursors(session: Session) -> dict[str, CursorRow]:
    """The polled outboxes' cursors, by outbox URL."""
    rows = snapshot.cursors_starting(session, CURSOR_PREFIX)
    return {name[len(CURSOR_PREFIX):]: parse_cursor(json.loads(value))
            for name, value in rows.items()}
