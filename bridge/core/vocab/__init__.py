"""The Vultron wire vocabulary: models, tolerant parsing, current-format emission."""

from bridge.core.vocab.activities import (
    ACTIVITY_CLASSES,
    Accept,
    Activity,
    Add,
    Announce,
    Create,
    Ignore,
    Invite,
    Join,
    Leave,
    Offer,
    Question,
    Read,
    Reject,
    Remove,
    TentativeAccept,
    TentativeReject,
    Undo,
    Update,
)
from bridge.core.vocab.base import AS_CONTEXT, ASObject, ref_id, ref_ids
from bridge.core.vocab.emit import to_json, to_wire
from bridge.core.vocab.enums import EM, PEC, PXA, RM, VFD, CVDRole
from bridge.core.vocab.objects import (
    ACTOR_CLASSES,
    OBJECT_CLASSES,
    Actor,
    Application,
    CaseLedgerEntry,
    CaseParticipant,
    CaseStatus,
    EmbargoEvent,
    Group,
    Note,
    Organization,
    ParticipantStatus,
    Person,
    Service,
    VulnerabilityCase,
    VulnerabilityReport,
)
from bridge.core.vocab.parse import Parsed, parse_activity, parse_bytes, parse_document

__all__ = [
    "ACTIVITY_CLASSES", "ACTOR_CLASSES", "AS_CONTEXT", "EM", "OBJECT_CLASSES", "PEC", "PXA", "RM",
    "VFD", "ASObject", "Accept", "Activity", "Actor", "Add", "Announce", "Application",
    "CVDRole", "CaseLedgerEntry", "CaseParticipant", "CaseStatus", "Create", "EmbargoEvent",
    "Group", "Ignore", "Invite", "Join", "Leave", "Note", "Offer", "Organization", "Parsed",
    "ParticipantStatus", "Person", "Question", "Read", "Reject", "Remove", "Service",
    "TentativeAccept", "TentativeReject", "Undo", "Update", "VulnerabilityCase",
    "VulnerabilityReport", "parse_activity", "parse_bytes", "parse_document", "ref_id",
    "ref_ids", "to_json", "to_wire",
]
