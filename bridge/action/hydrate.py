"""State blocks ⇄ the run's throwaway store, home by home.

``load`` puts one home's block into the store (``bridge.store.actionstate.load``) and notes
where each entry came from; ``dump`` takes the whole store as one block
(``actionstate.dump``) and picks what belongs to one home. Which home an entry belongs to,
decided on the typed rows and never on their text: a subject's home is the issue it is
mirrored into; objects, messages and echo records go with the subjects whose rows name them
(an object id in a case's data, a message's ``subjects``, an echo record's ``ref`` among the
subjects' links), else with the home they were loaded from, else, when the run touched one
home only, with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from bridge.app.runtime import Runtime
from bridge.core.stateschema import MessageRow, StateBlock, SubjectRow
from bridge.store import actionstate, db


@dataclass
class Origins:
    """Where each loaded entry came from (home ref text), and what the run has seen."""

    subjects: dict[str, str] = field(default_factory=dict)
    objects: dict[str, str] = field(default_factory=dict)
    outbox: dict[str, str] = field(default_factory=dict)
    writes: dict[str, str] = field(default_factory=dict)
    """Echo record key (in the blocks) → home."""
    write_keys: dict[int, str] = field(default_factory=dict)
    """Store row id → the record's stable key in the block."""
    inputs: dict[str, set[str]] = field(default_factory=dict)
    """Home → the input keys its block says were processed."""
    loaded: set[str] = field(default_factory=set)

    def seen(self, key: str) -> bool:
        return any(key in keys for keys in self.inputs.values())


def load(rt: Runtime, home: str, block: StateBlock, origins: Origins) -> None:
    """Put one home's block into the store (entries already present are left alone)."""
    origins.loaded.add(home)
    origins.inputs.setdefault(home, set()).update(block.inputs)
    with db.transaction(rt.sessions) as session:
        done = actionstate.load(session, block, now=rt.clock(),
                                skip_writes=set(origins.write_keys.values()))
    for oid in done.objects:
        origins.objects.setdefault(oid, home)
    for subject in block.subjects:
        origins.subjects.setdefault(subject, home)
    for key in done.messages:
        origins.outbox.setdefault(key, home)
    for row_id, key in done.writes.items():
        origins.write_keys[row_id] = key
        origins.writes[key] = home


def whole(rt: Runtime, origins: Origins) -> StateBlock:
    """Everything the run's store holds, as one block."""
    with rt.sessions() as session:
        return actionstate.dump(session, origins.write_keys)


# -- dump --------------------------------------------------------------------------------


def subjects_by_home(rt: Runtime, origins: Origins, project: str, tracker: str,
                     everything: StateBlock | None = None) -> dict[str, set[str]]:
    """Home ref → the subjects whose state it holds: the issue (advisory) of ``project`` a
    subject is mirrored into, else the first of its links there, else where it was loaded
    from."""
    full = everything if everything is not None else whole(rt, origins)
    prefix = f"{tracker}:{project}"
    out: dict[str, set[str]] = {}
    for subject, entry in sorted(full.subjects.items()):
        ours = [x for x in entry.links if x.ref.startswith(prefix)
                and x.ref[len(prefix):][:1] in ("#", "@") and not x.ref.endswith("#0")]
        mirrors = [x.ref for x in ours if x.relation == "mirrors"]
        homes = mirrors or [x.ref for x in ours] or (
            [origins.subjects[subject]] if subject in origins.subjects else [])
        for home in homes[:1]:
            out.setdefault(home, set()).add(subject)
    return out


def _named_by_case(entry: SubjectRow) -> set[str]:
    """The strings a case's data holds (object ids: the Offer, the invitation…)."""
    ids: set[str] = set()
    if entry.case is not None:
        for value in entry.case.data.values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    ids.add(item)
    return ids


def _as_sent(row: MessageRow) -> MessageRow:
    """A delivered (or given up) message keeps only its activity's id: it is never sent
    again, and the room is needed."""
    return row if row.status == "pending" else replace(row, activity={"id": row.id})


def dump(rt: Runtime, home: str, subjects: set[str], origins: Origins, *, all_homes: int,
         run_inputs: list[str], everything: StateBlock | None = None) -> StateBlock:
    """The block for ``home``: its subjects and what goes with them."""
    full = everything if everything is not None else whole(rt, origins)
    alone = all_homes <= 1
    mine = {s: full.subjects.get(s, SubjectRow()) for s in sorted(subjects)}
    refs = {home} | {x.ref for entry in mine.values() for x in entry.links}
    referenced = set().union(*(_named_by_case(e) for e in mine.values()))

    def kept(origin: str | None, belongs: bool) -> bool:
        return origin == home or (origin is None and (alone or belongs))

    objects = {oid: obj for oid, obj in full.objects.items()
               if oid in referenced or oid in {f"issue:{r}" for r in refs}
               or obj.data.get("subject") in subjects
               or kept(origins.objects.get(oid), False)}
    outbox = {key: _as_sent(row) for key, row in full.outbox.items()
              if kept(origins.outbox.get(key), bool(subjects.intersection(row.subjects)))}
    writes = {key: rec for key, rec in full.writes.items()
              if kept(origins.writes.get(key), rec.ref in refs)}
    inputs = tuple(dict.fromkeys([*run_inputs, *sorted(origins.inputs.get(home, ()))]))
    return StateBlock(subjects=mine, objects=objects, outbox=outbox, writes=writes,
                      inputs=inputs)


def cursors(rt: Runtime) -> dict[str, Any]:
    """The poll cursors, as the JSON objects ``bridge.action.poll`` updates."""
    with rt.sessions() as session:
        return {url: {"seen": list(c.seen), "at": c.at}
                for url, c in actionstate.cursors(session).items()}
