"""Vultron objects (report, case, participant, statuses, embargo, note, ledger entry) and actors."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from bridge.core.vocab.base import MANY, ONE, ASObject, EnumCoercer
from bridge.core.vocab.enums import (
    EM,
    PEC,
    PXA,
    RM,
    VFD,
    CVDRole,
    coerce_em,
    coerce_pec,
    coerce_pxa,
    coerce_rm,
    coerce_role,
    coerce_vfd,
)

ObjectOrRef = ASObject | str


class VulnerabilityReport(ASObject):
    type: Literal["VulnerabilityReport"] = "VulnerabilityReport"


class Note(ASObject):
    type: Literal["Note"] = "Note"


class EmbargoEvent(ASObject):
    """An embargo: ``startTime``/``endTime``, ``context`` = the case."""

    type: Literal["EmbargoEvent"] = "EmbargoEvent"


class CaseStatus(ASObject):
    """Case-wide status: the EM state and the public/exploit/attack (pxa) state."""

    ENUMS: ClassVar[dict[str, tuple[EnumCoercer, bool]]] = {
        "emState": (coerce_em, False), "pxaState": (coerce_pxa, False),
    }
    type: Literal["CaseStatus"] = "CaseStatus"
    em_state: EM = EM.NONE
    pxa_state: PXA = PXA.pxa


class ParticipantStatus(ASObject):
    """One participant's status: RM state, vendor fix path (vfd), engagement, consent."""

    NESTED: ClassVar[dict[str, str]] = {"caseStatus": ONE}
    ENUMS: ClassVar[dict[str, tuple[EnumCoercer, bool]]] = {
        "rmState": (coerce_rm, False), "vfdState": (coerce_vfd, False),
        "emConsentState": (coerce_pec, False), "cvdRole": (coerce_role, True),
    }
    RENAMED: ClassVar[dict[str, str]] = {"actor": "attributedTo"}
    type: Literal["ParticipantStatus"] = "ParticipantStatus"
    rm_state: RM = RM.START
    vfd_state: VFD = VFD.vfd
    case_engagement: bool = True
    embargo_adherence: bool = True
    em_consent_state: PEC | None = None
    cvd_role: list[CVDRole] = Field(default_factory=list)
    tracking_id: str | None = None
    case_status: ObjectOrRef | None = None


class CaseParticipant(ASObject):
    """An actor's membership of a case: ``attributedTo`` = the actor, roles and statuses."""

    NESTED: ClassVar[dict[str, str]] = {"participantStatuses": MANY}
    ENUMS: ClassVar[dict[str, tuple[EnumCoercer, bool]]] = {
        "caseRoles": (coerce_role, True), "embargoConsentState": (coerce_pec, False),
    }
    RENAMED: ClassVar[dict[str, str]] = {
        "actor": "attributedTo", "participantStatus": "participantStatuses",
    }
    type: Literal["CaseParticipant"] = "CaseParticipant"
    case_roles: list[CVDRole] = Field(default_factory=list)
    participant_statuses: list[ObjectOrRef] = Field(default_factory=list)
    accepted_embargo_ids: list[str] = Field(default_factory=list)
    embargo_consent_state: PEC | None = None
    participant_case_name: str | None = None


class VulnerabilityCase(ASObject):
    """A case: participants, reports, statuses, notes, embargoes."""

    NESTED: ClassVar[dict[str, str]] = {
        "caseParticipants": MANY, "vulnerabilityReports": MANY, "caseStatuses": MANY,
        "notes": MANY, "activeEmbargo": ONE, "proposedEmbargoes": MANY,
    }
    RENAMED: ClassVar[dict[str, str]] = {"caseStatus": "caseStatuses"}
    type: Literal["VulnerabilityCase"] = "VulnerabilityCase"
    case_participants: list[ObjectOrRef] = Field(default_factory=list)
    actor_participant_index: dict[str, str] = Field(default_factory=dict)
    vulnerability_reports: list[ObjectOrRef] = Field(default_factory=list)
    case_statuses: list[ObjectOrRef] = Field(default_factory=list)
    notes: list[ObjectOrRef] = Field(default_factory=list)
    genesis_hash: str | None = None
    active_embargo: ObjectOrRef | None = None
    proposed_embargoes: list[ObjectOrRef] = Field(default_factory=list)
    pending_embargo_proposal_index: dict[str, str] = Field(default_factory=dict)
    recommendation_recommender_index: dict[str, str] = Field(default_factory=dict)
    case_activity: list[Any] = Field(default_factory=list)
    parent_cases: list[Any] = Field(default_factory=list)
    child_cases: list[Any] = Field(default_factory=list)
    sibling_cases: list[Any] = Field(default_factory=list)

    def current_status(self) -> CaseStatus | None:
        """The last inline CaseStatus (the reference server appends)."""
        inline = [s for s in self.case_statuses if isinstance(s, CaseStatus)]
        return inline[-1] if inline else None


class CaseLedgerEntry(ASObject):
    """One hash-chained case log entry; ``payloadSnapshot`` holds the logged activity."""

    NESTED: ClassVar[dict[str, str]] = {"payloadSnapshot": ONE}
    type: Literal["CaseLedgerEntry"] = "CaseLedgerEntry"
    case_id: str | None = None
    log_index: int | None = None
    disposition: str | None = None
    log_object_id: str | None = None
    event_type: str | None = None
    payload_snapshot: ObjectOrRef | None = None
    prev_log_hash: str | None = None
    entry_hash: str | None = None
    received_at: datetime | None = None


class Actor(ASObject):
    """A generic actor; the typed subclasses below pin ``type``."""

    type: str = "Actor"
    inbox: Any = None
    outbox: Any = None
    following: Any = None
    followers: Any = None
    liked: Any = None
    streams: Any = None
    preferred_username: str | None = None
    endpoints: Any = None
    embargo_policy: Any = None


class Person(Actor):
    type: Literal["Person"] = "Person"


class Organization(Actor):
    type: Literal["Organization"] = "Organization"


class Service(Actor):
    type: Literal["Service"] = "Service"


class Application(Actor):
    type: Literal["Application"] = "Application"


class Group(Actor):
    type: Literal["Group"] = "Group"


class CoreActor(Actor):
    """The reference's internal actor type, as its ledger snapshots spell an invitee (live:
    ``invite_actor_to_case`` entries name the invited actor ``CoreActor``)."""

    type: Literal["CoreActor"] = "CoreActor"


ACTOR_CLASSES: dict[str, type[Actor]] = {
    cls.model_fields["type"].default: cls
    for cls in (Actor, Person, Organization, Service, Application, Group, CoreActor)
}

OBJECT_CLASSES: dict[str, type[ASObject]] = {
    cls.model_fields["type"].default: cls
    for cls in (VulnerabilityReport, VulnerabilityCase, CaseParticipant, CaseStatus,
                ParticipantStatus, EmbargoEvent, Note, CaseLedgerEntry)
}
