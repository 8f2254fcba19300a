"""The case's publication fields as a GitHub repository security advisory's own fields (pure).

Where a case's issue is a draft advisory, its fields are shown where GitHub shows them: the
summary (the title), the CVE id, the CWE ids, the CVSS vector (GitHub scores it) and the
affected packages with their version ranges and patched versions. The advisory's
description is the bridge's: it carries the report and the hidden state, and is not
rewritten from the fields. Credits need GitHub logins, which the fields do not hold.
"""

from __future__ import annotations

from typing import Any

from bridge.core.errors import InputError
from bridge.core.records.edit import apply_edit, parse_edit
from bridge.core.records.fields import CaseFields, Product, VersionRange
from bridge.core.records.purls import package_name, parse_purl

ECOSYSTEMS = {
    "gem": "rubygems", "npm": "npm", "pypi": "pip", "maven": "maven", "nuget": "nuget",
    "composer": "composer", "golang": "go", "cargo": "rust", "hex": "erlang",
    "githubactions": "actions", "pub": "pub", "swift": "swift",
}
"""purl type → GitHub's advisory ecosystem (any other is ``other``)."""
SUMMARY_MAX = 1024


def _range(r: VersionRange) -> str:
    """GitHub's range syntax: ``>= 1.0, < 1.4.2``, ``= 2.0.1``, ``<= 4.2``."""
    if r.introduced != "0" and r.last_affected == r.introduced and not r.fixed:
        return f"= {r.introduced}"
    parts = [] if r.introduced == "0" else [f">= {r.introduced}"]
    if r.fixed:
        parts.append(f"< {r.fixed}")
    elif r.last_affected:
        parts.append(f"<= {r.last_affected}")
    return ", ".join(parts) or ">= 0"


def _package(product: Product) -> dict[str, str]:
    if product.purl:
        try:
            purl = parse_purl(product.purl)
        except InputError:
            purl = None
        if purl is not None and purl.type in ECOSYSTEMS:
            return {"ecosystem": ECOSYSTEMS[purl.type], "name": package_name(purl)}
    name = f"{product.vendor}/{product.name}" if product.vendor else product.name
    return {"ecosystem": "other", "name": name}


def vulnerabilities(products: tuple[Product, ...]) -> list[dict[str, Any]]:
    """One entry per product and range (a product without a range: every version)."""
    out: list[dict[str, Any]] = []
    for product in products:
        for r in product.ranges or (VersionRange(),):
            out.append({"package": _package(product), "vulnerable_version_range": _range(r),
                        "patched_versions": r.fixed, "vulnerable_functions": []})
    return out


def advisory_fields(fields: CaseFields) -> dict[str, Any]:
    """The ``PATCH …/security-advisories/{ghsa_id}`` body for these fields: only what they
    set (an unset field leaves the advisory's own value alone, so what the team entered in
    GitHub's form stays until a field replaces it)."""
    out: dict[str, Any] = {}
    if fields.products:
        out["vulnerabilities"] = vulnerabilities(fields.products)
    if fields.title:
        out["summary"] = fields.title[:SUMMARY_MAX]
    if fields.cve_id:
        out["cve_id"] = fields.cve_id
    if fields.cwes:
        out["cwe_ids"] = list(fields.cwes)
    if fields.cvss:
        v3 = [v for v in fields.cvss if v.startswith("CVSS:3")]
        out["cvss_vector_string"] = (v3 or list(fields.cvss))[0]
    return out


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _edits(details: dict[str, Any]) -> list[tuple[str, str]]:
    """The ``/vultron set`` edits an advisory's own fields stand for (the webhook's
    ``details``: ``summary``, ``cve_ids``, ``cwe_ids``, ``cvss_vector``)."""
    edits: list[tuple[str, str]] = []
    if isinstance(details.get("summary"), str) and details["summary"].strip():
        edits.append(("set", f"title {details['summary']}"))
    cves = [c for c in _list(details.get("cve_ids")) if isinstance(c, str)]
    if cves:
        edits.append(("set", f"cve {cves[0]}"))
    cwes = [c for c in _list(details.get("cwe_ids")) if isinstance(c, str)]
    edits += [("set" if n == 0 else "add", f"cwe {c}") for n, c in enumerate(cwes)]
    if isinstance(details.get("cvss_vector"), str) and details["cvss_vector"]:
        edits.append(("set", f"cvss {details['cvss_vector']}"))
    return edits


def imported(fields: CaseFields, details: dict[str, Any]) -> tuple[CaseFields, list[str]]:
    """The fields after what the team entered in the advisory's form (its summary, CVE id,
    CWE ids and CVSS vector; the affected packages are GitHub's own and are not read back),
    and the names of the values that could not be used (each left as it was)."""
    skipped: list[str] = []
    for verb, text in _edits(details):
        try:
            fields = apply_edit(fields, parse_edit(verb, text))
        except InputError:
            skipped.append(text.split(" ", 1)[0])
    return fields, skipped
