"""What of an input may be quoted back in an error, a reason or a log line (pure).

Inputs may hold embargoed report details, and errors reach HTTP answers, logs and comments;
so a rejected value is quoted only when it is clearly harmless, else described. One module
holds the three policies (``bridge.core.safetext`` is the other fact: text made inert for a
tracker body):

* ``shown(value)`` — a short printable string quoted (``repr``), anything else described
  ("a string of 300 characters"): validation errors of the core's own parsers;
* ``safe_name(value)`` — an identifier (a letter, then up to 63 letters, digits or ``_``), else
  ``<unrecognised value>``: activity and object type names;
* ``word(value)`` — a short lower-case word quoted, else ``<unrecognised>``: webhook payload
  values (event actions, kinds) in the adapters' ignore reasons.
"""

from __future__ import annotations

import re

_SHOW_LIMIT = 48
_SAFE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_WORD = re.compile(r"[a-z][a-z_]{0,39}")


def shown(value: object) -> str:
    """A safe rendering of a rejected value for an error message.

    Short printable strings are quoted; anything else is described, never echoed (input may
    hold embargoed report details).
    """
    if isinstance(value, str) and len(value) <= _SHOW_LIMIT and value.isprintable():
        return repr(value)
    if isinstance(value, str):
        return f"a string of {len(value)} characters"
    return f"a value of type {type(value).__name__}"


def safe_name(value: object) -> str:
    """A short identifier from the input, or a placeholder when it is not one (never echo)."""
    if isinstance(value, str) and _SAFE_NAME.match(value):
        return value
    return "<unrecognised value>"


def word(value: object) -> str:
    """A payload value fit to quote in a reason: a short lower-case word, else a placeholder.
    Reasons reach HTTP answers, and payloads may hold embargoed details."""
    return repr(value) if isinstance(value, str) and _WORD.fullmatch(value) else "<unrecognised>"
