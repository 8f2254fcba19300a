"""Participant Embargo Consent (PEC): one participant's position on the case's embargo.

States and spellings are the reference server's ``PEC`` enum (``NO_EMBARGO``, ``INVITED``,
``SIGNATORY``, ``DECLINED``, ``LAPSED``; newer Vultron documents call ``NO_EMBARGO``
``UNBOUND``, accepted as an alias). Transitions follow the Vultron specification §9.2 and
the "Participant Embargo Consent" page (MSM-07): consent withdrawal ``SIGNATORY -> DECLINED``
included, re-inviting a signatory refused. How PEC follows the case's EM state is in
:mod:`bridge.core.states.consent`.
"""

from __future__ import annotations

from enum import StrEnum

from bridge.core.states.common import events_from, parse_enum, step


class PEC(StrEnum):
    """Participant Embargo Consent states (values are the reference server's spellings)."""

    NO_EMBARGO = "NO_EMBARGO"
    INVITED = "INVITED"
    SIGNATORY = "SIGNATORY"
    DECLINED = "DECLINED"
    LAPSED = "LAPSED"


class PECEvent(StrEnum):
    """PEC triggers. None has a wire message of its own: they follow EM messages and timers."""

    INVITE = "invite"
    """An embargo (or the existing one) was proposed to this participant (EP, EV)."""
    ACCEPT = "accept"
    """This participant accepted the terms (EA, EC)."""
    DECLINE = "decline"
    """This participant rejected the terms or withdrew consent (ER, EJ)."""
    REVISE = "revise"
    """Cascade: the case entered ``REVISE``, so prior consent no longer covers the terms."""
    TIMEOUT = "timeout"
    """Pocket veto: the invitation's answer deadline passed without an answer."""
    RESET = "reset"
    """Cascade: the embargo ended (``EXITED``)."""


DESCRIBE: dict[PECEvent, str] = {
    PECEvent.INVITE: "invite the participant to the embargo",
    PECEvent.ACCEPT: "record the participant's acceptance",
    PECEvent.DECLINE: "record the participant's refusal",
    PECEvent.REVISE: "lapse the participant's consent for a revision",
    PECEvent.TIMEOUT: "time out the participant's invitation",
    PECEvent.RESET: "reset the participant's consent",
}

_INVITE_FROM = (PEC.NO_EMBARGO, PEC.LAPSED, PEC.DECLINED)
_ACCEPT_FROM = (PEC.NO_EMBARGO, PEC.INVITED, PEC.LAPSED)
_DECLINE_FROM = (PEC.NO_EMBARGO, PEC.INVITED, PEC.LAPSED, PEC.SIGNATORY)

TRANSITIONS: dict[tuple[PEC, PECEvent], PEC] = {
    **{(s, PECEvent.INVITE): PEC.INVITED for s in _INVITE_FROM},
    **{(s, PECEvent.ACCEPT): PEC.SIGNATORY for s in _ACCEPT_FROM},
    **{(s, PECEvent.DECLINE): PEC.DECLINED for s in _DECLINE_FROM},
    (PEC.SIGNATORY, PECEvent.REVISE): PEC.LAPSED,
    (PEC.INVITED, PECEvent.TIMEOUT): PEC.DECLINED,
    (PEC.LAPSED, PECEvent.TIMEOUT): PEC.DECLINED,
    **{(s, PECEvent.RESET): PEC.NO_EMBARGO for s in PEC},
}
"""The whole PEC machine: ``(state, event) -> next state``."""

INITIAL = PEC.NO_EMBARGO

ALIASES: dict[str, PEC] = {"UNBOUND": PEC.NO_EMBARGO}


def transition(state: PEC, event: PECEvent) -> PEC:
    """The PEC state after ``event``, or :class:`~bridge.core.errors.TransitionRefused`."""
    return step(TRANSITIONS, "PEC", state, event, DESCRIBE)


def allowed_events(state: PEC) -> tuple[PECEvent, ...]:
    """The events ``transition`` accepts in ``state``."""
    return events_from(TRANSITIONS, state)


def parse(value: object) -> PEC:
    """A PEC state from a wire value (``"SIGNATORY"``, legacy ``"UNBOUND"``)."""
    return parse_enum(PEC, value, "PEC", ALIASES)


def embargo_adherence(state: PEC) -> bool:
    """The reference server's ``embargoAdherence``: true exactly for ``SIGNATORY``."""
    return state is PEC.SIGNATORY
