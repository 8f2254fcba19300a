"""What the Action's state block holds, typed, and its strict parser (pure).

A block (``bridge.core.stateblock`` frames, seals and merges it) is a JSON object of six
sections. Each row is a frozen dataclass; ``parse`` checks every section and every field and
raises ``Unreadable`` naming the section and the field, never the value (step summaries are
public, and rows hold report content and actor URLs). ``to_json`` is its inverse.

Content versions (the JSON's ``"v"``; the ``v1`` in the block's header is the framing —
base64, zlib, seal — which has not changed):

* **v1** — the first format: a message row says nothing of the subjects it concerns.
* **v2** — each message row carries ``subjects``: the ids of the reports and cases the
  activity names (exact ids, ``named_ids``), so which home a message belongs to is a field of
  the row, never a guess from its text. A v1 block is read as v2 with no subjects (its rows
  stay in the home they were read from) and written back as v2. The change is additive: an
  older release of the action reads a v2 block as v1 (it ignores the extra field).

What was a row of which home: ``bridge.action.hydrate``. Rows and the database:
``bridge.store.actionstate``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bridge.core.errors import InputError
from bridge.core.quoting import safe_name
from bridge.core.states.cs import VENDOR_AWARE

VERSION = 2
"""The content version this code writes."""
READS = (1, 2)
"""The content versions it reads (older ones are migrated on read)."""
SECTIONS = ("subjects", "objects", "outbox", "writes", "inputs", "cursors")


class StateBlockError(InputError):
    """The state block is damaged, from a newer version, or sealed with another key."""


class Unreadable(StateBlockError):
    """A block we wrote (sealed with our key, or trusted unsealed) whose content does not
    parse: the run must not act on it, nor replace it (``docs/action.md``)."""

    def __init__(self, section: str, reason: str) -> None:
        super().__init__(f"state block unreadable: {section}: {reason}")
        self.section = section


# -- rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    em: str
    cs: str
    end: float | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    at: float | None = None
    """When it last changed; None in a hand-made block (the loading run's time is used)."""


@dataclass(frozen=True)
class ParticipantRow:
    rm: str
    consent: str | None = None
    roles: tuple[str, ...] = ()
    at: float | None = None


@dataclass(frozen=True, order=True)
class LinkRow:
    ref: str
    relation: str
    by: str = "action"
    at: float | None = None


@dataclass(frozen=True)
class SubjectRow:
    """A report or case: its case state, participants and links."""

    case: CaseRow | None = None
    participants: Mapping[str, ParticipantRow] = field(default_factory=dict)
    links: tuple[LinkRow, ...] = ()


@dataclass(frozen=True)
class ObjectRow:
    type: str = "Object"
    data: Mapping[str, Any] = field(default_factory=dict)
    at: float | None = None


@dataclass(frozen=True)
class MessageRow:
    """One outbox row: an activity for one recipient, with its delivery state."""

    id: str
    to: str
    inbox: str
    activity: Mapping[str, Any] | None = None
    """None (or only its id) once delivered: a delivered message is not sent again."""
    status: str = "pending"
    attempts: int = 0
    next: float | None = None
    error: str | None = None
    http: int | None = None
    created: float | None = None
    done: float | None = None
    at: float | None = None
    seq: int = 0
    subjects: tuple[str, ...] = ()
    """The reports and cases the activity names (v2; empty in a v1 block)."""


@dataclass(frozen=True)
class WriteRow:
    """An echo record: a write the bridge made to a tracker, so its webhook is ignored."""

    tracker: str
    ref: str
    kind: str
    at: float = 0.0
    used: bool = False


@dataclass(frozen=True)
class CursorRow:
    """A polled outbox: the newest ids handled, newest first."""

    seen: tuple[str, ...] = ()
    at: float | None = None


@dataclass(frozen=True)
class StateBlock:
    """A block's content (``to_json`` gives its JSON form)."""

    subjects: Mapping[str, SubjectRow] = field(default_factory=dict)
    objects: Mapping[str, ObjectRow] = field(default_factory=dict)
    outbox: Mapping[str, MessageRow] = field(default_factory=dict)
    writes: Mapping[str, WriteRow] = field(default_factory=dict)
    inputs: tuple[str, ...] = ()
    cursors: Mapping[str, CursorRow] = field(default_factory=dict)


# -- to JSON -------------------------------------------------------------------------------


def _case_json(c: CaseRow) -> dict[str, Any]:
    return {"em": c.em, "cs": c.cs, "end": c.end, "data": dict(c.data), "at": c.at}


def _subject_json(s: SubjectRow) -> dict[str, Any]:
    return {
        "case": _case_json(s.case) if s.case is not None else None,
        "participants": {a: {"rm": p.rm, "consent": p.consent, "roles": list(p.roles),
                             "at": p.at} for a, p in s.participants.items()},
        "links": [[x.ref, x.relation, x.by, x.at] for x in s.links],
    }


def _message_json(m: MessageRow) -> dict[str, Any]:
    return {"id": m.id, "to": m.to, "inbox": m.inbox,
            "activity": dict(m.activity) if m.activity is not None else None,
            "status": m.status, "attempts": m.attempts, "next": m.next, "error": m.error,
            "http": m.http, "created": m.created, "done": m.done, "at": m.at, "seq": m.seq,
            "subjects": list(m.subjects)}


def to_json(block: StateBlock) -> dict[str, Any]:
    """The block as the JSON object a v2 block holds."""
    return {
        "v": VERSION,
        "subjects": {k: _subject_json(v) for k, v in block.subjects.items()},
        "objects": {k: {"type": o.type, "data": dict(o.data), "at": o.at}
                    for k, o in block.objects.items()},
        "outbox": {k: _message_json(m) for k, m in block.outbox.items()},
        "writes": {k: {"tracker": w.tracker, "ref": w.ref, "kind": w.kind, "at": w.at,
                       "used": w.used} for k, w in block.writes.items()},
        "inputs": list(block.inputs),
        "cursors": {k: {"seen": list(c.seen), "at": c.at} for k, c in block.cursors.items()},
    }


# -- parsing -------------------------------------------------------------------------------

T = TypeVar("T")


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "an integer", float: "a number", type(None): "null"}
    return names.get(type(value), "a value")


