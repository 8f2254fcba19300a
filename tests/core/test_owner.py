"""The bridge as case owner (pure): the case a validated report becomes, and its document in
the reference implementation's shape (corpus ``reference-server/Create_VulnerabilityCase.json``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bridge.core.case.model import EmbargoRef
from bridge.core.catalogue import factories as f
from bridge.core.rules.owner import (
    FINDER_ROLES,
    OWNER_ROLES,
    case_document,
    case_id_for,
    new_case,
    participant_id,
)
from bridge.core.vocab.emit import to_wire
from bridge.core.vocab.objects import VulnerabilityReport
from bridge.core.vocab.parse import parse_document
from tests.paths import VULTRON_CORPUS

BASE = "https://bridge.example"
US = f"{BASE}/actors/vendor"
FINDER = "https://finder.example/actors/finn"
REPORT = "https://finder.example/reports/1"
NOW = datetime(2026, 12, 2, 3, 36, tzinfo=UTC)


def test_the_case_id_is_ours_and_stable_per_report() -> None:
    first = case_id_for(BASE, REPORT)
    assert first.startswith(f"{BASE}/cases/") and first == case_id_for(BASE + "/", REPORT)
    assert case_id_for(BASE, REPORT + "x") != first


def test_a_new_case_names_us_as_owner_and_manager_and_the_finder_as_reporter() -> None:
    case = new_case(case_id_for(BASE, REPORT), US, REPORT, FINDER)
    assert case.owner == US and case.reports == (REPORT,) and case.case_actor is None
    assert case.participants[US].roles == frozenset(OWNER_ROLES)
    assert {"vendor", "case_owner", "case_manager"} == set(OWNER_ROLES)
    assert case.participants[US].rm == "VALID"
    assert case.participants[FINDER].roles == frozenset(FINDER_ROLES) == {"finder", "reporter"}
    assert case.participants[FINDER].rm == "ACCEPTED"
    assert set(new_case("c", US, REPORT, US).participants) == {US}


def _document() -> dict[str, object]:
    case = new_case(case_id_for(BASE, REPORT), US, REPORT, FINDER)
    report = VulnerabilityReport(id=REPORT, name="R-1", content="CANARY overflow")
    doc = case_document(case, reports=[report], published=NOW, em="NONE", pxa="pxa",
                        proposed=[EmbargoRef("urn:em:1")])
    create = f.create_case(activity_id=f"{US}/activities/1", published=NOW, actor=US,
                           case=doc, to=[FINDER])
    return to_wire(create)


def test_the_document_has_the_reference_shape() -> None:
    wire = _document()
    ours = wire["object"]
    assert isinstance(ours, dict)
    reference = json.loads((VULTRON_CORPUS / "reference-server" / "Create_VulnerabilityCase.json")
                           .read_text(encoding="utf-8"))["body"]
    assert wire["type"] == reference["type"] == "Create"
    assert wire["context"] == ours["id"] and wire["to"] == [FINDER]
    keys = {"caseParticipants", "actorParticipantIndex", "vulnerabilityReports", "caseStatuses",
            "proposedEmbargoes", "attributedTo", "type", "id"}
    assert keys <= set(ours) and keys <= set(reference["object"])
    people = {p["attributedTo"]: p for p in ours["caseParticipants"]}
    assert set(people) == {US, FINDER}
    assert people[US]["caseRoles"] == ["vendor", "case_owner", "case_manager"]
    assert people[FINDER]["caseRoles"] == ["finder", "reporter"]
    status = people[US]["participantStatuses"][-1]
    assert status["rmState"] == "VALID" and status["cvdRole"] == people[US]["caseRoles"]
    assert people[FINDER]["participantStatuses"][-1]["rmState"] == "ACCEPTED"
    assert ours["actorParticipantIndex"] == {a: p["id"] for a, p in people.items()}
    assert people[US]["id"] == participant_id(str(ours["id"]), US)
    assert ours["vulnerabilityReports"][0]["content"] == "CANARY overflow"
    assert ours["caseStatuses"][0]["emState"] == "NONE"
    assert ours["attributedTo"] == US and ours["proposedEmbargoes"] == ["urn:em:1"]


def test_the_document_parses_back_with_our_parser() -> None:
    parsed = parse_document(_document()).document
    case = getattr(parsed, "object_", None)
    assert getattr(case, "type", None) == "VulnerabilityCase"
    from bridge.core.case.documents import case_from_document

    model = case_from_document(case)  # type: ignore[arg-type]
    assert model.owner == US and model.case_actor is None
    assert model.participants[FINDER].rm == "ACCEPTED"
    assert "case_manager" in model.participants[US].roles
