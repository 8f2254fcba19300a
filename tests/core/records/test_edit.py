"""``/vultron set|add|unset``: each value checked when parsed, applied without failing."""

from __future__ import annotations

import pytest

from bridge.core.errors import InputError
from bridge.core.records.edit import apply_edit, parse_edit
from bridge.core.records.fields import CaseFields, Credit, Fix, Reference, VersionRange
from tests.core.records.samples import COMMIT, complete


def edit(fields: CaseFields, verb: str, text: str) -> CaseFields:
    return apply_edit(fields, parse_edit(verb, text))


def test_set_title_and_description_take_the_rest_of_the_line() -> None:
    f = edit(CaseFields(), "set", "title  XSS in preview ")
    f = edit(f, "set", "description Line with: colons and 'quotes")
    assert (f.title, f.description) == ("XSS in preview", "Line with: colons and 'quotes")


def test_set_cve_and_none() -> None:
    f = edit(CaseFields(), "set", "cve cve-2026-10001")
    assert (f.cve_id, f.no_cve) == ("CVE-2026-10001", False)
    f = edit(f, "set", "cve none")
    assert (f.cve_id, f.no_cve) == (None, True)


def test_cvss_replaces_only_its_own_version() -> None:
    f = edit(CaseFields(), "set", "cvss CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    f = edit(f, "set", "cvss CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
    f = edit(f, "set", "cvss CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    assert [v[:13] for v in f.cvss] == ["CVSS:3.1/AV:L", "CVSS:4.0/AV:N"]


def test_product_by_purl_with_range() -> None:
    f = edit(CaseFields(), "add", "product pkg:npm/%40acme/widget >=2.0 <2.3.1")
    product = f.products[0]
    assert (product.name, product.vendor, product.purl) == (
        "@acme/widget", "@acme", "pkg:npm/%40acme/widget")
    assert product.ranges == (VersionRange("2.0", "2.3.1"),)


def test_product_by_vendor_and_name_with_last_affected() -> None:
    f = edit(CaseFields(), "add", 'product "Example Corp" "Widget Server" <=4.2')
    assert f.products[0].key == "Example Corp/Widget Server"
    assert f.products[0].ranges == (VersionRange("0", None, "4.2"),)


def test_adding_a_product_again_adds_a_range() -> None:
    f = edit(CaseFields(), "add", "product pkg:pypi/w >=1.0 <1.4.2")
    f = edit(f, "add", "product pkg:pypi/w introduced=2.0 fixed=2.0.3")
    assert len(f.products) == 1
    assert f.products[0].ranges == (VersionRange("1.0", "1.4.2"), VersionRange("2.0", "2.0.3"))


def test_credit_reference_fix() -> None:
    f = edit(CaseFields(), "add", 'credit reporter "Jane Doe" <jane@x.example>')
    f = edit(f, "add", "credit Bob")
    f = edit(f, "add", "reference advisory https://x.example/a")
    f = edit(f, "add", f"fix {COMMIT}")
    assert f.credits == (Credit("Jane Doe", "reporter", ("jane@x.example",)),
                         Credit("Bob", "finder"))
    assert f.references == (Reference("https://x.example/a", "advisory"),)
    assert f.fixes == (Fix("commit", COMMIT.rsplit("/", 1)[1], COMMIT),)


def test_unset_one_and_all() -> None:
    f = complete()
    assert edit(f, "unset", "cvss 4.0").cvss == tuple(v for v in f.cvss if "4.0" not in v)
    assert edit(f, "unset", "product pkg:pypi/example-widget").products == ()
    assert edit(f, "unset", "title").title is None
    assert edit(f, "unset", "fix").fixes == ()


@pytest.mark.parametrize(("verb", "text", "says"), [
    ("set", "colour red", "set takes one of"),
    ("set", "cve 2026-1", "CVE id"),
    ("set", "cwe 79", "CWE-79"),
    ("set", "cvss AV:N", "CVSS:3.1"),
    ("set", "title", "needs text"),
    ("add", "product pkg:pypi/w@1.0", "without @version"),
    ("add", "product pkg:pypi/w >1.0", "not a version bound"),
    ("add", "product pkg:pypi/w <1.0 <=0.9", "not both"),
    ("add", "product Widget", "vendor and a product"),
    ("add", "reference ftp://x.example/a", "not an http"),
    ("add", "fix release", "version"),
    ("add", 'credit "unbalanced', "unbalanced quotes"),
])
def test_bad_edits_say_how_to_write_them(verb: str, text: str, says: str) -> None:
    with pytest.raises(InputError, match=says):
        parse_edit(verb, text)
