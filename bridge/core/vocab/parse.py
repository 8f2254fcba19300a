"""Tolerant parsing of Vultron documents: accept every shape seen in the wild, say what is old.

``parse_document`` takes decoded JSON (use :func:`bridge.core.jsonload.load_json` on raw bytes)
and returns the model plus warnings. Each warning names what the current reference server
would refuse or what to emit instead. Malformed input raises
:class:`~bridge.core.errors.InputError` naming the field and the problem, never the content.

Read liberally:

- ``asType`` instead of ``type``; retired custom activity types (see ``legacy.RETIRED``);
- snake_case field names (``attributed_to``, ``case_participants``), also mixed in one message;
- legacy field names (``actor`` → ``attributedTo`` on participants, ``participantStatus``,
  case ``caseStatus`` → ``caseStatuses``) and the ledger snapshot form ``"rm": {"state": …}``;
- legacy enum spellings (``CVD_ROLE_VENDOR``, ``REPORT_MANAGEMENT_RECEIVED``,
  ``CS_VENDOR_AWARE__NO_FIX__NOT_DEPLOYED``);
- ``object`` as a URI string (kept as a reference, with a warning);
- the capture envelope ``{"headers", "path", "body"}`` (the body is parsed);
- unknown extra fields (kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from bridge.core.errors import InputError
from bridge.core.jsonload import load_json
from bridge.core.quoting import safe_name
from bridge.core.vocab.activities import ACTIVITY_CLASSES, OTHER_ACTIVITY_TYPES, Activity
from bridge.core.vocab.base import MANY, ASObject
from bridge.core.vocab.legacy import upgrade_retired
from bridge.core.vocab.objects import ACTOR_CLASSES, OBJECT_CLASSES, EmbargoEvent

#: ledger snapshots write ``"rm": {"state": "RECEIVED"}``; the schema says ``rmState``
_STATE_OBJECTS = {"rm": "rmState", "vfd": "vfdState", "em": "emState", "pxa": "pxaState",
                  "consent": "emConsentState"}
_ENVELOPE_KEYS = {"headers", "path", "body", "method"}
_REPLY_TYPES = {"Accept", "Reject", "TentativeReject", "Read"}
_ANSWERED_BY_ACTIVITY = {"VulnerabilityReport", "EmbargoEvent", "VulnerabilityCase"}


@dataclass(frozen=True)
class Parsed:
    """A parsed document, the warnings about its form, and the capture envelope if any."""

    document: ASObject
    warnings: tuple[str, ...] = ()
    envelope: dict[str, Any] | None = None

    @property
    def is_activity(self) -> bool:
        return isinstance(self.document, Activity)


MAX_NESTING = 64
"""Nested objects deeper than this are refused (``load_json`` already bounds raw JSON)."""


@dataclass
class _Context:
    warnings: list[str] = field(default_factory=list)
    depth: int = 0

    def warn(self, path: str, message: str) -> None:
        text = f"{path}: {message}" if path else message
        if text not in self.warnings:
            self.warnings.append(text)


def parse_bytes(data: bytes, *, max_bytes: int = 1_048_576, max_depth: int = 64) -> Parsed:
    """Decode (safely, see ``load_json``) and parse one document."""
    return parse_document(load_json(data, max_bytes=max_bytes, max_depth=max_depth))


def parse_document(data: Any) -> Parsed:
    """Parse decoded JSON: one Vultron object or activity (or a capture envelope around one)."""
    ctx = _Context()
    envelope: dict[str, Any] | None = None
    if isinstance(data, dict) and _is_envelope(data):
        envelope = {k: v for k, v in data.items() if k != "body"}
        data = data["body"]
        if isinstance(data, str):
            data = load_json(data.encode("utf-8"))
        ctx.warn("", "capture envelope {headers, path, body}: parsed its body")
    if isinstance(data, list):
        raise InputError("the document is a JSON array; expected one JSON object")
    if not isinstance(data, dict):
        raise InputError("the document is not a JSON object")
    document = _parse_node(data, "", ctx, top=True)
    return Parsed(document=document, warnings=tuple(ctx.warnings), envelope=envelope)


def parse_activity(data: Any) -> Parsed:
    """Like :func:`parse_document` but the document must be an activity."""
    parsed = parse_document(data)
    if not parsed.is_activity:
        raise InputError(f"expected an activity, got a {parsed.document.type} object")
    return parsed


def _is_envelope(data: dict[str, Any]) -> bool:
    return "body" in data and "type" not in data and "asType" not in data and (
        set(data) <= _ENVELOPE_KEYS)


def _read_type(raw: dict[str, Any], path: str, ctx: _Context) -> str:
    has_type, has_as_type = "type" in raw, "asType" in raw
    value = raw.get("type") if has_type else raw.get("asType")
    where = f"{path}.type" if path else "type"
    if has_type and has_as_type and raw["type"] != raw["asType"]:
        raise InputError(f"{where}: 'type' and 'asType' disagree")
    if not has_type and not has_as_type:
        raise InputError(f"{where}: missing (no 'type' field)")
    if not isinstance(value, str) or not value:
        raise InputError(f"{where}: must be a non-empty string")
    if has_as_type and not has_type:
        ctx.warn(path, "uses asType: the reference server answers 400 \"Missing 'type' field\"; "
                       "emit 'type'")
    return value


def _class_for(type_name: str, path: str, ctx: _Context, *, top: bool) -> type[ASObject]:
    for table in (ACTIVITY_CLASSES, OBJECT_CLASSES, ACTOR_CLASSES):
        if type_name in table:
            return table[type_name]
    if type_name in OTHER_ACTIVITY_TYPES:
        return Activity
    if type_name == "Event":
        ctx.warn(path, "type Event read as EmbargoEvent; emit 'EmbargoEvent'")
        return EmbargoEvent
    if top:
        raise InputError(f"type: unsupported type {safe_name(type_name)}")
    ctx.warn(path, f"unknown type {safe_name(type_name)}: kept as a plain object")
    return ASObject


def _parse_node(raw: dict[str, Any], path: str, ctx: _Context, *, top: bool = False) -> ASObject:
    ctx.depth += 1
    try:
        if ctx.depth > MAX_NESTING:
            raise InputError(f"nesting too deep: more than {MAX_NESTING} nested objects")
        return _build_node(raw, path, ctx, top=top)
    finally:
        ctx.depth -= 1


def _build_node(raw: dict[str, Any], path: str, ctx: _Context, *, top: bool) -> ASObject:
    type_name = _read_type(raw, path, ctx)
    upgraded = upgrade_retired(raw, type_name)
    if upgraded is not None:
        raw, warning = upgraded
        ctx.warn(path, warning)
        type_name = raw["type"]
    cls = _class_for(type_name, path, ctx, top=top)
    fields = _normalise_keys(raw, cls, path, ctx)
    for key, kind in cls.NESTED.items():
        if key in fields:
            fields[key] = _nested(fields[key], kind, _join(path, key), ctx)
    for key, (coerce, many) in cls.ENUMS.items():
        if fields.get(key) is not None:
            fields[key] = _enum(fields[key], coerce, many, _join(path, key), ctx)
    if cls is EmbargoEvent:
        type_name = "EmbargoEvent"
    fields["type"] = type_name
    try:
        node = cls.model_validate(fields)
    except ValidationError as exc:
        raise InputError(_describe(exc, path)) from exc
    if isinstance(node, Activity) and node.type in _REPLY_TYPES:
        inner = node.object_
        if isinstance(inner, ASObject) and not isinstance(inner, Activity) and (
                inner.type in _ANSWERED_BY_ACTIVITY):
            ctx.warn(path, f"{node.type} names the {inner.type} itself; the current protocol "
                           f"answers the Offer/Invite activity: emit {node.type}(<that activity>)")
    return node


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


@cache
def _aliases(cls: type[ASObject]) -> frozenset[str]:
    return frozenset(info.alias or name for name, info in cls.model_fields.items())


def _normalise_keys(
    raw: dict[str, Any], cls: type[ASObject], path: str, ctx: _Context
) -> dict[str, Any]:
    aliases = _aliases(cls)
    out: dict[str, Any] = {k: v for k, v in raw.items() if k in aliases and k != "type"}
    for key, value in raw.items():
        if key in aliases or key in ("type", "asType"):
            continue
        target, value = _current_name(key, value, cls, aliases, path, ctx)
        if target == key:
            out[key] = value  # an unknown extra field: kept as received
        elif value is None or out.get(target) == value:
            continue  # a null or repeated legacy spelling adds nothing
        elif out.get(target) is None:
            out[target] = value
        else:
            ctx.warn(path, f"both '{key}' and '{target}' given: used '{target}'")
            out[key] = value
    return out


def _current_name(
    key: str, value: Any, cls: type[ASObject], aliases: frozenset[str], path: str, ctx: _Context
) -> tuple[str, Any]:
    if key in cls.RENAMED:
        target = cls.RENAMED[key]
        ctx.warn(path, f"legacy field '{key}': emit '{target}'")
        return target, value
    state_field = _STATE_OBJECTS.get(key)
    if state_field in aliases and isinstance(value, dict) and "state" in value:
        ctx.warn(path, f"'{key}': {{state}} form read as '{state_field}'; emit '{state_field}'")
        return state_field, value["state"]
    if key.endswith("_") and key.rstrip("_") in aliases:
        # a Python attribute name leaked onto the wire (the reference's ``object_``/``id_``
        # in some ledger snapshots, e.g. ``case_fully_closed``)
        ctx.warn(path, f"field '{key}' (an attribute name): emit '{key.rstrip('_')}'")
        return key.rstrip("_"), value
    if "_" in key and not key.startswith("@"):
        camel = to_camel(key)
        if camel in aliases:
            ctx.warn(path, f"snake_case field '{key}': emit '{camel}'")
            return camel, value
    return key, value


def _nested(value: Any, kind: str, path: str, ctx: _Context) -> Any:
    if kind == MANY:
        items = value if isinstance(value, list) else [value]
        return [_one(item, f"{path}[{i}]", ctx) for i, item in enumerate(items) if item is not None]
    if isinstance(value, list):
        raise InputError(f"{path}: a list is not supported here; give one object or reference")
    if isinstance(value, str) and path.split(".")[-1] == "object":
        ctx.warn(path, "object is a URI reference; the protocol expects it inline and typed")
    return _one(value, path, ctx)


def _one(value: Any, path: str, ctx: _Context) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _parse_node(value, path, ctx)
    raise InputError(f"{path}: expected an object or a URI reference")


def _enum(value: Any, coerce: Any, many: bool, path: str, ctx: _Context) -> Any:
    if many:
        items = value if isinstance(value, list) else [value]
        out = []
        for i, item in enumerate(items):
            member, note = coerce(item, f"{path}[{i}]")
            if note:
                ctx.warn("", note)
            out.append(member)
        return out
    member, note = coerce(value, path)
    if note:
        ctx.warn("", note)
    return member


def _describe(exc: ValidationError, path: str) -> str:
    problems = []
    for error in exc.errors(include_input=False, include_url=False)[:3]:
        loc = ".".join(_loc_part(part) for part in error["loc"])
        problems.append(f"{_join(path, loc) if loc else path or 'document'}: {error['msg']}")
    return "; ".join(problems)


def _loc_part(part: str | int) -> str:
    """A location step, unless it came from the input (a map key): those are not quoted."""
    if isinstance(part, int) or safe_name(part) == part:
        return str(part)
    return "<key>"
