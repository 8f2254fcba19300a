"""Text both databases can store (pure): no NUL, no unpaired surrogate.

JSON may spell characters no database column takes: ``"\\u0000"`` (PostgreSQL's ``text`` and
``jsonb`` refuse NUL) and a lone ``"\\ud800"`` (not encodable as UTF-8, so SQLite's driver
raises before the statement runs). Such a string in an id or a field would pass the accept
path's checks and fail later, inside processing. It is refused where the input arrives,
with a 400 naming the field — never its value.
"""

from __future__ import annotations

import re
from typing import Any

from bridge.core.errors import InputError

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
MAX_PATH = 120
"""The field path in a refusal is cut to this many characters."""


def storable(text: str) -> bool:
    """True when ``text`` holds neither NUL nor an unpaired surrogate."""
    return _UNSTORABLE.search(text) is None


def _join(path: str, part: str) -> str:
    if part.isidentifier():
        return f"{path}.{part}" if path else part
    return f"{path}[{part[:40]!r}]" if path else f"[{part[:40]!r}]"


def unstorable_field(value: Any, path: str = "") -> str | None:
    """The path (``object.id``, ``to[2]``) of the first string — key or value — in a decoded
    JSON ``value`` that cannot be stored, or None. A bad key is named by its parent and
    ``<key>``; its text is never repeated."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, str):
            if not storable(node):
                return where or "(document)"
        elif isinstance(node, dict):
            items = list(node.items())
            for key, child in reversed(items):
                if not storable(str(key)):
                    return f"{where or '(document)'}.<key>"
                stack.append((_join(where, str(key)), child))
        elif isinstance(node, list | tuple):
            stack.extend((f"{where}[{i}]", child) for i, child in reversed(list(enumerate(node))))
    return None


def json_may_hold_unstorable(raw: bytes) -> bool:
    """False when JSON text ``raw`` cannot decode to a string holding NUL or an unpaired
    surrogate, so that the walk of ``check_storable`` can be skipped: in JSON that decodes,
    both can only be written as ``\\u`` escapes (a raw NUL is a control character, which
    strings may not hold; UTF-8 has no surrogates). True means: perhaps — walk the value."""
    return _UNSTORABLE_ESCAPE.search(raw) is not None


def check_storable(value: Any, what: str = "the document") -> None:
    """Raise :class:`InputError` (400) naming the field that holds NUL or an unpaired
    surrogate in ``value``."""
    field = unstorable_field(value)
    if field is not None:
        raise InputError(f"{what}: field {field[:MAX_PATH]} holds a NUL character or an "
                         "unpaired surrogate, which cannot be stored")
