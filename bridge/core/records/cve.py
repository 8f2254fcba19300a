"""The CVE JSON 5 record's CNA container (what a CNA submits to CVE Services, e.g. with
``cve publish CVE-… --json-file``) from the case's fields. Mapping: docs/publication.md."""

from __future__ import annotations

from typing import Any

from bridge.core.records import purls
from bridge.core.records.fields import CaseFields, Product
from bridge.core.records.meta import RecordError, RecordMeta, stamp

METRIC_KEYS = {"3.0": "cvssV3_0", "3.1": "cvssV3_1", "4.0": "cvssV4_0"}
REFERENCE_TAGS = {
    "advisory": ["vendor-advisory"], "article": ["technical-description"],
    "report": ["issue-tracking"], "fix": ["patch"], "package": ["product"],
    "detection": ["signature"], "discussion": ["related"], "evidence": ["related"],
    "introduced": ["related"], "git": ["related"], "web": [],
}


def _versions(product: Product, version_type: str) -> list[dict[str, Any]]:
    out = []
    for r in product.ranges:
        entry: dict[str, Any] = {"version": r.introduced, "status": "affected",
                                 "versionType": version_type}
        if r.fixed:
            entry["lessThan"] = r.fixed
        elif r.last_affected and r.last_affected != r.introduced:
            entry["lessThanOrEqual"] = r.last_affected
        elif not r.last_affected:
            entry["lessThan"] = "*"
        out.append(entry)
    return out


def _affected(product: Product) -> dict[str, Any]:
    eco = purls.ecosystem(product.purl)
    entry: dict[str, Any] = {"product": product.name}
    if product.vendor or not (eco and eco.collection):
        entry["vendor"] = product.vendor or "n/a"
    if product.purl and eco and eco.collection:
        entry["collectionURL"] = eco.collection
        entry["packageName"] = product.name
    entry["versions"] = _versions(product, eco.version_type if eco else "custom")
    entry["defaultStatus"] = "unaffected"
    return entry


def _missing(fields: CaseFields, meta: RecordMeta) -> list[str]:
    missing = [] if fields.cve_id else ["cve id"]
    missing += [] if fields.description else ["description"]
    missing += [] if fields.products else ["affected products"]
    missing += [f"affected versions of {p.key}" for p in fields.products if not p.ranges]
    missing += [] if fields.references or fields.fixes else ["a reference"]
    if not meta.publisher.cna_org_id:
        missing.append("publication.cve.org_id in the configuration (your CNA's UUID)")
    return missing


def build_cve(fields: CaseFields, meta: RecordMeta,
              cwe_names: dict[str, str] | None = None) -> dict[str, Any]:
    """The CNA container of the case's CVE record; RecordError listing what is missing."""
    if not meta.public:
        raise RecordError("CVE", [], "the case is not public yet (a CVE record exists only "
                          "once the embargo has ended and the case is published)")
    missing = _missing(fields, meta)
    if missing:
        raise RecordError("CVE", missing)
    names = cwe_names or {}
    provider: dict[str, Any] = {"orgId": meta.publisher.cna_org_id,
                                "dateUpdated": stamp(meta.now)}
    if meta.publisher.cna_short_name:
        provider["shortName"] = meta.publisher.cna_short_name
    out: dict[str, Any] = {
        "providerMetadata": provider,
        "datePublic": stamp(meta.release_date),
        "descriptions": [{"lang": "en", "value": fields.description}],
        "affected": [_affected(p) for p in fields.products],
        "references": _references(fields),
    }
    if fields.title:
        out["title"] = fields.title
    if fields.cwes:
        out["problemTypes"] = [{"descriptions": [
            {"lang": "en", "type": "CWE", "cweId": c,
             "description": f"{c} {names[c]}" if c in names else c} for c in fields.cwes]}]
    if fields.cvss:
        out["metrics"] = [{METRIC_KEYS[s.version]: s.as_json()} for s in fields.scores()]
    if fields.credits:
        out["credits"] = [{"lang": "en", "value": c.name, "type": c.type.replace("_", " ")}
                          for c in fields.credits]
    return out


def _references(fields: CaseFields) -> list[dict[str, Any]]:
    refs: dict[str, list[str]] = {}
    for ref in fields.references:
        refs.setdefault(ref.url, []).extend(REFERENCE_TAGS.get(ref.type, []))
    for fix in fields.fixes:
        if fix.url:
            refs.setdefault(fix.url, []).append("patch" if fix.kind == "commit"
                                                else "release-notes")
    out = []
    for url, tags in refs.items():
        entry: dict[str, Any] = {"url": url}
        if tags:
            entry["tags"] = list(dict.fromkeys(tags))
        out.append(entry)
    return out

