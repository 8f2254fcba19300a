"""How per-participant consent (PEC) follows the case embargo (EM): one EM message, both machines.

Rules, from the Vultron specification §7.3/§9 and "Participant Embargo Consent" (MSM-07):

- ``EP``/``EV`` (a proposal): the case's EM state moves (``NONE``/``PROPOSED`` -> ``PROPOSED``,
  ``ACTIVE``/``REVISE`` -> ``REVISE``); each invitee is ``INVITE``d. Signatories are left alone
  by ``EP``; entering ``REVISE`` first lapses every signatory (``SIGNATORY -> LAPSED``), so they
  are re-invited to the revised terms.
- ``EA``/``EC`` (accept): every accepting participant becomes ``SIGNATORY``; only the case
  owner's acceptance moves EM (``PROPOSED``/``REVISE`` -> ``ACTIVE``). Anyone else may accept
  whatever terms exist (a participant joining an active embargo accepts it with ``EA``).
- ``ER``/``EJ`` (reject): the participant becomes ``DECLINED`` (from ``SIGNATORY`` this is
  consent withdrawal); only the case owner's rejection moves EM (``PROPOSED`` -> ``NONE``,
  ``REVISE`` -> ``ACTIVE``, prior terms stand).
- ``ET`` (terminate): EM -> ``EXITED``; every participant's consent is reset to ``NO_EMBARGO``.
- A participant joining the case starts ``INVITED`` when an embargo is proposed or in force
  (the inviter must propose the existing embargo to them), else ``NO_EMBARGO``.

Who may terminate an embargo is an open question in the protocol; the caller decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from bridge.core.errors import InputError, TransitionRefused
from bridge.core.states import pec as pec_machine
from bridge.core.states.em import DESCRIBE, EM, OPEN, Embargo, EMEvent, apply, require_aware
from bridge.core.states.pec import PEC, PECEvent
from bridge.core.states.rm import RM

_ACCEPTS = frozenset({EMEvent.ACCEPT, EMEvent.ACCEPT_REVISION})
_REJECTS = frozenset({EMEvent.REJECT, EMEvent.REJECT_REVISION})
_PROPOSALS = frozenset({EMEvent.PROPOSE, EMEvent.PROPOSE_REVISION})

NON_OWNER_ANSWER_STATES: dict[EMEvent, frozenset[EM]] = {
    EMEvent.ACCEPT: frozenset({EM.PROPOSED, EM.ACTIVE, EM.REVISE}),
    EMEvent.REJECT: frozenset({EM.PROPOSED, EM.ACTIVE, EM.REVISE}),
    EMEvent.ACCEPT_REVISION: frozenset({EM.REVISE}),
    EMEvent.REJECT_REVISION: frozenset({EM.REVISE}),
}
"""EM states in which a participant other than the owner may answer (EM itself stays put)."""


def join_consent(em: EM) -> PEC:
    """The consent state of a participant joining a case whose embargo is in ``em``."""
    return PEC.INVITED if em in OPEN else PEC.NO_EMBARGO


def cascade(before: EM, after: EM, consents: Mapping[str, PEC]) -> dict[str, PEC]:
    """Consent after the case's EM state moved from ``before`` to ``after``.

    Entering ``REVISE`` lapses every signatory; entering ``EXITED`` resets everyone.
    """
    out = dict(consents)
    if after is EM.REVISE and before is not EM.REVISE:
        for actor, state in out.items():
            if state is PEC.SIGNATORY:
                out[actor] = pec_machine.transition(state, PECEvent.REVISE)
    if after is EM.EXITED and before is not EM.EXITED:
        out = {a: pec_machine.transition(s, PECEvent.RESET) for a, s in out.items()}
    return out


def may_receive_content(rm: RM, em: EM, consent: PEC) -> bool:
    """Whether a participant may be sent report content (Vultron spec §9.7).

    It must be admitted to the case (RM past ``START``) and either be a signatory of the
    embargo or the case has no embargo proposed or in force (``NONE``/``EXITED``).
    """
    admitted = rm is not RM.START
    return admitted and (consent is PEC.SIGNATORY or em in (EM.NONE, EM.EXITED))


@dataclass(frozen=True, slots=True)
class CaseEmbargo:
    """A case's embargo (:class:`~bridge.core.states.em.Embargo`) and each participant's consent.

    ``consents`` is a sorted tuple of ``(actor id, PEC)`` pairs; use :meth:`consent_of` and
    :meth:`as_dict` to read it.
    """

    owner: str
    embargo: Embargo = Embargo()
    consents: tuple[tuple[str, PEC], ...] = ()

    def __post_init__(self) -> None:
        actors = [a for a, _ in self.consents]
        if len(set(actors)) != len(actors):
            raise InputError("a participant is listed twice in the embargo consents")
        object.__setattr__(self, "consents", tuple(sorted(self.consents)))

    def as_dict(self) -> dict[str, PEC]:
        return dict(self.consents)

    def consent_of(self, actor: str) -> PEC:
        """The actor's consent state; :class:`InputError` if it is not a participant."""
        try:
            return self.as_dict()[actor]
        except KeyError:
            raise InputError("the actor is not a participant of this case") from None


