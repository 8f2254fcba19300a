"""The case model: plain frozen data, loaded by the store, read by every decision.

A **subject** is what an issue speaks for: a report (before it belongs to a case) or a case.
Ids are the protocol's: a case we own has an id under our base URL; a case owned by another
party keeps its owner's id.

*Admitted* participants are the only ones who may see report content and speak in the case:
the owner admits them (the case it created names them, an ``Add(CaseParticipant)``, or an
accepted invitation); saying ``Join`` admits nobody.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bridge.core.states.cs import INITIAL_CS
from bridge.core.states.em import EM

OWNER_ROLES = frozenset({"case_owner"})
"""Roles that make a participant the case's owner."""
MANAGER_ROLES = frozenset({"case_manager"})
"""Roles of a case actor that speaks for the owner (the reference's per-case actor)."""


@dataclass(frozen=True)
class Participant:
    """One actor's place in a case."""

    actor: str
    roles: frozenset[str] = frozenset()
    rm: str = "START"
    consent: str | None = None
    vfd: str | None = None
    """The last vfd status the participant announced (``VFd`` = fix ready), if any."""


@dataclass(frozen=True)
class EmbargoRef:
    """An embargo by its real identity: the EmbargoEvent id the case names, and its end."""

    id: str
    end: datetime | None = None
    """Timezone-aware; None when the owner never announced it."""


@dataclass(frozen=True)
class Report:
    """A report we hold: who offered it first (it belongs to them), and to whom."""

    id: str
    offerer: str | None = None
    """The actor of the first ``Offer`` of this report id (its finder)."""
    offered_to: str | None = None
    """Who the report was offered to (us, when a finder offered it to us)."""
    case_id: str | None = None


@dataclass(frozen=True)
class Case:
    """One case: owner, case actor, reports, participants, embargo, case state."""

    id: str
    owner: str | None = None
    case_actor: str | None = None
    reports: tuple[str, ...] = ()
    participants: Mapping[str, Participant] = field(default_factory=dict)
    em: EM = EM.NONE
    active_embargo: EmbargoRef | None = None
    proposed: tuple[EmbargoRef, ...] = ()
    cs: str = INITIAL_CS
    invited: frozenset[str] = frozenset()
    """Actors the owner invited whose answer is still pending."""

    def speaks_for_owner(self, actor: str | None) -> bool:
        """The owner itself, or the case actor that manages the case for it."""
        return actor is not None and actor in {self.owner, self.case_actor} - {None}

    def admitted(self, actor: str | None) -> bool:
        return actor is not None and (actor in self.participants or self.speaks_for_owner(actor))

    def roles_of(self, actor: str) -> frozenset[str]:
        found = self.participants.get(actor)
        return found.roles if found else frozenset()


@dataclass(frozen=True)
class Known:
    """What the store knows that an inbound decision needs: us, and the subject it names."""

    us: str
    case: Case | None = None
    """The case the activity names, when the store knows it."""
    reports: Mapping[str, Report] = field(default_factory=dict)
    """The reports the activity (or the case it carries) names that the store knows."""
    proposed: Case | None = None
    """For a case document (``Create``/``Update(VulnerabilityCase)``): the case as it says."""
    invitations: Mapping[str, str] = field(default_factory=dict)
    """Cases we were invited to and have not answered: case id → who invited us."""

    def report(self, report_id: str | None) -> Report | None:
        return self.reports.get(report_id) if report_id else None
