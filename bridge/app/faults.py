"""Naming an unexpected exception safely: its type and where it was raised, never its message.

A bug or an unstorable value can raise anything inside processing (``UnicodeEncodeError``,
a driver's ``DataError`` whose message quotes the SQL parameters — report content). What is
stored as the input's ``last_error``, audited and logged is ``describe(exc)``:
``internal: DataError at bridge/store/state.py:88 (get_case)`` — enough for an operator to
find the code, nothing of the input.
"""

from __future__ import annotations

import traceback
from pathlib import PurePath

_OURS = ("bridge", "adapters")


def _where(exc: BaseException) -> str | None:
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        parts = PurePath(frame.filename).parts
        for i, part in reversed(list(enumerate(parts))):
            if part not in _OURS or i == len(parts) - 1:
                continue
            if "site-packages" in parts[:i] and parts[i - 1] != "site-packages":
                continue  # another distribution's ``bridge`` folder
            return f"{'/'.join(parts[i:])}:{frame.lineno} ({frame.name})"
    return None


def describe(exc: BaseException) -> str:
    """``internal: <Type> at <our innermost frame>`` (no exception message)."""
    where = _where(exc)
    name = type(exc).__name__
    return f"internal: {name} at {where}" if where else f"internal: {name}"
