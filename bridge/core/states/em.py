"""Embargo Management (EM): the case-level embargo, as a pure state machine with its end time.

States and spellings are the reference server's ``EM`` enum. Transitions are the Vultron EM
DFA (``N -> pP``, ``P -> pP | rN | aA``, ``A -> pR | tX``, ``R -> pR | aA | rA | tX``),
written with the seven EM message shorthands so that a proposal and a *revision* proposal
(and their answers) stay distinct: ``EP``/``EA``/``ER`` act on a proposal (state
``PROPOSED``), ``EV``/``EC``/``EJ`` on a revision (state ``REVISE``), ``ET`` terminates.

:class:`Embargo` carries the state together with the agreed end time and the pending
proposal's end time; every datetime must be timezone-aware. :func:`expired` compares the
agreed end time with a ``now`` the caller passes in (the core has no clock).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from bridge.core.errors import InputError, TransitionRefused
from bridge.core.states.common import events_from, parse_enum, step


class EM(StrEnum):
    """Embargo Management states (values are the reference server's spellings)."""

    NONE = "NONE"
    PROPOSED = "PROPOSED"
    ACTIVE = "ACTIVE"
    REVISE = "REVISE"
    EXITED = "EXITED"


class EMEvent(StrEnum):
    """EM events, valued by their EM message shorthand."""

    PROPOSE = "EP"
    ACCEPT = "EA"
    REJECT = "ER"
    PROPOSE_REVISION = "EV"
    ACCEPT_REVISION = "EC"
    REJECT_REVISION = "EJ"
    TERMINATE = "ET"

    @property
    def trigger(self) -> str:
        """The DFA symbol: ``propose``, ``accept``, ``reject`` or ``terminate``."""
        return self.name.split("_")[0].lower()


DESCRIBE: dict[EMEvent, str] = {
    EMEvent.PROPOSE: "propose an embargo",
    EMEvent.ACCEPT: "accept the proposed embargo",
    EMEvent.REJECT: "reject the proposed embargo",
    EMEvent.PROPOSE_REVISION: "propose an embargo revision",
    EMEvent.ACCEPT_REVISION: "accept the embargo revision",
    EMEvent.REJECT_REVISION: "reject the embargo revision",
    EMEvent.TERMINATE: "terminate the embargo",
}

TRANSITIONS: dict[tuple[EM, EMEvent], EM] = {
    (EM.NONE, EMEvent.PROPOSE): EM.PROPOSED,
    (EM.PROPOSED, EMEvent.PROPOSE): EM.PROPOSED,
    (EM.PROPOSED, EMEvent.ACCEPT): EM.ACTIVE,
    (EM.PROPOSED, EMEvent.REJECT): EM.NONE,
    (EM.ACTIVE, EMEvent.PROPOSE_REVISION): EM.REVISE,
    (EM.REVISE, EMEvent.PROPOSE_REVISION): EM.REVISE,
    (EM.REVISE, EMEvent.ACCEPT_REVISION): EM.ACTIVE,
    (EM.REVISE, EMEvent.REJECT_REVISION): EM.ACTIVE,
    (EM.ACTIVE, EMEvent.TERMINATE): EM.EXITED,
    (EM.REVISE, EMEvent.TERMINATE): EM.EXITED,
}
"""The whole EM machine: ``(state, event) -> next state``. ``EXITED`` is final."""

INITIAL = EM.NONE
FINAL = frozenset({EM.NONE, EM.EXITED})
IN_FORCE = frozenset({EM.ACTIVE, EM.REVISE})
"""States in which an agreed embargo binds its signatories (a proposal in them is a revision)."""
OPEN = frozenset({EM.PROPOSED, EM.ACTIVE, EM.REVISE})
"""States with an embargo proposed or in force (neither none nor exited)."""
PENDING = frozenset({EM.PROPOSED, EM.REVISE})
"""States with a proposal awaiting answers (its ``proposed_end_time``)."""
KEEPS_END = IN_FORCE | {EM.EXITED}
"""States whose :class:`Embargo` keeps an agreed end (``EXITED`` for the record)."""
UNKNOWN_END = datetime.max.replace(tzinfo=UTC)
"""The end held for an embargo announced in force (or proposed) without one, as reference case
actors do; ``bridge.core.times.when`` shows it as not announced."""

PROPOSALS = frozenset({EMEvent.PROPOSE, EMEvent.PROPOSE_REVISION})
ANSWERS = frozenset(
    {EMEvent.ACCEPT, EMEvent.REJECT, EMEvent.ACCEPT_REVISION, EMEvent.REJECT_REVISION}
)

ALIASES: dict[str, EM] = {
    **{f"EMBARGO_MANAGEMENT_{s.value}": s for s in EM},
    "NO_EMBARGO": EM.NONE,
    "N": EM.NONE, "P": EM.PROPOSED, "A": EM.ACTIVE, "R": EM.REVISE, "X": EM.EXITED,
}
"""Legacy names (``EMBARGO_MANAGEMENT_ACTIVE``, ``NO_EMBARGO``) and one-letter shorthands."""


def transition(state: EM, event: EMEvent) -> EM:
    """The EM state after ``event``, or :class:`~bridge.core.errors.TransitionRefused`."""
    return step(TRANSITIONS, "EM", state, event, DESCRIBE)


def allowed_events(state: EM) -> tuple[EMEvent, ...]:
    """The events ``transition`` accepts in ``state`` (empty for ``EXITED``)."""
    return events_from(TRANSITIONS, state)


def parse(value: object) -> EM:
    """An EM state from a wire value: ``"ACTIVE"``, ``"EMBARGO_MANAGEMENT_ACTIVE"``, ``"A"``."""
    return parse_enum(EM, value, "EM", ALIASES)


def require_aware(when: datetime, what: str) -> datetime:
    """``when`` itself if it is timezone-aware, else :class:`~bridge.core.errors.InputError`."""
    if not isinstance(when, datetime):
        raise InputError(f"{what} must be a datetime")
    if when.tzinfo is None or when.utcoffset() is None:
        raise InputError(
            f"{what} must be timezone-aware (got a naive datetime; add a UTC offset)"
        )
    return when


@dataclass(frozen=True, slots=True)
class Embargo:
    """A case's EM state with its terms.

    ``end_time`` is the agreed end (set in ``ACTIVE``/``REVISE``, kept in ``EXITED`` for the
    record); ``proposed_end_time`` is the pending proposal (set in ``PROPOSED``/``REVISE``).
    """

    state: EM = EM.NONE
    end_time: datetime | None = None
    proposed_end_time: datetime | None = None

    @classmethod
    def of(cls, state: EM, end_time: datetime | None,
           proposed_end_time: datetime | None) -> Embargo:
        """The embargo in ``state`` with only the terms that state keeps: the agreed end in
        ``KEEPS_END``, the proposed end in ``PENDING``."""
        return cls(state, end_time if state in KEEPS_END else None,
                   proposed_end_time if state in PENDING else None)

    def __post_init__(self) -> None:
        for name in ("end_time", "proposed_end_time"):
            value = getattr(self, name)
            if value is not None:
                require_aware(value, f"embargo {name.replace('_', ' ')}")
        has_end = self.end_time is not None
        has_proposal = self.proposed_end_time is not None
        expected = {
            EM.NONE: (False, False),
            EM.PROPOSED: (False, True),
            EM.ACTIVE: (True, False),
            EM.REVISE: (True, True),
            EM.EXITED: (has_end, False),
        }[self.state]
        if (has_end, has_proposal) != expected:
            raise InputError(
                f"inconsistent embargo record: state {self.state} "
                f"{'needs' if expected[0] else 'has no'} an agreed end time and "
                f"{'needs' if expected[1] else 'has no'} a proposed end time"
            )


def apply(
    embargo: Embargo,
    event: EMEvent,
    *,
    end_time: datetime | None = None,
    now: datetime | None = None,
) -> Embargo:
    """The embargo after ``event``.

    Proposals (``EP``, ``EV``) need the proposed ``end_time``; when ``now`` is given it must be
    in the future. Answers (``EA``, ``ER``, ``EC``, ``EJ``) may name the ``end_time`` they
    answer: if it is not the pending proposal's, the answer is stale and refused.
    ``EA``/``EC`` adopt the pending proposal; ``ER``/``EJ`` drop it; ``ET`` ends the embargo.
    """
    new_state = transition(embargo.state, event)
    if end_time is not None:
        require_aware(end_time, "embargo end time")
    if now is not None:
        require_aware(now, "the current time")
    if event in PROPOSALS:
        if end_time is None:
            raise InputError(f"an embargo proposal ({event}) needs an end time")
        if now is not None and end_time <= now:
            raise InputError(f"a proposed embargo end time ({event}) must be in the future")
        return replace(embargo, state=new_state, proposed_end_time=end_time)
    if event in ANSWERS:
        if end_time is not None and end_time != embargo.proposed_end_time:
            raise TransitionRefused(
                f"EM: cannot {DESCRIBE[event]} ({event}) for an end time that is not the "
                f"pending proposal's in state {embargo.state}: the answer is stale"
            )
        if event in (EMEvent.ACCEPT, EMEvent.ACCEPT_REVISION):
            return Embargo(new_state, embargo.proposed_end_time, None)
        return Embargo(new_state, embargo.end_time, None)
    # TERMINATE: keep the agreed end time for the record, drop any open revision.
    return Embargo(new_state, embargo.end_time, None)


def expired(embargo: Embargo, now: datetime) -> bool:
    """True when an embargo in force has reached its agreed end time at ``now``.

    The caller then terminates it (``ET``). Naive ``now`` is refused.
    """
    require_aware(now, "the current time")
    return (
        embargo.state in IN_FORCE
        and embargo.end_time is not None
        and embargo.end_time <= now
    )
