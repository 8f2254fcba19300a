"""Small input checks shared by the store modules (messages never echo the value)."""

from __future__ import annotations

from bridge.core.errors import InputError
from bridge.core.storable import storable
from bridge.store.models import MAX_KEY

MAX_ERROR = 1000
"""Stored error texts are cut to this many characters."""


def check_text(name: str, value: str, limit: int = MAX_KEY) -> str:
    """``value`` when it is a non-empty string of at most ``limit`` characters that both
    databases can store (no NUL, no unpaired surrogate)."""
    if not isinstance(value, str) or not value:
        raise InputError(f"{name} must be a non-empty string")
    if len(value) > limit:
        raise InputError(f"{name} is {len(value)} characters long; the limit is {limit}")
    if not storable(value):
        raise InputError(f"{name} holds a NUL character or an unpaired surrogate")
    return value


def clip_error(error: str | None) -> str | None:
    """An error text cut to ``MAX_ERROR`` characters for storage."""
    if error is None:
        return None
    return error if len(error) <= MAX_ERROR else error[: MAX_ERROR - 3] + "..."


def rowcount(result: object) -> int:
    """Rows matched by an INSERT/UPDATE/DELETE result (a ``CursorResult``)."""
    return int(getattr(result, "rowcount"))  # noqa: B009 - Result's type lacks rowcount
