"""Say in plain words what a parsed document does: who, what, to which report/case, and the
state change. Only ids, types and states are quoted, never report or note content."""

from __future__ import annotations

from bridge.core.catalogue.classify import Resolver, classify
from bridge.core.catalogue.table import spec_for
from bridge.core.vocab.activities import Activity
from bridge.core.vocab.base import ASObject, ref_id, ref_ids
from bridge.core.vocab.enums import EM, PXA, VFD
from bridge.core.vocab.objects import (
    Actor,
    CaseLedgerEntry,
    CaseParticipant,
    CaseStatus,
    EmbargoEvent,
    ParticipantStatus,
)

_NOUNS = {"VulnerabilityReport": "report", "VulnerabilityCase": "case", "Note": "note",
          "CaseParticipant": "participant", "EmbargoEvent": "embargo",
          "CaseLedgerEntry": "case log entry"}


def describe(value: object, depth: int = 0) -> str:
    """A short phrase naming ``value`` by type and id."""
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"{value} (a URI reference, type unknown)"
    if isinstance(value, Activity):
        text = f"the {value.type} {value.id or '(no id)'} by {ref_id(value.actor) or 'unknown'}"
        if depth < 3 and value.object_ is not None:
            text += f" of {describe(value.object_, depth + 1)}"
        return text
    if isinstance(value, Actor):
        return f"{value.type.lower()} {value.id or '(no id)'}"
    if isinstance(value, ParticipantStatus):
        return f"participant status (RM {value.rm_state}, vfd {value.vfd_state})"
    if isinstance(value, CaseStatus):
        return f"case status (EM {value.em_state}, pxa {value.pxa_state})"
    if isinstance(value, EmbargoEvent):
        span = ""
        if value.end_time is not None:
            start = value.start_time.isoformat() if value.start_time else "?"
            span = f" from {start} to {value.end_time.isoformat()}"
        return f"embargo {value.id or '(no id)'}{span}"
    if isinstance(value, CaseParticipant):
        roles = ", ".join(r.value for r in value.case_roles) or "no roles"
        who = ", ".join(ref_ids(value.attributed_to)) or "unknown actor"
        return f"participant {value.id or '(no id)'} for {who} ({roles})"
    if isinstance(value, ASObject):
        return f"{_NOUNS.get(value.type, value.type)} {value.id or '(no id)'}"
    return "an unrecognised value"


def explain(
    document: ASObject,
    *,
    em_state: EM | None = None,
    vfd_state: VFD | None = None,
    pxa_state: PXA | None = None,
    resolve: Resolver | None = None,
) -> list[str]:
    """Lines of plain text explaining ``document``."""
    if not isinstance(document, Activity):
        about = [f"A {document.type} object, not an activity: {describe(document)}."]
        owners = ref_ids(document.attributed_to)
        if owners:
            about.append(f"Attributed to {', '.join(owners)}.")
        about.append("Sending it alone causes no state change.")
        return about
    actor = ref_id(document.actor) or "an unknown actor"
    message = classify(document, em_state=em_state, vfd_state=vfd_state, pxa_state=pxa_state,
                       resolve=resolve)
    lines: list[str] = []
    if message is None:
        article = "an" if document.type[:1] in "AEIOU" else "a"
        lines.append(f"{actor} sends {article} {document.type} of {describe(document.object_)}.")
        lines.append("This matches no Vultron message type (an object given only as a "
                     "reference cannot be typed), so no state change is known.")
    else:
        spec = spec_for(message)
        lines.append(f"{actor} sends {message.value} ({spec.name}): {spec.description}.")
        lines.append(f"Object: {describe(document.object_)}.")
        if spec.em_states:
            states = "/".join(s.value for s in spec.em_states)
            lines.append(f"Read as {message.value} because the case EM state is taken as "
                         f"{states}; pass the case state to tell the pair apart.")
        changes = "; ".join(str(c) for c in spec.changes) or "none"
        lines.append(f"State change: {changes}.")
    for label, value in (("Target", document.target), ("Origin", document.origin)):
        if value is not None:
            lines.append(f"{label}: {describe(value)}.")
    case = ref_id(document.context)
    if case:
        lines.append(f"Case/context: {case}.")
    recipients = ref_ids(document.to)
    if recipients:
        lines.append(f"To: {', '.join(recipients)}.")
    inner = document.object_
    if isinstance(inner, CaseLedgerEntry) and isinstance(inner.payload_snapshot, ASObject):
        lines.append(f"The log entry #{inner.log_index} ({inner.event_type or 'no event type'}) "
                     "records:")
        lines.extend("  " + line for line in explain(
            inner.payload_snapshot, em_state=em_state, vfd_state=vfd_state,
            pxa_state=pxa_state, resolve=resolve))
    return lines
