"""The bridge as case owner (pure): the case a validated report becomes, and its document.

A vendor that validates a report it was offered creates the case (DESIGN, "the case and who
may act on it"): an id under our base URL derived from the report id (reprocessing the same
validation yields the same case), the report, and two participants:

* the finder (its first offerer): roles ``finder`` and ``reporter``, RM ACCEPTED — it offered
  the report, which is how the reference implementation seeds its reporter participant;
* us: ``vendor``, ``case_owner`` and ``case_manager``, RM VALID. ``case_manager`` because the
  reference implementation addresses every participant-originated message (embargo answers,
  statuses) to the case's CASE_MANAGER participant and fails those triggers when the case has
  none; it also stores that participant's actor as the trusted case actor of the case it
  accepts from us.

The document is sent as ``Create(VulnerabilityCase)`` before any case-level message, in the
reference implementation's shape (participants inline with their roles and statuses, the
``actorParticipantIndex``, the reports inline, one ``CaseStatus``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime

from bridge.core.case.model import Case, EmbargoRef, Participant
from bridge.core.vocab.base import AS_CONTEXT
from bridge.core.vocab.enums import EM, PEC, PXA, RM, VFD, CVDRole
from bridge.core.vocab.objects import (
    CaseParticipant,
    CaseStatus,
    ParticipantStatus,
    VulnerabilityCase,
    VulnerabilityReport,
)

OWNER_ROLES = ("vendor", "case_owner", "case_manager")
"""Our roles in a case we create."""
FINDER_ROLES = ("finder", "reporter")
"""The roles of the report's finder in the case we create (the reference spells them so)."""
OWNER_RM = "VALID"
FINDER_RM = "ACCEPTED"
_ROLE_ORDER = {role.value: n for n, role in enumerate(CVDRole)}


def _digest(text: str, size: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:size]


def case_id_for(base_url: str, report_id: str) -> str:
    """The id of the case we create for ``report_id``: ``{base_url}/cases/<digest>``."""
    return f"{base_url.rstrip('/')}/cases/{_digest(report_id, 32)}"


def participant_id(case_id: str, actor: str) -> str:
    """The id of ``actor``'s CaseParticipant object in a case we own."""
    return f"{case_id}/participants/{_digest(actor, 24)}"


def new_case(case_id: str, us: str, report_id: str, finder: str | None) -> Case:
    """The case we create when we validate ``report_id`` (offered to us by ``finder``)."""
    people = {us: Participant(us, frozenset(OWNER_ROLES), OWNER_RM, vfd=VFD.Vfd.value)}
    if finder and finder != us:
        people[finder] = Participant(finder, frozenset(FINDER_ROLES), FINDER_RM)
    return Case(id=case_id, owner=us, reports=(report_id,), participants=people)


def ordered_roles(roles: frozenset[str] | Sequence[str]) -> list[CVDRole]:
    """Known roles in the protocol's order (unknown ones left out)."""
    known = [r for r in roles if r in _ROLE_ORDER]
    return [CVDRole(r) for r in sorted(set(known), key=_ROLE_ORDER.__getitem__)]


def _consent(value: str | None) -> PEC:
    return PEC(value) if value is not None and value in PEC.__members__ else PEC.NO_EMBARGO


def _participant(case: Case, person: Participant, published: datetime) -> CaseParticipant:
    pid = participant_id(case.id, person.actor)
    roles = ordered_roles(person.roles)
    vfd = VFD(person.vfd) if person.vfd is not None and person.vfd in VFD.__members__ \
        else VFD.vfd
    status = ParticipantStatus(
        at_context=AS_CONTEXT, id=f"{pid}/statuses/{person.rm.lower()}",
        name=f"{person.rm} {vfd.value}", context=case.id, attributed_to=person.actor,
        published=published, updated=published, rm_state=RM(person.rm), vfd_state=vfd,
        em_consent_state=_consent(person.consent), cvd_role=roles,
    )
    return CaseParticipant(
        at_context=AS_CONTEXT, id=pid, name=person.actor, context=case.id,
        attributed_to=person.actor, published=published, updated=published, case_roles=roles,
        participant_statuses=[status], embargo_consent_state=_consent(person.consent),
    )


def case_document(case: Case, *, reports: Sequence[VulnerabilityReport | str],
                  published: datetime, em: str = EM.NONE.value, pxa: str = "pxa",
                  proposed: Sequence[EmbargoRef] = ()) -> VulnerabilityCase:
    """``case`` as a ``VulnerabilityCase`` in the reference implementation's shape.

    ``reports`` are the case's reports as they should travel (inline, or by id); the owner
    (``attributedTo``) and the status come from ``case``, ``em`` and ``pxa``.
    """
    people: Mapping[str, Participant] = case.participants
    participants = [_participant(case, people[actor], published) for actor in people]
    status = CaseStatus(
        at_context=AS_CONTEXT, id=f"{case.id}/statuses/{em.lower()}-{pxa}",
        name=f"{em} {pxa}", context=case.id, attributed_to=case.owner, published=published,
        updated=published, em_state=EM(em), pxa_state=PXA(pxa),
    )
    return VulnerabilityCase(
        at_context=AS_CONTEXT, id=case.id, attributed_to=case.owner, published=published,
        updated=published, case_participants=list(participants),
        actor_participant_index={actor: participant_id(case.id, actor) for actor in people},
        vulnerability_reports=list(reports), case_statuses=[status],
        active_embargo=case.active_embargo.id if case.active_embargo else None,
        proposed_embargoes=[e.id for e in proposed],
    )