def start(owner: str, participants: Iterable[str] = ()) -> CaseEmbargo:
    """A case with no embargo: the owner and ``participants``, all ``NO_EMBARGO``."""
    actors = dict.fromkeys([owner, *participants])
    return CaseEmbargo(owner, Embargo(), tuple((a, PEC.NO_EMBARGO) for a in actors))


def join(case: CaseEmbargo, actor: str) -> CaseEmbargo:
    """Add a participant, with the consent state :func:`join_consent` gives."""
    if actor in case.as_dict():
        raise TransitionRefused("PEC: cannot add a participant that is already in the case")
    pair = (actor, join_consent(case.embargo.state))
    return replace(case, consents=(*case.consents, pair))


def receive(
    case: CaseEmbargo,
    actor: str,
    event: EMEvent,
    *,
    end_time: datetime | None = None,
    now: datetime | None = None,
    invitees: Iterable[str] | None = None,
) -> CaseEmbargo:
    """The case embargo after ``actor`` sent (or we observed) the EM message ``event``.

    ``invitees`` (proposals only) defaults to every participant but the proposer; invitees
    already ``INVITED`` stay so (invited to the newer terms), signatories are left alone.
    A non-owner's answer that names an ``end_time`` must name the terms it answers. All
    checks run before anything changes: a refusal leaves nothing half-applied.
    """
    consents = case.as_dict()
    if actor not in consents:
        raise InputError("the actor is not a participant of this case")
    before = case.embargo.state
    if event in _PROPOSALS or event is EMEvent.TERMINATE or actor == case.owner:
        embargo = apply(case.embargo, event, end_time=end_time, now=now)
    else:
        embargo = _non_owner_answer(case.embargo, event, end_time)
    consents = cascade(before, embargo.state, consents)
    if event in _PROPOSALS:
        chosen = [a for a in consents if a != actor] if invitees is None else list(invitees)
        for invitee in chosen:
            if invitee not in consents:
                raise InputError("an invitee is not a participant of this case")
            if consents[invitee] not in (PEC.SIGNATORY, PEC.INVITED):
                consents[invitee] = pec_machine.transition(consents[invitee], PECEvent.INVITE)
    elif event in _ACCEPTS:
        consents[actor] = pec_machine.transition(consents[actor], PECEvent.ACCEPT)
    elif event in _REJECTS:
        consents[actor] = pec_machine.transition(consents[actor], PECEvent.DECLINE)
    return replace(case, embargo=embargo, consents=tuple(consents.items()))


def _non_owner_answer(embargo: Embargo, event: EMEvent, end_time: datetime | None) -> Embargo:
    allowed = NON_OWNER_ANSWER_STATES[event]
    if embargo.state not in allowed:
        where = ", ".join(sorted(allowed))
        raise TransitionRefused(
            f"EM: a participant cannot {DESCRIBE[event]} ({event}) in state {embargo.state}; "
            f"there are no such terms to answer (allowed from {where})"
        )
    if end_time is not None:
        require_aware(end_time, "embargo end time")
        if end_time not in (embargo.proposed_end_time, embargo.end_time):
            raise TransitionRefused(
                f"EM: cannot {DESCRIBE[event]} ({event}) for an end time that is neither the "
                f"agreed nor the proposed one in state {embargo.state}: the answer is stale"
            )
    return embargo
