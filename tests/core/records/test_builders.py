"""The three record builders: the field mapping of docs/publication.md, and what each refuses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bridge.core.records.csaf import build_csaf, file_name
from bridge.core.records.cve import build_cve
from bridge.core.records.edit import apply_edit, parse_edit
from bridge.core.records.fields import CaseFields
from bridge.core.records.meta import Publisher, RecordError, is_public
from bridge.core.records.osv import build_osv
from tests.core.records.samples import CNA, COMMIT, complete, meta

NAMES = {"CWE-79": "Cross-site Scripting"}


def test_cve_container_maps_the_fields() -> None:
    cna = build_cve(complete(), meta(), NAMES)
    assert cna["providerMetadata"]["orgId"] == CNA
    assert cna["title"] == "Stored XSS in the widget preview"
    assert cna["descriptions"] == [{"lang": "en", "value": complete().description}]
    assert cna["affected"] == [{
        "product": "example-widget", "collectionURL": "https://pypi.org",
        "packageName": "example-widget", "defaultStatus": "unaffected",
        "versions": [{"version": "1.0", "lessThan": "1.4.2", "status": "affected",
                      "versionType": "python"}],
    }]
    assert cna["problemTypes"][0]["descriptions"][0]["cweId"] == "CWE-79"
    assert [next(iter(m)) for m in cna["metrics"]] == ["cvssV3_1", "cvssV4_0"]
    assert cna["metrics"][0]["cvssV3_1"]["baseScore"] == 6.1
    assert {"url": COMMIT, "tags": ["patch"]} in cna["references"]
    assert cna["credits"] == [{"lang": "en", "value": "Jane Doe", "type": "finder"}]
    assert cna["datePublic"] == "2026-03-02T09:30:00Z"


def test_cve_needs_cve_id_and_cna() -> None:
    with pytest.raises(RecordError) as err:
        build_cve(complete().with_changes(cve_id=None), meta(publisher=Publisher()))
    assert err.value.missing[0] == "cve id"
    assert any("org_id" in m for m in err.value.missing)


def test_osv_maps_the_fields() -> None:
    entry = build_osv(complete(), meta())
    assert entry["id"] == "x_vultron-2f6c1a"
    assert entry["aliases"] == ["CVE-2026-10001"]
    assert entry["affected"] == [{
        "package": {"ecosystem": "PyPI", "name": "example-widget",
                    "purl": "pkg:pypi/example-widget"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"},
                                                     {"fixed": "1.4.2"}]}],
    }]
    assert [s["type"] for s in entry["severity"]] == ["CVSS_V3", "CVSS_V4"]
    assert {"type": "FIX", "url": COMMIT} in entry["references"]
    assert entry["credits"] == [{"name": "Jane Doe", "type": "FINDER",
                                 "contact": ["jane@finder.example"]}]
    assert entry["database_specific"] == {"cwe_ids": ["CWE-79"]}
    assert "withdrawn" not in entry


def test_osv_withdrawn() -> None:
    when = datetime(2026, 4, 1, tzinfo=UTC)
    assert build_osv(complete(), meta(withdrawn=when))["withdrawn"] == "2026-04-01T00:00:00Z"


def test_osv_leaves_out_products_without_an_ecosystem_and_refuses_none() -> None:
    vendor_only = complete().with_changes(products=())
    vendor_only = apply_edit(vendor_only, parse_edit("add", 'product "Acme" "Router" <2.0'))
    with pytest.raises(RecordError, match="OSV ecosystem"):
        build_osv(vendor_only, meta())


def test_csaf_final_is_white_and_interim_is_amber() -> None:
    final = build_csaf(complete(), meta(public=True), NAMES)["document"]
    interim = build_csaf(complete(), meta(public=False), NAMES)["document"]
    assert (final["distribution"]["tlp"]["label"], final["tracking"]["status"]) == (
        "WHITE", "final")
    assert (interim["distribution"]["tlp"]["label"], interim["tracking"]["status"]) == (
        "AMBER", "interim")


def test_csaf_product_tree_and_status() -> None:
    doc = build_csaf(complete(), meta(), NAMES)
    vendor = doc["product_tree"]["branches"][0]
    leaves = vendor["branches"][0]["branches"]
    assert [leaf["category"] for leaf in leaves] == ["product_version_range", "product_version"]
    assert leaves[0]["name"] == "vers:pypi/>=1.0|<1.4.2"
    assert leaves[1]["product"]["product_identification_helper"] == {
        "purl": "pkg:pypi/example-widget@1.4.2"}
    vuln = doc["vulnerabilities"][0]
    assert vuln["product_status"] == {"known_affected": ["CSAFPID-0001"],
                                      "fixed": ["CSAFPID-0002"]}
    assert vuln["cwe"] == {"id": "CWE-79", "name": "Cross-site Scripting"}
    assert vuln["scores"][0]["cvss_v3"]["version"] == "3.1"  # CSAF 2.0 has no CVSS v4
    assert vuln["remediations"][0]["product_ids"] == ["CSAFPID-0001"]
    assert file_name(doc["document"]["tracking"]["id"]) == "cve-2026-10001.json"


@pytest.mark.parametrize("build", [build_cve, build_osv])
def test_no_cve_or_osv_record_before_publication(build: object) -> None:
    with pytest.raises(RecordError, match="not public"):
        build(complete(), meta(public=False))  # type: ignore[operator]


def test_missing_fields_are_listed() -> None:
    with pytest.raises(RecordError) as err:
        build_csaf(CaseFields(), meta(), NAMES)
    assert err.value.missing[:3] == ["title", "description", "affected products"]


@pytest.mark.parametrize(("cs", "em", "end", "public"), [
    ("VFd.Pxa", "NONE", None, True),
    ("VFd.pxa", "NONE", None, False),
    ("VFd.Pxa", "ACTIVE", None, False),
    ("VFd.Pxa", "ACTIVE", datetime(2026, 3, 1, tzinfo=UTC), True),
    ("VFd.Pxa", "REVISE", datetime(2026, 3, 9, tzinfo=UTC), False),
    ("VFd.Pxa", "EXITED", None, True),
])
def test_public_only_after_p_and_no_embargo(cs: str, em: str, end: datetime | None,
                                            public: bool) -> None:
    assert is_public(cs, em, end, datetime(2026, 3, 2, tzinfo=UTC)) is public
