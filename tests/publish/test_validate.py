"""Each record passes its format's own validator, and each validator can fail."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bridge.core.records.csaf import build_csaf
from bridge.core.records.cve import build_cve
from bridge.core.records.edit import apply_edit, parse_edit
from bridge.core.records.osv import build_osv
from bridge.publish.cwe import cwe_names
from bridge.publish.validate import (
    OSV_SCHEMA,
    InvalidRecord,
    validate_csaf,
    validate_cve,
    validate_osv,
)
from tests.core.records.samples import complete, meta
from tests.paths import SHARED

NAMES = cwe_names(["CWE-79"])


def test_the_shipped_osv_schema_is_the_shared_one() -> None:
    assert OSV_SCHEMA.read_bytes() == (SHARED / "schemas" / "osv-schema.json").read_bytes()


def test_cwe_names_come_from_the_catalogue() -> None:
    assert NAMES["CWE-79"].startswith("Improper Neutralization of Input")
    assert cwe_names(["CWE-99999999", "nonsense"]) == {}


def test_cve_container_validates() -> None:
    validate_cve(build_cve(complete(), meta(), NAMES))


def test_csaf_final_and_interim_validate() -> None:
    validate_csaf(build_csaf(complete(), meta(public=True), NAMES))
    validate_csaf(build_csaf(complete(), meta(public=False), NAMES))


def test_osv_entry_and_withdrawn_validate() -> None:
    validate_osv(build_osv(complete(), meta()))
    validate_osv(build_osv(complete(), meta(withdrawn=meta().now)))


def test_a_product_by_vendor_and_name_validates_in_cve_and_csaf() -> None:
    fields = apply_edit(complete(), parse_edit("add", 'product "Acme" "Router OS" <=4.2'))
    validate_cve(build_cve(fields, meta(), NAMES))
    validate_csaf(build_csaf(fields, meta(), NAMES))


def _broken(record: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(record)
    target: Any = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


def test_cve_validator_fails_on_a_bad_container() -> None:
    bad = _broken(build_cve(complete(), meta(), NAMES), ("providerMetadata", "orgId"), "nope")
    with pytest.raises(InvalidRecord, match="CVE record does not validate"):
        validate_cve(bad)


def test_csaf_validator_runs_the_mandatory_tests() -> None:
    record = build_csaf(complete(), meta(), NAMES)
    bad = _broken(record, ("vulnerabilities", 0, "product_status", "known_affected"),
                  ["CSAFPID-9999"])  # 6.1.1: a product id the tree does not define
    with pytest.raises(InvalidRecord, match="6.1.1"):
        validate_csaf(bad)
    wrong_name = _broken(record, ("vulnerabilities", 0, "cwe", "name"), "XSS")
    with pytest.raises(InvalidRecord, match="6.1.11"):
        validate_csaf(wrong_name)


def test_osv_validator_fails_on_a_bad_entry() -> None:
    bad = _broken(build_osv(complete(), meta()), ("modified",), "yesterday")
    with pytest.raises(InvalidRecord, match="OSV record does not validate"):
        validate_osv(bad)
