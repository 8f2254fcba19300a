"""Report Management (RM): one participant's handling of one report, as a pure state machine.

States and spellings are the reference server's ``RM`` enum (OpenAPI
``components.schemas.RM``). Transitions are the Vultron RM DFA (Householder & Spring 2021;
Vultron docs "RM Formal Model") plus ``RECEIVED --close--> CLOSED``, which the reference
implementation allows (``RM_CLOSABLE``). See ``docs/protocol.md`` for the table and diagram.

Events are named by their RM message shorthand (``RS`` report submission received, ``RV``
validated, ``RI`` invalidated, ``RA`` accepted/engaged, ``RD`` deferred, ``RC`` closed).
"""

from __future__ import annotations

from enum import StrEnum

from bridge.core.states.common import events_from, parse_enum, step


class RM(StrEnum):
    """Report Management states (values are the reference server's spellings)."""

    START = "START"
    RECEIVED = "RECEIVED"
    INVALID = "INVALID"
    VALID = "VALID"
    DEFERRED = "DEFERRED"
    ACCEPTED = "ACCEPTED"
    CLOSED = "CLOSED"


class RMEvent(StrEnum):
    """RM events, valued by the RM message shorthand that carries them."""

    RECEIVE = "RS"
    VALIDATE = "RV"
    INVALIDATE = "RI"
    ACCEPT = "RA"
    DEFER = "RD"
    CLOSE = "RC"

    @property
    def trigger(self) -> str:
        """The DFA symbol's name: ``receive``, ``validate``, ... ``close``."""
        return self.name.lower()


DESCRIBE: dict[RMEvent, str] = {
    RMEvent.RECEIVE: "receive the report",
    RMEvent.VALIDATE: "validate the report",
    RMEvent.INVALIDATE: "invalidate the report",
    RMEvent.ACCEPT: "accept (engage) the case",
    RMEvent.DEFER: "defer the case",
    RMEvent.CLOSE: "close the report",
}

TRANSITIONS: dict[tuple[RM, RMEvent], RM] = {
    (RM.START, RMEvent.RECEIVE): RM.RECEIVED,
    (RM.RECEIVED, RMEvent.VALIDATE): RM.VALID,
    (RM.RECEIVED, RMEvent.INVALIDATE): RM.INVALID,
    (RM.RECEIVED, RMEvent.CLOSE): RM.CLOSED,
    (RM.INVALID, RMEvent.VALIDATE): RM.VALID,
    (RM.INVALID, RMEvent.CLOSE): RM.CLOSED,
    (RM.VALID, RMEvent.ACCEPT): RM.ACCEPTED,
    (RM.VALID, RMEvent.DEFER): RM.DEFERRED,
    (RM.ACCEPTED, RMEvent.DEFER): RM.DEFERRED,
    (RM.ACCEPTED, RMEvent.CLOSE): RM.CLOSED,
    (RM.DEFERRED, RMEvent.ACCEPT): RM.ACCEPTED,
    (RM.DEFERRED, RMEvent.CLOSE): RM.CLOSED,
}
"""The whole RM machine: ``(state, event) -> next state``. ``CLOSED`` is final."""

INITIAL = RM.START
FINAL = frozenset({RM.CLOSED})

OPEN = frozenset({RM.RECEIVED, RM.INVALID, RM.VALID, RM.DEFERRED, RM.ACCEPTED})
"""Received and not yet closed (the protocol's *Open* subset)."""
VALIDATED = frozenset({RM.VALID, RM.DEFERRED, RM.ACCEPTED})
"""The protocol's *Valid Yet Unclosed* subset."""
ACTIVE = frozenset({RM.RECEIVED, RM.VALID, RM.ACCEPTED})
"""The protocol's *Active* subset (the participant is working on it)."""

ALIASES: dict[str, RM] = {
    **{f"REPORT_MANAGEMENT_{s.value}": s for s in RM},
    "S": RM.START, "R": RM.RECEIVED, "I": RM.INVALID, "V": RM.VALID,
    "D": RM.DEFERRED, "A": RM.ACCEPTED, "C": RM.CLOSED,
}
"""Legacy long names (``REPORT_MANAGEMENT_RECEIVED``) and the one-letter shorthands."""


def transition(state: RM, event: RMEvent) -> RM:
    """The RM state after ``event``; :class:`~bridge.core.errors.TransitionRefused` if not allowed.

    >>> transition(RM.RECEIVED, RMEvent.VALIDATE)
    <RM.VALID: 'VALID'>
    """
    return step(TRANSITIONS, "RM", state, event, DESCRIBE)


def allowed_events(state: RM) -> tuple[RMEvent, ...]:
    """The events ``transition`` accepts in ``state`` (empty for ``CLOSED``)."""
    return events_from(TRANSITIONS, state)


def parse(value: object) -> RM:
    """An RM state from a wire value: ``"VALID"``, ``"REPORT_MANAGEMENT_VALID"``, ``"V"``."""
    return parse_enum(RM, value, "RM", ALIASES)


def reachable(state: RM) -> frozenset[RM]:
    """Every state some chain of transitions leads to from ``state`` (``state`` excluded
    unless a cycle returns to it, as DEFERRED → ACCEPTED → DEFERRED does)."""
    seen: set[RM] = set()
    frontier = {state}
    while frontier:
        frontier = {dst for (src, _), dst in TRANSITIONS.items() if src in frontier} - seen
        seen |= frontier
    return frozenset(seen)


def goes_back(current: RM, announced: RM) -> bool:
    """Whether ``announced`` would move a participant's RM backwards from ``current``: nothing
    follows CLOSED, and any state no transition chain reaches is a regression. A peer's
    statuses can arrive out of order (a case actor replays its ledger concurrently); the
    reference keeps the RM it has then (``FilterParticipantStatusDimensionsNode``).

    >>> goes_back(RM.ACCEPTED, RM.VALID), goes_back(RM.RECEIVED, RM.ACCEPTED)
    (True, False)
    """
    if announced is current:
        return False
    return current is RM.CLOSED or announced not in reachable(current)
