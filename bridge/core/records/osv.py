"""The OSV entry (OSV schema 1.7) from the case's fields. Mapping: docs/publication.md.

Only packages of an OSV ecosystem can be described: products without a package URL of one
(``bridge.core.records.purls.ECOSYSTEMS``) are left out, and an entry with none is refused.
A case withdrawn after publication keeps its entry, with ``withdrawn`` set.
"""

from __future__ import annotations

from typing import Any

from bridge.core.records import purls
from bridge.core.records.fields import CaseFields, Product
from bridge.core.records.meta import RecordError, RecordMeta, stamp

SCHEMA_VERSION = "1.7.0"
SEVERITY_TYPES = {"3.0": "CVSS_V3", "3.1": "CVSS_V3", "4.0": "CVSS_V4"}


def osv_id(meta: RecordMeta) -> str:
    return f"{meta.publisher.osv_prefix}{meta.token}"


def _events(product: Product) -> list[dict[str, str]]:
    events: list[dict[str, str]] = []
    for r in product.ranges:
        events.append({"introduced": r.introduced})
        if r.fixed:
            events.append({"fixed": r.fixed})
        elif r.last_affected:
            events.append({"last_affected": r.last_affected})
    return events


def _affected(product: Product) -> dict[str, Any] | None:
    eco = purls.ecosystem(product.purl)
    if eco is None or not product.ranges:
        return None
    return {
        "package": {"ecosystem": eco.osv, "name": product.name, "purl": product.purl},
        "ranges": [{"type": "ECOSYSTEM", "events": _events(product)}],
    }


def _references(fields: CaseFields) -> list[dict[str, str]]:
    refs = {r.url: r.type.upper() for r in fields.references}
    for fix in fields.fixes:
        if fix.url:
            refs.setdefault(fix.url, "FIX" if fix.kind == "commit" else "WEB")
    return [{"type": kind, "url": url} for url, kind in refs.items()]


def build_osv(fields: CaseFields, meta: RecordMeta) -> dict[str, Any]:
    """The case's OSV entry; RecordError listing what is missing."""
    if not meta.public:
        raise RecordError("OSV", [], "the case is not public yet (an OSV entry exists only "
                          "once the embargo has ended and the case is published)")
    affected = [a for a in (_affected(p) for p in fields.products) if a]
    missing = [] if fields.description or fields.title else ["title or description"]
    if not affected:
        missing.append("an affected product with a package URL of an OSV ecosystem "
                       "(e.g. pkg:pypi/name) and its affected versions")
    if missing:
        raise RecordError("OSV", missing)
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "id": osv_id(meta),
        "modified": stamp(meta.now),
        "published": stamp(meta.release_date),
    }
    if meta.withdrawn:
        out["withdrawn"] = stamp(meta.withdrawn)
    if fields.cve_id:
        out["aliases"] = [fields.cve_id]
    if fields.title:
        out["summary"] = fields.title
    if fields.description:
        out["details"] = fields.description
    if fields.cvss:
        out["severity"] = [{"type": SEVERITY_TYPES[s.version], "score": s.vector}
                           for s in fields.scores()]
    out["affected"] = affected
    refs = _references(fields)
    if refs:
        out["references"] = refs
    if fields.credits:
        out["credits"] = [{"name": c.name, "type": c.type.upper(),
                           **({"contact": list(c.contact)} if c.contact else {})}
                          for c in fields.credits]
    if fields.cwes:
        out["database_specific"] = {"cwe_ids": list(fields.cwes)}
    return out