class _Row:
    """The fields of one row, checked as they are read (the section names the error)."""

    def __init__(self, section: str, what: str, value: object, fields: tuple[str, ...]):
        self.section, self.what = section, what
        if not isinstance(value, dict):
            raise Unreadable(section, f"{what} is {_kind(value)}, not an object")
        unknown = sorted(str(k) for k in value if k not in fields)
        if unknown:
            raise Unreadable(section, f"{what} has an unknown field {safe_name(unknown[0])}")
        self.value: dict[str, Any] = value

    def _bad(self, name: str, expected: str) -> Unreadable:
        return Unreadable(self.section, f"{self.what}'s {name} is "
                                        f"{_kind(self.value[name])}, not {expected}")

    def text(self, name: str, default: str | None = None) -> str:
        value = self.value.get(name, default)
        if not isinstance(value, str):
            if name not in self.value:
                raise Unreadable(self.section, f"{self.what} has no {name}")
            raise self._bad(name, "a string")
        return value

    def opt_text(self, name: str) -> str | None:
        value = self.value.get(name)
        if value is not None and not isinstance(value, str):
            raise self._bad(name, "a string or null")
        return value

    def number(self, name: str) -> float | None:
        value = self.value.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._bad(name, "a number or null")
        return float(value)

    def integer(self, name: str, default: int | None) -> int | None:
        value = self.value.get(name, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._bad(name, "an integer")
        return value

    def flag(self, name: str) -> bool:
        value = self.value.get(name, False)
        if not isinstance(value, bool):
            raise self._bad(name, "a boolean")
        return value

    def obj(self, name: str) -> dict[str, Any]:
        value = self.value.get(name) or {}
        if not isinstance(value, dict):
            raise self._bad(name, "an object")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.value.get(name) or []
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise Unreadable(self.section, f"{self.what}'s {name} is not a list of strings")
        return tuple(value)


def _table(section: str, value: object, row: Callable[[object], T]) -> dict[str, T]:
    if not isinstance(value, dict):
        raise Unreadable(section, f"the section is {_kind(value)}, not an object")
    return {str(k): row(v) for k, v in value.items()}


def _case(value: object) -> CaseRow | None:
    if value is None:
        return None
    r = _Row("subjects", "a case", value, ("em", "cs", "end", "data", "at"))
    return CaseRow(em=r.text("em", "NONE"), cs=r.text("cs", str(VENDOR_AWARE)), end=r.number("end"),
                   data=r.obj("data"), at=r.number("at"))


def _participant(value: object) -> ParticipantRow:
    r = _Row("subjects", "a participant", value, ("rm", "consent", "roles", "at"))
    return ParticipantRow(rm=r.text("rm"), consent=r.opt_text("consent"), roles=r.texts("roles"),
                          at=r.number("at"))


def _link(value: object) -> LinkRow:
    ok = isinstance(value, list) and 2 <= len(value) <= 4
    items = [*value, None, None][:4] if isinstance(value, list) else []
    ref, relation, by, at = items if ok else (None, None, None, None)
    if not (isinstance(ref, str) and isinstance(relation, str)
            and (by is None or isinstance(by, str))
            and (at is None or (isinstance(at, int | float) and not isinstance(at, bool)))):
        raise Unreadable("subjects", "a link is not [ref, relation, linked by, time]")
    return LinkRow(ref, relation, by or "action", None if at is None else float(at))


def _subject(value: object) -> SubjectRow:
    r = _Row("subjects", "a subject", value, ("case", "participants", "links"))
    links = r.value.get("links") or []
    if not isinstance(links, list):
        raise r._bad("links", "a list")
    return SubjectRow(case=_case(r.value.get("case")),
                      participants=_table("subjects", r.value.get("participants") or {},
                                          _participant),
                      links=tuple(_link(x) for x in links))


def _object(value: object) -> ObjectRow:
    r = _Row("objects", "an object row", value, ("type", "data", "at"))
    return ObjectRow(type=r.text("type", "Object"), data=r.obj("data"), at=r.number("at"))


_MESSAGE = ("id", "to", "inbox", "activity", "status", "attempts", "next", "error", "http",
            "created", "done", "at", "seq")


def _message(version: int) -> Callable[[object], MessageRow]:
    def parse_one(value: object) -> MessageRow:
        fields = _MESSAGE if version == 1 else (*_MESSAGE, "subjects")
        r = _Row("outbox", "a message", value, fields)
        activity = r.value.get("activity")
        if activity is not None and not isinstance(activity, dict):
            raise r._bad("activity", "an object or null")
        status = r.text("status", "pending")
        return MessageRow(
            id=r.text("id"), to=r.text("to"), inbox=r.text("inbox"),
            activity=activity, status=status,
            attempts=r.integer("attempts", 0) or 0, next=r.number("next"),
            error=r.opt_text("error"), http=r.integer("http", None), created=r.number("created"),
            done=r.number("done"), at=r.number("at"), seq=r.integer("seq", 0) or 0,
            subjects=r.texts("subjects"))
    return parse_one


def _write(value: object) -> WriteRow:
    r = _Row("writes", "an echo record", value, ("tracker", "ref", "kind", "at", "used"))
    return WriteRow(tracker=r.text("tracker"), ref=r.text("ref"), kind=r.text("kind"),
                    at=r.number("at") or 0.0, used=r.flag("used"))


def parse_cursor(value: object) -> CursorRow:
    """One cursor row (``Unreadable`` when it is not one)."""
    r = _Row("cursors", "a cursor", value, ("seen", "at"))
    return CursorRow(seen=r.texts("seen"), at=r.number("at"))


def parse(data: object) -> StateBlock:
    """The block a JSON document holds, of the version its ``"v"`` says (1 when it says none);
    ``Unreadable`` naming the first section that is not what that version writes, a newer
    version included. A missing section is empty."""
    if not isinstance(data, dict):
        raise Unreadable("block", f"the block is {_kind(data)}, not an object")
    version = data.get("v", 1)
    if isinstance(version, bool) or not isinstance(version, int):
        raise Unreadable("v", f"the version is {_kind(version)}, not an integer")
    if version not in READS:
        newer = "a newer version: upgrade the action" if version > VERSION else "unknown"
        raise Unreadable("v", f"content version {str(version)[:6]} is {newer}")
    unknown = sorted(str(k) for k in data if k not in (*SECTIONS, "v"))
    if unknown:
        raise Unreadable(safe_name(unknown[0]), "not a section of a state block")
    inputs = data.get("inputs") or []
    if not isinstance(inputs, list) or not all(isinstance(x, str) for x in inputs):
        raise Unreadable("inputs", "the section is not a list of strings")
    return StateBlock(
        subjects=_table("subjects", data.get("subjects", {}), _subject),
        objects=_table("objects", data.get("objects", {}), _object),
        outbox=_table("outbox", data.get("outbox", {}), _message(version)),
        writes=_table("writes", data.get("writes", {}), _write),
        inputs=tuple(inputs),
        cursors=_table("cursors", data.get("cursors", {}), parse_cursor),
    )


def named_ids(value: object, subjects: Mapping[str, object] | set[str] | frozenset[str],
              ) -> tuple[str, ...]:
    """Which of ``subjects`` the JSON ``value`` names: string values equal to a subject id
    (whole strings only: ``…/reports/1`` is not named by ``…/reports/12``), sorted."""
    found: set[str] = set()
    stack: list[object] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if node in subjects:
                found.add(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return tuple(sorted(found))
