"""Tolerant parsing: legacy shapes read with a warning each, malformed input refused clearly."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bridge.core.errors import InputError
from bridge.core.vocab import (
    Accept,
    Activity,
    Add,
    Announce,
    CaseLedgerEntry,
    CaseParticipant,
    CaseStatus,
    CVDRole,
    Join,
    Offer,
    ParticipantStatus,
    Reject,
    VulnerabilityCase,
    VulnerabilityReport,
    parse_activity,
    parse_bytes,
    parse_document,
    to_wire,
)
from bridge.core.vocab.enums import RM, VFD
from bridge.core.vocab.legacy import RETIRED
from tests.paths import VULTRON_CORPUS

SECRET = "EMBARGOED-DETAIL-4242"


def _load(name: str) -> Any:
    return json.loads((VULTRON_CORPUS / name).read_text(encoding="utf-8"))


def test_current_offer_parses_without_warnings() -> None:
    parsed = parse_document({
        "type": "Offer", "id": "https://f.example/offer/1", "actor": "https://f.example/finn",
        "object": {"type": "VulnerabilityReport", "id": "https://f.example/r/1",
                   "content": "x", "attributedTo": "https://f.example/finn"},
    })
    assert isinstance(parsed.document, Offer)
    assert isinstance(parsed.document.object_, VulnerabilityReport)
    assert parsed.warnings == ()


def test_as_type_is_read_and_named_as_a_400() -> None:
    parsed = parse_document(_load("more/submit_report.json"))
    assert isinstance(parsed.document, Offer)
    assert any("asType" in w and "400" in w and "Missing 'type' field" in w
               for w in parsed.warnings)


def test_uri_object_is_kept_as_a_reference_with_a_warning() -> None:
    parsed = parse_document(_load("examples/011_accept.json"))
    assert isinstance(parsed.document, Accept)
    assert parsed.document.object_ == "https://finder.reporter.example/report/101029"
    assert "object: object is a URI reference; the protocol expects it inline and typed" in (
        parsed.warnings)


@pytest.mark.parametrize("retired", sorted(RETIRED))
def test_every_retired_type_maps_to_a_current_activity(retired: str) -> None:
    doc = {"type": retired, "id": "https://v.example/a/1", "actor": "https://v.example/psirt",
           "object": "https://v.example/x/1", "target": "https://v.example/case/1",
           "origin": "https://f.example/finn"}
    parsed = parse_document(doc)
    assert isinstance(parsed.document, Activity)
    assert parsed.document.type != retired
    assert parsed.document.type in RETIRED[retired][0]
    assert any(retired in w and "422" in w for w in parsed.warnings)


def test_rm_engage_case_becomes_join_of_a_typed_case() -> None:
    parsed = parse_document(_load("examples/028_rmengagecase.json"))
    assert isinstance(parsed.document, Join)
    assert isinstance(parsed.document.object_, VulnerabilityCase)
    assert parsed.document.object_.id == "https://vendor.example/case/18283771"
    assert any("emit Join(VulnerabilityCase)" in w for w in parsed.warnings)


def test_rm_close_report_becomes_reject_of_the_offer() -> None:
    document = parse_document(_load("examples/013_rmclosereport.json")).document
    assert isinstance(document, Reject) and isinstance(document.object_, Offer)
    assert isinstance(document.object_.object_, VulnerabilityReport)


def test_accept_invite_to_case_wraps_the_invite() -> None:
    document = parse_document(_load("examples/021_rmacceptinvitetocase.json")).document
    assert isinstance(document, Accept)
    invite = document.object_
    assert isinstance(invite, Activity) and invite.type == "Invite"
    assert invite.actor == "https://vendor.example/psirt"
    assert isinstance(invite.target, VulnerabilityCase)


def test_legacy_enums_and_field_names_in_a_participant() -> None:
    parsed = parse_document(_load("examples/005_caseparticipant.json"))
    participant = parsed.document
    assert isinstance(participant, CaseParticipant)
    assert participant.attributed_to == "https://vendor.example/psirt"
    assert participant.case_roles == [CVDRole.VENDOR]
    status = participant.participant_statuses[0]
    assert isinstance(status, ParticipantStatus)
    assert (status.rm_state, status.vfd_state) == (RM.RECEIVED, VFD.Vfd)
    text = "\n".join(parsed.warnings)
    for expected in ("legacy field 'actor': emit 'attributedTo'",
                     "legacy field 'participantStatus': emit 'participantStatuses'",
                     "legacy enum CVD_ROLE_VENDOR", "emit 'vendor'",
                     "legacy enum CS_VENDOR_AWARE__NO_FIX__NOT_DEPLOYED", "emit 'Vfd'",
                     "legacy enum REPORT_MANAGEMENT_RECEIVED"):
        assert expected in text


def test_case_status_list_is_renamed() -> None:
    parsed = parse_document(_load("more/vulnerability_case.json"))
    case = parsed.document
    assert isinstance(case, VulnerabilityCase) and isinstance(case.case_statuses[0], CaseStatus)
    assert "legacy field 'caseStatus': emit 'caseStatuses'" in parsed.warnings
    assert "caseStatus" not in to_wire(case) and "caseStatuses" in to_wire(case)


def test_snake_case_mixed_with_camel_case_in_one_message() -> None:
    parsed = parse_document({
        "type": "Add", "actor": "https://c.example/case-actor",
        "object": {"type": "VulnerabilityReport", "id": "r1", "attributed_to": "https://f"},
        "target": {"type": "VulnerabilityCase", "id": "c1", "attributedTo": "https://o",
                   "case_participants": ["p1"], "actor_participant_index": {"https://a_b": "p1"}},
    })
    add = parsed.document
    assert isinstance(add, Add) and isinstance(add.target, VulnerabilityCase)
    assert add.target.case_participants == ["p1"]
    assert add.target.actor_participant_index == {"https://a_b": "p1"}
    assert isinstance(add.object_, VulnerabilityReport) and add.object_.attributed_to == "https://f"
    assert "object: snake_case field 'attributed_to': emit 'attributedTo'" in parsed.warnings


def test_ledger_snapshot_state_objects_are_read() -> None:
    parsed = parse_bytes((VULTRON_CORPUS / "reference-server" /
                          "Announce_CaseLedgerEntry_add_participant_status_to_participant.json"
                          ).read_bytes())
    announce = parsed.document
    assert isinstance(announce, Announce) and isinstance(announce.object_, CaseLedgerEntry)
    entry = announce.object_
    assert entry.log_index == 2 and entry.event_type == "add_participant_status_to_participant"
    snapshot = entry.payload_snapshot
    assert isinstance(snapshot, Add) and isinstance(snapshot.object_, ParticipantStatus)
    assert snapshot.object_.rm_state is RM.RECEIVED
    assert snapshot.object_.cvd_role == [CVDRole.COORDINATOR, CVDRole.CASE_MANAGER]
    assert isinstance(snapshot.target, CaseParticipant)
    assert snapshot.target.embargo_consent_state == "SIGNATORY"
    assert parsed.envelope is not None and parsed.envelope["path"] == "/actors/ext-finder/inbox/"
    assert parsed.warnings[0] == "capture envelope {headers, path, body}: parsed its body"


def test_unknown_extra_fields_are_kept() -> None:
    parsed = parse_document({"type": "Note", "id": "n1", "xVendorTag": {"a": [1, 2]},
                             "some_thing": 3})
    assert parsed.document.extras == {"xVendorTag": {"a": [1, 2]}, "some_thing": 3}
    assert to_wire(parsed.document)["xVendorTag"] == {"a": [1, 2]}


def test_unknown_nested_type_is_kept_as_a_plain_object() -> None:
    parsed = parse_document({"type": "Create", "actor": "a", "object": {"type": "Tombstone",
                                                                          "id": "t"}})
    assert isinstance(parsed.document, Activity)
    assert to_wire(parsed.document)["object"] == {"type": "Tombstone", "id": "t"}
    assert "object: unknown type Tombstone: kept as a plain object" in parsed.warnings


def test_legacy_accept_of_the_object_itself_is_flagged() -> None:
    parsed = parse_document(_load("more/accept_embargo.json"))
    assert any("answers the Offer/Invite activity" in w for w in parsed.warnings)


@pytest.mark.parametrize("doc,fragment", [
    ({"id": "x"}, "type: missing"),
    ({"type": 3}, "type: must be a non-empty string"),
    ({"type": "Offer", "asType": "Accept"}, "disagree"),
    ({"type": SECRET}, "type: unsupported type"),
    ({"type": "Offer", "object": 42}, "object: expected an object or a URI reference"),
    ({"type": "Offer", "object": [{"type": "Note"}]}, "object: a list is not supported"),
    ({"type": "Note", "published": SECRET}, "published: Input should be a valid datetime"),
    ({"type": "Note", "id": 17}, "id: Input should be a valid string"),
    ({"type": "Create", "object": {"type": "CaseParticipant", "caseRoles": [SECRET]}},
     "object.caseRoles[0]: not a known CVD role value"),
    ({"type": "Add", "object": {"type": "CaseStatus", "pxaState": "pYa"}},
     "object.pxaState: not a known CS pxa value"),
    ({"type": "Create", "object": {}}, "object.type: missing"),
    ({"type": "VulnerabilityCase", "actorParticipantIndex": {SECRET + " x": 5}},
     "actorParticipantIndex.<key>: Input should be a valid string"),
])
def test_malformed_input_names_the_field_not_the_content(doc: dict[str, Any],
                                                         fragment: str) -> None:
    with pytest.raises(InputError) as info:
        parse_document(doc)
    assert fragment in info.value.reason
    assert SECRET not in info.value.reason


@pytest.mark.parametrize("data,fragment", [
    ([{"type": "Offer"}], "JSON array"),
    ("Offer", "not a JSON object"),
    (None, "not a JSON object"),
])
def test_top_level_must_be_one_object(data: Any, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        parse_document(data)
    assert fragment in info.value.reason


def test_parse_activity_refuses_a_plain_object() -> None:
    with pytest.raises(InputError) as info:
        parse_activity({"type": "VulnerabilityReport", "id": "r"})
    assert "expected an activity" in info.value.reason


def test_envelope_with_a_string_body_is_parsed() -> None:
    parsed = parse_document({"headers": {}, "path": "/inbox/",
                             "body": json.dumps({"type": "Note", "id": "n"})})
    assert parsed.document.type == "Note"


def test_event_type_is_read_as_embargo_event() -> None:
    parsed = parse_document({"type": "Invite", "actor": "a",
                             "object": {"type": "Event", "id": "e"}})
    assert isinstance(parsed.document, Activity)
    assert to_wire(parsed.document)["object"]["type"] == "EmbargoEvent"


def test_nesting_is_bounded_even_without_load_json() -> None:
    doc: dict[str, Any] = {"type": "Note", "id": "n"}
    for _ in range(100):
        doc = {"type": "Announce", "actor": "a", "object": doc}
    with pytest.raises(InputError) as info:
        parse_document(doc)
    assert "nesting too deep" in info.value.reason
