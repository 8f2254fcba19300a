"""Turn one decoded delivery of our Trac plugin into tracker-neutral events (pure).

The plugin's body (``adapters/trac/plugin/hooks.py``): ``event``, ``delivery``, ``project``,
``author``, ``time``, ``ticket`` (its fields now, ``security`` included), and for
``ticket.changed`` the ``comment`` and ``changes`` (``{field: {old, new}}``). The mapping is
the table in ``docs/trac.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.trac.refs import FORM
from bridge.core.commands import parse_commands
from bridge.core.errors import InputError
from bridge.core.events import EventKind, TrackerEvent
from bridge.core.refs import TrackerRef

Handler = Callable[["Delivery"], list[TrackerEvent] | str]


class Delivery:
    """One delivery: the tracker's name and the checked payload."""

    def __init__(self, tracker: str, payload: Mapping[str, Any], delivery_id: str | None):
        self.tracker = tracker
        self.payload = payload
        self.delivery_id = delivery_id
        ticket = payload.get("ticket")
        project = payload.get("project")
        if not isinstance(ticket, Mapping) or not isinstance(project, str):
            raise InputError("the Trac delivery has no ticket or project")
        number = ticket.get("id")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise InputError("the Trac delivery's ticket has no id")
        self.ticket = ticket
        if not FORM.project.fullmatch(project):  # never echoed: the body may be embargoed
            raise InputError("the Trac delivery's project is not an environment name")
        self.ref = TrackerRef(tracker, project, number)
        author = payload.get("author")
        self.actor = author if isinstance(author, str) and author else None
        when = payload.get("time")
        self.at = (datetime.fromtimestamp(when, UTC)
                   if isinstance(when, int | float) and not isinstance(when, bool) else None)

    def event(self, kind: EventKind, **fields: Any) -> TrackerEvent:
        security = self.ticket.get("security")
        return TrackerEvent(kind=kind, tracker=self.tracker, ref=self.ref,
                            project=self.ref.project, actor=self.actor, at=self.at,
                            delivery_id=self.delivery_id,
                            private=security if isinstance(security, bool) else None,
                            **fields)


def _words(value: Any) -> list[str]:
    text = value if isinstance(value, str) else ""
    return [w for w in text.replace(",", " ").split() if w]


def _changes(d: Delivery) -> Mapping[str, Any]:
    changes = d.payload.get("changes") or {}
    if not isinstance(changes, Mapping):
        raise InputError("the Trac delivery's changes are not an object")
    return changes


def _side(change: Any, side: str) -> Any:
    return change.get(side) if isinstance(change, Mapping) else None


def created(d: Delivery) -> list[TrackerEvent] | str:
    return [d.event(EventKind.OPENED, text=None)]


def deleted(d: Delivery) -> list[TrackerEvent] | str:
    return [d.event(EventKind.DELETED)]


def changed(d: Delivery) -> list[TrackerEvent] | str:
    events: list[TrackerEvent] = []
    changes = _changes(d)
    if "keywords" in changes:
        old = _words(_side(changes["keywords"], "old"))
        new = _words(_side(changes["keywords"], "new"))
        events += [d.event(EventKind.LABELED, label=w) for w in new if w not in old]
        events += [d.event(EventKind.UNLABELED, label=w) for w in old if w not in new]
    if "status" in changes:
        was = _side(changes["status"], "old")
        now = _side(changes["status"], "new")
        if now == "closed" and was != "closed":
            events.append(d.event(EventKind.CLOSED))
        elif was == "closed" and now != "closed":
            events.append(d.event(EventKind.REOPENED))
    security = d.ticket.get("security")
    if any(field in changes for field in ("type", "security")) and isinstance(security, bool):
        events.append(d.event(EventKind.MADE_PRIVATE if security else EventKind.MADE_PUBLIC))
    comment = d.payload.get("comment")
    if isinstance(comment, str) and comment.strip():
        commands = parse_commands(comment)
        events += [d.event(EventKind.COMMAND, command=c, text=comment) for c in commands]
        if not commands:
            events.append(d.event(EventKind.COMMENTED, text=comment))
    return events or "the change touches nothing the bridge reads"


HANDLERS: Mapping[str, Handler] = {
    "ticket.created": created,
    "ticket.changed": changed,
    "ticket.deleted": deleted,
}
