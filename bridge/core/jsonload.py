"""A safe JSON loader for untrusted bodies, shared by the service and the CLI.

Refuses, with a reason that never quotes the input: bodies over ``max_bytes``, bytes that are
not UTF-8, nesting deeper than ``max_depth`` (counted on the decoded value; a 10,000-deep
document stops the decoder at its own recursion guard, a clean ``RecursionError`` long before
the C stack is at risk — the same refusal), text that is not JSON, ``NaN`` /
``Infinity``, duplicate keys in one object, and integers too long to convert.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bridge.core.errors import InputError

DEFAULT_MAX_BYTES = 1_048_576
DEFAULT_MAX_DEPTH = 64

# A JSON string (skipped whole) or one bracket. Unrolled loop: linear, no backtracking blow-up.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def load_json(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH
) -> Any:
    """Decode one JSON document from ``data`` or raise :class:`InputError` saying why not."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InputError("the body must be bytes")
    size = len(data)
    if size > max_bytes:
        raise InputError(f"too large: {size} bytes (limit {max_bytes})", status=413)
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8: invalid byte at offset {exc.start}") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError("empty: no JSON document")
    try:
        value = json.loads(text, parse_constant=_refuse_constant,
                           object_pairs_hook=_no_duplicates)
    except RecursionError:  # the decoder's own guard, long before the C stack is at risk
        raise InputError(f"nesting too deep: more than {max_depth} levels") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except ValueError as exc:  # int() refusing a huge number; our own hooks raise InputError
        raise InputError("not acceptable JSON: a number is too long") from exc
    # every level is a bracket: with no more brackets than levels allowed, nothing to count
    if text.count("[") + text.count("{") > max_depth and value_depth(value, max_depth) > max_depth:
        raise InputError(f"nesting too deep: more than {max_depth} levels")
    return value


def nesting_depth(text: str) -> int:
    """The deepest bracket nesting in ``text``, brackets inside strings not counted."""
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def value_depth(value: Any, limit: int | None = None) -> int:
    """The nesting depth of a decoded JSON value (``[]`` and ``{}`` are 1, a scalar 0),
    counted level by level without recursion; stops once past ``limit``."""
    level = [value] if type(value) is dict or type(value) is list else []
    depth = 0
    while level and (limit is None or depth <= limit):
        depth += 1
        below: list[Any] = []
        for node in level:
            below.extend([child for child in (node.values() if type(node) is dict else node)
                          if type(child) is dict or type(child) is list])
        level = below
    return depth


def _refuse_constant(name: str) -> Any:
    raise InputError(f"not acceptable JSON: {name} is not a JSON number")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise InputError("not acceptable JSON: duplicate key in one object")
    return result
