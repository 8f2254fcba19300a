"""``bridge/core/records/ghsa.py``: the fields as a GitHub advisory's own, in the shape the
REST contract's ``repository-advisory-update`` takes."""

from __future__ import annotations

import pytest

from bridge.core.records.edit import apply_edit, parse_edit
from bridge.core.records.fields import CaseFields
from bridge.core.records.ghsa import advisory_fields
from tests.core.records.samples import complete
from tests.fakes.github_contract import Contract

UPDATE = "components/schemas/repository-advisory-update"


def with_edits(*edits: str) -> CaseFields:
    fields = CaseFields()
    for edit in edits:
        verb, _, rest = edit.partition(" ")
        fields = apply_edit(fields, parse_edit(verb, rest))
    return fields


def test_a_complete_case_fills_the_advisory_and_the_contract_takes_it() -> None:
    body = advisory_fields(complete())
    assert body == {
        "summary": "Stored XSS in the widget preview",
        "cve_id": "CVE-2026-10001",
        "cwe_ids": ["CWE-79"],
        "cvss_vector_string": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
        "vulnerabilities": [{"package": {"ecosystem": "pip", "name": "example-widget"},
                             "vulnerable_version_range": ">= 1.0, < 1.4.2",
                             "patched_versions": "1.4.2", "vulnerable_functions": []}],
    }
    assert Contract()._validate(UPDATE, body) == []


@pytest.mark.parametrize(("product", "package", "range_", "patched"), [
    ("pkg:npm/%40scope/lib <2.0.0", {"ecosystem": "npm", "name": "@scope/lib"}, "< 2.0.0",
     "2.0.0"),
    ("pkg:maven/org.example/core <=4.2", {"ecosystem": "maven", "name": "org.example:core"},
     "<= 4.2", None),
    ("pkg:cargo/widget =2.0.1", {"ecosystem": "rust", "name": "widget"}, "= 2.0.1", None),
    ("pkg:golang/example.org/mod >=3.0", {"ecosystem": "go", "name": "example.org/mod"},
     ">= 3.0", None),
    ('pkg:deb/debian/widget all', {"ecosystem": "other", "name": "pkg:deb/debian/widget"},
     ">= 0", None),
])
def test_each_ecosystem_and_range_form(product: str, package: dict[str, str], range_: str,
                                       patched: str | None) -> None:
    body = advisory_fields(with_edits(f"add product {product}"))
    (vuln,) = body["vulnerabilities"]
    assert vuln["package"]["ecosystem"] == package["ecosystem"]
    if package["ecosystem"] != "other":
        assert vuln["package"] == package
    assert (vuln["vulnerable_version_range"], vuln["patched_versions"]) == (range_, patched)
    assert Contract()._validate(UPDATE, body) == []


def test_only_what_the_fields_set_is_sent() -> None:
    assert advisory_fields(CaseFields()) == {}
    assert advisory_fields(with_edits("set cwe CWE-89")) == {"cwe_ids": ["CWE-89"]}
    only_v4 = with_edits("set cvss CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
    assert advisory_fields(only_v4)["cvss_vector_string"].startswith("CVSS:4.0/")
