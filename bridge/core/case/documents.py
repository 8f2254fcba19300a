"""A ``VulnerabilityCase`` document (as its sender states it) → :class:`Case`.

Used to judge a case document before anything of it is stored: who it names as owner and
case actor, which participants it admits (with roles, RM state and embargo consent), which
reports it claims and which embargo is active.
"""

from __future__ import annotations

from bridge.core.case.model import Case, EmbargoRef, Participant
from bridge.core.vocab.base import ref_id, ref_ids
from bridge.core.vocab.objects import (
    CaseParticipant,
    EmbargoEvent,
    ParticipantStatus,
    VulnerabilityCase,
)


def _participant(item: CaseParticipant, by_id: dict[str, str]) -> Participant | None:
    actors = ref_ids(item.attributed_to)
    actor = by_id.get(item.id or "") or (actors[0] if actors else None)
    if not actor:
        return None
    statuses = [s for s in item.participant_statuses if isinstance(s, ParticipantStatus)]
    last = statuses[-1] if statuses else None
    consent = item.embargo_consent_state or (last.em_consent_state if last else None)
    roles = {r.value for r in item.case_roles} | (
        {r.value for r in last.cvd_role} if last else set())
    return Participant(
        actor, frozenset(roles), last.rm_state.value if last else "START",
        consent.value if consent else None, last.vfd_state.value if last else None,
    )


def case_from_document(doc: VulnerabilityCase) -> Case:
    """The case a document describes (owner: the participant with the ``case_owner`` role;
    case actor: a ``case_manager`` participant other than the owner)."""
    by_id = {pid: actor for actor, pid in doc.actor_participant_index.items()}
    people: dict[str, Participant] = {}
    for item in doc.case_participants:
        if isinstance(item, CaseParticipant):
            found = _participant(item, by_id)
            if found is not None:
                people[found.actor] = found
    owner = next((a for a, p in people.items() if "case_owner" in p.roles), None)
    if owner is None:
        attributed = ref_ids(doc.attributed_to)
        owner = attributed[0] if attributed else None
    manager = next((a for a, p in people.items() if "case_manager" in p.roles and a != owner),
                   None)
    active = doc.active_embargo
    embargo = None
    if isinstance(active, EmbargoEvent) and active.id:
        embargo = EmbargoRef(active.id, active.end_time)
    elif isinstance(active, str):
        embargo = EmbargoRef(active)
    return Case(
        id=doc.id or "", owner=owner, case_actor=manager,
        reports=tuple(ref_ids(doc.vulnerability_reports)), participants=people,
        active_embargo=embargo,
    )


def embargo_of(value: object) -> EmbargoRef | None:
    """An embargo reference from an inline EmbargoEvent or its id."""
    if isinstance(value, EmbargoEvent) and value.id:
        return EmbargoRef(value.id, value.end_time)
    found = ref_id(value)
    return EmbargoRef(found) if found else None


def with_known_end(ref: EmbargoRef | None, *known: EmbargoRef | None) -> EmbargoRef | None:
    """``ref`` with its end, when a document names the embargo by id only: the end another
    word on the same EmbargoEvent carried (the case as we held it, the case an invitation
    carried inline). A bare id never erases an end we were told."""
    if ref is None or ref.end is not None:
        return ref
    return next((EmbargoRef(ref.id, k.end) for k in known
                 if k is not None and k.id == ref.id and k.end is not None), ref)


DERIVED = "#embargo"
"""What a derived embargo identity appends to the id of the activity that carried it."""


def identified(embargo: EmbargoEvent, carrier: str | None) -> EmbargoEvent:
    """``embargo`` with an identity: its own id, else one derived from the activity that
    carried it (``<carrier id>#embargo``). The reference does the same with a fresh random id
    of its own when it parses an EmbargoEvent without one (``as_Base.id_``'s default, a new
    ``urn:uuid:`` every parse); ours is derived, so processing the same activity again — or
    an answer carrying the same Invite inline — names the same embargo. Without a carrier id
    it stays without one."""
    if embargo.id or not carrier:
        return embargo
    return embargo.model_copy(update={"id": f"{carrier}{DERIVED}"})
