"""ActivityStreams activities used by the Vultron protocol.

Each class pins ``type``. ``object`` (attribute ``object_``), ``target``, ``origin``,
``instrument``, ``result`` and ``actor`` hold an inline object or a URI reference.
ActivityStreams activity types the protocol does not use (Like, Follow, …) parse as the
generic :class:`Activity` with their own ``type`` kept.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from bridge.core.vocab.base import MANY, ONE, ASObject
from bridge.core.vocab.objects import ObjectOrRef


class Activity(ASObject):
    NESTED: ClassVar[dict[str, str]] = {
        "actor": ONE, "object": ONE, "target": ONE, "origin": ONE, "instrument": ONE,
        "result": ONE,
    }
    type: str = "Activity"
    actor: ObjectOrRef | None = None
    object_: ObjectOrRef | None = Field(default=None, alias="object")
    target: ObjectOrRef | None = None
    origin: ObjectOrRef | None = None
    instrument: ObjectOrRef | None = None
    result: ObjectOrRef | None = None


class Offer(Activity):
    type: Literal["Offer"] = "Offer"


class Accept(Activity):
    type: Literal["Accept"] = "Accept"


class Reject(Activity):
    type: Literal["Reject"] = "Reject"


class TentativeReject(Activity):
    type: Literal["TentativeReject"] = "TentativeReject"


class TentativeAccept(Activity):
    type: Literal["TentativeAccept"] = "TentativeAccept"


class Create(Activity):
    type: Literal["Create"] = "Create"


class Add(Activity):
    type: Literal["Add"] = "Add"


class Remove(Activity):
    type: Literal["Remove"] = "Remove"


class Announce(Activity):
    type: Literal["Announce"] = "Announce"


class Invite(Activity):
    type: Literal["Invite"] = "Invite"


class Join(Activity):
    type: Literal["Join"] = "Join"


class Leave(Activity):
    type: Literal["Leave"] = "Leave"


class Ignore(Activity):
    type: Literal["Ignore"] = "Ignore"


class Undo(Activity):
    type: Literal["Undo"] = "Undo"


class Read(Activity):
    type: Literal["Read"] = "Read"


class Update(Activity):
    type: Literal["Update"] = "Update"


class Question(Activity):
    """Legacy choose-preferred-embargo poll: ``anyOf``/``oneOf`` list EmbargoEvents."""

    NESTED: ClassVar[dict[str, str]] = {**Activity.NESTED, "anyOf": MANY, "oneOf": MANY}
    type: Literal["Question"] = "Question"
    any_of: list[ObjectOrRef] | None = None
    one_of: list[ObjectOrRef] | None = None


ACTIVITY_CLASSES: dict[str, type[Activity]] = {
    cls.model_fields["type"].default: cls
    for cls in (Offer, Accept, Reject, TentativeReject, TentativeAccept, Create, Add, Remove,
                Announce, Invite, Join, Leave, Ignore, Undo, Read, Update, Question)
}

#: ActivityStreams activity types with no Vultron meaning: parsed as the generic Activity
OTHER_ACTIVITY_TYPES = frozenset({
    "Activity", "Arrive", "Block", "Delete", "Dislike", "Flag", "Follow", "Like", "Listen",
    "Move", "Travel", "View",
})
