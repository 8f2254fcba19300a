"""The case as the protocol defines it, as plain data: who owns it, who takes part (with
roles, RM state and embargo consent), its reports, its real embargo and its audience — and
the one authority rule every inbound path consults (:func:`authorize`).

- :mod:`.model` — :class:`Case`, :class:`Participant`, :class:`EmbargoRef`, :class:`Report`;
- :mod:`.claims` — what an inbound activity claims to do (:class:`Claim`), read off it;
- :mod:`.authority` — ``authorize(known, claim) → Allowed | Refused(reason)``;
- :mod:`.audience` — who a message goes to, and who may see report content.

See ``docs/security.md`` (threat model) and ``docs/protocol.md`` (the case lifecycle).
"""

from __future__ import annotations

from bridge.core.case.authority import Verdict, authorize
from bridge.core.case.claims import Act, Claim
from bridge.core.case.model import Case, EmbargoRef, Known, Participant, Report

__all__ = [
    "Act", "Case", "Claim", "EmbargoRef", "Known", "Participant", "Report", "Verdict",
    "authorize",
]
