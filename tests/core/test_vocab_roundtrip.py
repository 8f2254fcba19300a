"""Parse → emit → parse keeps the meaning, for every corpus file and for generated models.

Emitted documents are also checked to be in the current wire form: ``type`` (never
``asType``), camelCase names, current enum spellings, no retired activity types.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.core.catalogue import classify
from bridge.core.vocab import (
    ACTIVITY_CLASSES,
    EM,
    PEC,
    PXA,
    RM,
    VFD,
    Activity,
    Actor,
    ASObject,
    CaseLedgerEntry,
    CaseParticipant,
    CaseStatus,
    CVDRole,
    EmbargoEvent,
    Note,
    Organization,
    ParticipantStatus,
    Person,
    Question,
    Service,
    VulnerabilityCase,
    VulnerabilityReport,
    parse_document,
    to_json,
    to_wire,
)
from bridge.core.vocab.legacy import RETIRED
from tests.paths import VULTRON_CORPUS

CORPUS_FILES = sorted(VULTRON_CORPUS.rglob("*.json"))
_ENUM_FIELDS: dict[str, set[str]] = {
    "rmState": {m.value for m in RM}, "emState": {m.value for m in EM},
    "vfdState": {m.value for m in VFD}, "pxaState": {m.value for m in PXA},
    "emConsentState": {m.value for m in PEC}, "embargoConsentState": {m.value for m in PEC},
}
_ROLE_FIELDS = ("caseRoles", "cvdRole")
_LEGACY_KEYS = {"asType", "participantStatus", "caseStatuses_", "attributed_to",
                "case_participants", "case_statuses", "log_index", "payload_snapshot"}


def assert_current_wire_form(node: Any) -> None:
    """No legacy key, type or enum spelling anywhere in an emitted document."""
    if isinstance(node, list):
        for item in node:
            assert_current_wire_form(item)
        return
    if not isinstance(node, dict):
        return
    assert not _LEGACY_KEYS & set(node), sorted(_LEGACY_KEYS & set(node))
    if "type" in node:
        assert node["type"] not in RETIRED
    for key, allowed in _ENUM_FIELDS.items():
        if key in node:
            assert node[key] in allowed, (key, node[key])
    for key in _ROLE_FIELDS:
        for role in node.get(key, []):
            assert role in {r.value for r in CVDRole}
    for key, value in node.items():
        if key not in ("actorParticipantIndex", "pendingEmbargoProposalIndex"):
            assert_current_wire_form(value)


def _round_trip(document: ASObject) -> ASObject:
    return parse_document(json.loads(to_json(document))).document


def test_the_corpus_is_there() -> None:
    assert len(CORPUS_FILES) >= 80


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: str(p.relative_to(VULTRON_CORPUS)))
def test_corpus_file_round_trips_with_its_meaning(path: Path) -> None:
    first = parse_document(json.loads(path.read_text(encoding="utf-8")))
    wire = to_wire(first.document)
    assert_current_wire_form(wire)
    second = parse_document(json.loads(json.dumps(wire)))
    assert second.document == first.document
    assert to_wire(second.document) == wire
    assert classify(second.document) == classify(first.document)
    for state in EM:
        assert classify(second.document, em_state=state) == classify(first.document,
                                                                     em_state=state)
    leftover = [w for w in second.warnings if "URI reference" not in w
                and "answers the Offer/Invite" not in w and "unknown type" not in w]
    assert leftover == []


# --- generated models -------------------------------------------------------------------

ids = st.from_regex(r"https://[a-z]{1,8}\.example/[a-z0-9/_-]{0,12}", fullmatch=True)
texts = st.text(max_size=24)
times = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1),
                     timezones=st.just(UTC))


def opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


reports = st.builds(VulnerabilityReport, id=ids, name=opt(texts), content=opt(texts),
                    published=opt(times), attributed_to=opt(ids | st.lists(ids, max_size=2)),
                    xTracker=st.integers() | texts)
notes = st.builds(Note, id=ids, content=texts, context=opt(ids), attributed_to=opt(ids))
embargoes = st.builds(EmbargoEvent, id=ids, start_time=opt(times), end_time=times,
                      context=opt(ids))
case_statuses = st.builds(CaseStatus, id=opt(ids), em_state=st.sampled_from(EM),
                          pxa_state=st.sampled_from(PXA), context=opt(ids))
participant_statuses = st.builds(
    ParticipantStatus, id=opt(ids), rm_state=st.sampled_from(RM), vfd_state=st.sampled_from(VFD),
    em_consent_state=opt(st.sampled_from(PEC)), cvd_role=st.lists(st.sampled_from(CVDRole),
                                                                  max_size=3),
    case_engagement=st.booleans(), tracking_id=opt(texts), case_status=opt(case_statuses))
participants = st.builds(
    CaseParticipant, id=ids, attributed_to=ids,
    case_roles=st.lists(st.sampled_from(CVDRole), max_size=3),
    participant_statuses=st.lists(participant_statuses | ids, max_size=2),
    accepted_embargo_ids=st.lists(ids, max_size=2),
    embargo_consent_state=opt(st.sampled_from(PEC)))
cases = st.builds(
    VulnerabilityCase, id=ids, name=opt(texts), attributed_to=opt(ids),
    case_participants=st.lists(participants | ids, max_size=2),
    vulnerability_reports=st.lists(reports | ids, max_size=2),
    case_statuses=st.lists(case_statuses, max_size=2), notes=st.lists(notes, max_size=1),
    active_embargo=opt(embargoes | ids), proposed_embargoes=st.lists(embargoes, max_size=1),
    actor_participant_index=st.dictionaries(ids, ids, max_size=2))
actors = (st.builds(Person, id=ids, name=opt(texts)) | st.builds(Organization, id=ids)
          | st.builds(Service, id=ids) | st.builds(Actor, id=ids, preferred_username=opt(texts)))
plain_objects = (reports | notes | embargoes | case_statuses | participant_statuses
                 | participants | cases | actors)
_ACTIVITY_TYPES = sorted(set(ACTIVITY_CLASSES) - {"Question"})


def _activities(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Activity]:
    return st.sampled_from(_ACTIVITY_TYPES).flatmap(lambda name: st.builds(
        ACTIVITY_CLASSES[name], id=opt(ids), actor=ids | actors, object_=opt(inner),
        target=opt(ids | cases), origin=opt(ids), context=opt(ids), published=opt(times),
        to=opt(st.lists(ids, max_size=2)), summary=opt(texts)))


activities = st.recursive(plain_objects | ids, _activities, max_leaves=4).filter(
    lambda value: isinstance(value, Activity))
questions = st.builds(Question, id=ids, actor=ids, any_of=st.lists(embargoes | ids, max_size=2))
ledger_entries = st.builds(CaseLedgerEntry, id=ids, case_id=ids, log_index=st.integers(0, 99),
                           event_type=opt(texts), payload_snapshot=opt(activities),
                           entry_hash=opt(texts), received_at=opt(times))
documents = plain_objects | activities | questions | ledger_entries


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_generated_documents_round_trip_exactly(document: ASObject) -> None:
    wire = to_wire(document)
    assert_current_wire_form(wire)
    again = _round_trip(document)
    assert again == document
    assert to_wire(again) == wire


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(activities, st.sampled_from(EM))
def test_generated_activities_keep_their_message_type(activity: Activity, state: EM) -> None:
    assert classify(_round_trip(activity), em_state=state) == classify(activity, em_state=state)
