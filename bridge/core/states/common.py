"""Shared plumbing for the protocol state machines: table lookup, refusals, tolerant parsing.

A machine is a transition table ``{(state, event): next_state}``. :func:`step` looks a pair
up and raises :class:`~bridge.core.errors.TransitionRefused` naming the current state, the
event and the states the event would have been allowed from. :func:`parse_enum` reads a
state name liberally (case, aliases, surrounding space) and raises
:class:`~bridge.core.errors.InputError` without echoing long input back.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from bridge.core.errors import InputError, TransitionRefused
from bridge.core.quoting import shown as shown  # its home; the states import it from here

S = TypeVar("S", bound=StrEnum)
E = TypeVar("E", bound=StrEnum)

def sources_of(table: Mapping[tuple[S, E], S], event: E) -> tuple[S, ...]:
    """The states ``event`` is allowed from, in table order."""
    return tuple(dict.fromkeys(src for (src, ev) in table if ev == event))


def events_from(table: Mapping[tuple[S, E], S], state: S) -> tuple[E, ...]:
    """The events allowed from ``state``, in table order."""
    return tuple(dict.fromkeys(ev for (src, ev) in table if src == state))


def step(
    table: Mapping[tuple[S, E], S],
    machine: str,
    state: S,
    event: E,
    describe: Mapping[E, str],
) -> S:
    """The state after ``event`` in ``state``, or :class:`TransitionRefused`."""
    try:
        return table[(state, event)]
    except KeyError:
        allowed = sources_of(table, event)
        where = ", ".join(str(s) for s in allowed) if allowed else "no state"
        raise TransitionRefused(
            f"{machine}: cannot {describe[event]} ({event}) in state {state}; "
            f"{event} is allowed only from {where}"
        ) from None


def parse_enum(
    enum: type[S],
    value: object,
    machine: str,
    aliases: Mapping[str, S] | None = None,
) -> S:
    """Read a state of ``enum`` from a string: its value, name or an alias, any case."""
    if isinstance(value, enum):
        return value
    if isinstance(value, str):
        key = value.strip()
        for member in enum:
            if key == member.value or key.upper() == member.name.upper():
                return member
        if aliases:
            upper = {k.upper(): v for k, v in aliases.items()}
            if key.upper() in upper:
                return upper[key.upper()]
    raise InputError(
        f"{shown(value)} is not a valid {machine} state; expected one of "
        + ", ".join(m.value for m in enum)
    )
