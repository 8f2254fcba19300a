"""State blocks ⇄ the run's throwaway store.

``load`` puts a block's content into the store (cases, participants, links, objects, outbox
rows with their attempts, echo records, poll cursors); ``dump`` reads back what belongs to one
home. Which home an entry belongs to: a subject's home is the issue it is mirrored into;
objects, messages and echo records follow the subjects that name them, else the home they were
loaded from, else every home the run touched (merging makes duplicates harmless).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from bridge.app.runtime import Runtime
from bridge.core import stateblock
from bridge.core.states.cs import VENDOR_AWARE
from bridge.store import db, links, outbox, snapshot, state
from bridge.store.outbox import OutboxItem

CURSOR_PREFIX = "poll:"


@dataclass
class Origins:
    """Where each loaded entry came from (home ref text), and what the run has seen."""

    subjects: dict[str, str] = field(default_factory=dict)
    objects: dict[str, str] = field(default_factory=dict)
    outbox: dict[str, str] = field(default_factory=dict)
    writes: dict[int, str] = field(default_factory=dict)
    write_keys: dict[int, str] = field(default_factory=dict)
    """Store row id → the record's stable key in the block."""
    inputs: dict[str, set[str]] = field(default_factory=dict)
    """Home → the input keys its block says were processed."""
    loaded: set[str] = field(default_factory=set)

    def seen(self, key: str) -> bool:
        return any(key in keys for keys in self.inputs.values())


def load(rt: Runtime, home: str, block: dict[str, Any], origins: Origins) -> None:
    """Put one home's block into the store (entries already present are left alone)."""
    origins.loaded.add(home)
    origins.inputs.setdefault(home, set()).update(str(k) for k in block["inputs"])
    now = rt.clock()
    with db.transaction(rt.sessions) as session:
        for oid, obj in block["objects"].items():
            if isinstance(obj, dict) and state.get_object(session, oid) is None:
                state.put_object(session, oid, str(obj.get("type") or "Object"),
                                 dict(obj.get("data") or {}), float(obj.get("at") or now))
                origins.objects.setdefault(oid, home)
        for subject, entry in block["subjects"].items():
            _load_subject(session, subject, entry, now)
            origins.subjects.setdefault(subject, home)
        # in the order they were queued: by time, then by their place in their inbox's queue
        # (messages of one transaction share a time: RV and the case it creates)
        rows = sorted(block["outbox"].items(), key=lambda kv: (
            float(kv[1].get("created") or 0), int(kv[1].get("seq") or 0)))
        for key, row in rows:
            if _load_message(session, row, now):
                origins.outbox.setdefault(key, home)
        for key, rec in block["writes"].items():
            if any(k == key for k in origins.write_keys.values()):
                continue
            row_id = snapshot.add_write(
                session, tracker=str(rec.get("tracker")), ref=str(rec.get("ref")),
                kind=str(rec.get("kind")), at=float(rec.get("at") or 0),
                consumed=bool(rec.get("used")))
            origins.write_keys[row_id] = key
            origins.writes[row_id] = home
        for url, cursor in block["cursors"].items():
            if not snapshot.has_cursor(session, CURSOR_PREFIX + url):
                snapshot.add_cursor(session, CURSOR_PREFIX + url, json.dumps(cursor),
                                    float(cursor.get("at") or now))


def _load_subject(session: Session, subject: str, entry: dict[str, Any], now: float) -> None:
    case = entry.get("case")
    if isinstance(case, dict) and state.get_case(session, subject) is None:
        state.put_case(session, subject, em_state=str(case.get("em") or "NONE"),
                       cs_state=str(case.get("cs") or VENDOR_AWARE), embargo_end=case.get("end"),
                       data=dict(case.get("data") or {}), now=float(case.get("at") or now))
    if state.get_case(session, subject) is not None:
        for actor, p in (entry.get("participants") or {}).items():
            if isinstance(p, dict) and state.get_participant(session, subject, actor) is None:
                state.put_participant(session, subject, actor, rm_state=str(p.get("rm")),
                                      em_consent=p.get("consent"), roles=list(p.get("roles")
                                                                              or []),
                                      now=float(p.get("at") or now))
    for link in entry.get("links") or []:
        ref, relation, by, at = (list(link) + [None] * 4)[:4]
        links.add_link(session, subject, str(ref), str(relation), str(by or "action"),
                       float(at or now))


def _load_message(session: Session, row: dict[str, Any], now: float) -> bool:
    aid, to, inbox_url = str(row.get("id")), str(row.get("to")), str(row.get("inbox"))
    raw = row.get("activity")
    activity: dict[str, Any] = raw if isinstance(raw, dict) else {"id": aid}
    created = float(row.get("created") or now)
    if not outbox.enqueue(session, aid, activity, [(to, inbox_url)], created):
        return False
    snapshot.restore_delivery(
        session, aid, to,
        status=str(row.get("status") or "pending"), attempts=int(row.get("attempts") or 0),
        next_attempt_at=float(row.get("next") or created), last_error=row.get("error"),
        last_status=row.get("http"), delivered_at=row.get("done"),
    )
    return True


