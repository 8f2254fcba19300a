"""The Vultron protocol state machines as pure code: RM, EM (+ PEC consent) and CS.

Each machine is a transition table plus ``transition(state, event)`` (raising
:class:`~bridge.core.errors.TransitionRefused` with the states involved) and
``allowed_events(state)``. Modules:

- :mod:`.rm` — Report Management, per participant.
- :mod:`.em` — Embargo Management, per case, with the end time (:class:`.em.Embargo`).
- :mod:`.pec` — Participant Embargo Consent; :mod:`.consent` — how it follows EM messages.
- :mod:`.cs` and :mod:`.cs_names` — Case State ``vfd × pxa`` and the rules on event order.
- :mod:`.label_map` — the ``vultron:*`` labels as states and events (dicts).

See ``docs/protocol.md``.
"""

from __future__ import annotations

from bridge.core.states.consent import CaseEmbargo
from bridge.core.states.cs import CaseState
from bridge.core.states.cs_names import CSEvent, PxaState, VfdState
from bridge.core.states.em import EM, Embargo, EMEvent
from bridge.core.states.pec import PEC, PECEvent
from bridge.core.states.rm import RM, RMEvent

__all__ = [
    "EM", "PEC", "RM", "CSEvent", "CaseEmbargo", "CaseState", "EMEvent", "Embargo",
    "PECEvent", "PxaState", "RMEvent", "VfdState",
]
