"""The case-fields model: its stored form round-trips, CVSS is parsed and scored."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bridge.core.errors import InputError
from bridge.core.records.cvss import parse_cvss
from bridge.core.records.fields import CaseFields, from_data, to_data
from tests.core.records.samples import complete


def test_stored_form_round_trips_through_json() -> None:
    fields = complete().with_changes(published_at=datetime(2026, 3, 2, tzinfo=UTC))
    stored = json.loads(json.dumps(to_data(fields)))
    assert from_data(stored) == fields


def test_unknown_stored_keys_are_kept() -> None:
    stored = {**to_data(complete()), "from_a_newer_version": {"x": 1}}
    assert to_data(from_data(stored))["from_a_newer_version"] == {"x": 1}


def test_empty_fields_store_as_nothing() -> None:
    assert to_data(CaseFields()) == {}
    assert from_data(None) == CaseFields()
    assert from_data("garbage") == CaseFields()


def test_cvss_31_scored_by_the_library() -> None:
    score = parse_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    assert (score.version, score.score, score.severity) == ("3.1", 9.8, "CRITICAL")


def test_cvss_40_scored_by_the_library() -> None:
    score = parse_cvss("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
    assert (score.version, score.score, score.severity) == ("4.0", 9.3, "CRITICAL")


def test_cvss_vector_is_normalised() -> None:
    shuffled = "CVSS:3.1/C:H/I:H/A:H/AV:N/AC:L/PR:N/UI:N/S:U"
    assert parse_cvss(shuffled).vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


@pytest.mark.parametrize("bad", ["", "AV:N/AC:L", "CVSS:2.0/AV:N", "CVSS:3.1/AV:X/AC:L",
                                 "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"])
def test_bad_cvss_vectors_are_refused(bad: str) -> None:
    with pytest.raises(InputError):
        parse_cvss(bad)


def test_fixed_versions_come_from_ranges_and_releases() -> None:
    assert complete().fixed_versions() == ("1.4.2",)