# -- dump --------------------------------------------------------------------------------


def subjects_by_home(rt: Runtime, origins: Origins, project: str, tracker: str) -> dict[str,
                                                                                      set[str]]:
    """Home ref → the subjects whose state it holds."""
    prefix = f"{tracker}:{project}"
    out: dict[str, set[str]] = {}
    with rt.sessions() as session:
        subjects = set(links.linked_subjects(session)) | set(state.case_ids(session))
        for subject in sorted(subjects):
            found = links.links_for_subject(session, subject)
            ours = [x for x in found if x.ref.startswith(prefix) and x.ref[len(prefix):][:1]
                    in ("#", "@") and not x.ref.endswith("#0")]
            mirrors = [x.ref for x in ours if x.relation.value == "mirrors"]
            homes = mirrors or [x.ref for x in ours] or (
                [origins.subjects[subject]] if subject in origins.subjects else [])
            for home in homes[:1]:
                out.setdefault(home, set()).add(subject)
    return out


def _names(text: str, subjects: Iterable[str]) -> bool:
    return any(s and s in text for s in subjects)


def dump(rt: Runtime, home: str, subjects: set[str], origins: Origins, *, all_homes: int,
         run_inputs: list[str]) -> dict[str, Any]:
    """The block for ``home``: its subjects and what goes with them."""
    out = stateblock.empty()
    alone = all_homes <= 1
    with rt.sessions() as session:
        refs: set[str] = {home}
        referenced: set[str] = set()
        for subject in sorted(subjects):
            entry, subject_refs, ids = _dump_subject(session, subject)
            out["subjects"][subject] = entry
            refs |= subject_refs
            referenced |= ids
        for obj in snapshot.every_object(session):
            data = dict(obj.data)
            mine = (obj.id in referenced or obj.id in {f"issue:{r}" for r in refs}
                    or data.get("subject") in subjects)
            origin = origins.objects.get(obj.id)
            if mine or origin == home or (origin is None and alone):
                out["objects"][obj.id] = {"type": obj.type, "data": data, "at": obj.updated_at}
        for row in outbox.every_row(session):
            key = stateblock.outbox_key(row.activity_id, row.recipient)
            origin = origins.outbox.get(key)
            text = json.dumps(row.activity, sort_keys=True)
            if origin == home or (origin is None and (alone or _names(text, subjects))):
                out["outbox"][key] = _dump_message(row)
        for rec in snapshot.every_write(session):
            origin = origins.writes.get(rec.id)
            if origin == home or (origin is None and (alone or rec.ref in refs)):
                key = origins.write_keys.get(rec.id) or f"{rt.clock():.6f}:{rec.id}:{rec.kind}"
                origins.write_keys[rec.id] = key
                out["writes"][key] = {"tracker": rec.tracker, "ref": rec.ref, "kind": rec.kind,
                                      "at": rec.at, "used": rec.consumed}
    out["inputs"] = list(dict.fromkeys([*run_inputs, *sorted(origins.inputs.get(home, ()))]))
    return out


def _dump_subject(session: Session, subject: str) -> tuple[dict[str, Any], set[str], set[str]]:
    entry: dict[str, Any] = {"case": None, "participants": {}, "links": []}
    record = state.get_case(session, subject)
    ids: set[str] = set()
    if record is not None:
        entry["case"] = {"em": record.em_state, "cs": record.cs_state, "end": record.embargo_end,
                         "data": record.data, "at": record.updated_at}
        for value in record.data.values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    ids.add(item)
    for p in state.participants_for_case(session, subject):
        entry["participants"][p.actor] = {"rm": p.rm_state, "consent": p.em_consent,
                                          "roles": p.roles, "at": p.updated_at}
    found = links.links_for_subject(session, subject)
    entry["links"] = [[x.ref, x.relation.value, x.linked_by, x.linked_at] for x in found]
    return entry, {x.ref for x in found}, ids


def _dump_message(row: OutboxItem) -> dict[str, Any]:
    done = row.status != "pending"
    return {
        "id": row.activity_id, "to": row.recipient, "inbox": row.inbox_url,
        "activity": {"id": row.activity_id} if done else row.activity, "status": row.status,
        "attempts": row.attempts, "next": row.next_attempt_at, "error": row.last_error,
        "http": row.last_status, "created": row.created_at, "done": row.delivered_at,
        "at": row.delivered_at or row.next_attempt_at, "seq": row.seq,
    }


def cursors(rt: Runtime) -> dict[str, Any]:
    with rt.sessions() as session:
        rows = snapshot.cursors_starting(session, CURSOR_PREFIX)
        return {name[len(CURSOR_PREFIX):]: json.loads(value) for name, value in rows.items()}
