"""The ActivityStreams object every Vultron model derives from.

Python attributes are snake_case; on the wire they are camelCase (``attributedTo``,
``inReplyTo``), ``@context`` and ``object`` keep their spelling. Unknown fields are kept
(``extra="allow"``) so that nothing a peer sent is lost on the way through the bridge.

Three class-level tables tell the tolerant parser (``bridge.core.vocab.parse``) what to do with
a class's fields: which hold nested objects (``NESTED``), which hold enums (``ENUMS``) and which
legacy field names map to current ones (``RENAMED``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"

#: parser hint: the field holds one nested object/reference, or a list of them
ONE = "one"
MANY = "many"

EnumCoercer = Callable[[object, str], tuple[StrEnum, str | None]]


class ASObject(BaseModel):
    """An ActivityStreams 2.0 object; subclasses pin ``type`` to one literal."""

    model_config = ConfigDict(
        extra="allow", populate_by_name=True, alias_generator=to_camel, validate_assignment=False
    )

    NESTED: ClassVar[dict[str, str]] = {}
    """wire field name -> ONE or MANY: values parsed as nested objects or kept as references."""
    ENUMS: ClassVar[dict[str, tuple[EnumCoercer, bool]]] = {}
    """wire field name -> (coercer, is_list)."""
    RENAMED: ClassVar[dict[str, str]] = {}
    """legacy wire field name -> current wire field name."""

    at_context: str | None = Field(default=None, alias="@context")
    type: str = "Object"
    id: str | None = None
    name: str | None = None
    summary: Any = None
    content: Any = None
    media_type: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: str | None = None
    context: Any = None
    attributed_to: Any = None
    in_reply_to: Any = None
    to: Any = None
    cc: Any = None
    bto: Any = None
    bcc: Any = None
    audience: Any = None
    url: Any = None
    tag: Any = None
    attachment: Any = None
    generator: Any = None
    replies: Any = None
    preview: Any = None
    icon: Any = None
    image: Any = None
    location: Any = None

    @property
    def extras(self) -> dict[str, Any]:
        """Fields the vocabulary does not name, kept as received."""
        return dict(self.__pydantic_extra__ or {})


def ref_id(value: object) -> str | None:
    """The id of a reference or inline object (``None`` when there is none)."""
    if isinstance(value, str):
        return value
    if isinstance(value, ASObject):
        return value.id
    if isinstance(value, dict):
        found = value.get("id")
        return found if isinstance(found, str) else None
    return None


def ref_ids(value: object) -> list[str]:
    """Ids of a single reference/object or of a list of them (``to``, ``cc``, ``attributedTo``)."""
    items = value if isinstance(value, list) else [value]
    return [i for i in (ref_id(item) for item in items) if i]
