"""The CSAF 2.0 security advisory from the case's fields. Mapping: docs/publication.md.

While the case is not public the advisory is **interim** and TLP:AMBER (for the case's
participants only, never written anywhere public); once it is, **final** and TLP:WHITE
(CSAF 2.0 uses TLP 1.0, whose WHITE is TLP 2.0's CLEAR). CSAF 2.0 has no CVSS v4: a v4
vector goes to the CVE and OSV records only.
"""

from __future__ import annotations

import re
from typing import Any

from bridge import __version__
from bridge.core.records import purls
from bridge.core.records.fields import CaseFields, Product, VersionRange
from bridge.core.records.meta import RecordError, RecordMeta, stamp

TLP_URL = "https://www.first.org/tlp/"
AMBER_TEXT = ("Interim advisory under embargo: for the case's participants only, until the "
              "coordinated publication.")


def tracking_id(fields: CaseFields, meta: RecordMeta) -> str:
    return fields.cve_id or f"{meta.publisher.csaf_prefix}{meta.token}"


def file_name(tracking: str) -> str:
    """The file name CSAF 2.0 (section 5.1) gives an advisory of this ``tracking.id``."""
    return re.sub(r"[^+\-a-z0-9]+", "_", tracking.lower()) + ".json"


def _vers(product: Product, r: VersionRange) -> str:
    eco = purls.ecosystem(product.purl)
    scheme = product.purl[4:].split("/", 1)[0] if product.purl and eco else "generic"
    parts = [] if r.introduced == "0" else [f">={r.introduced}"]
    if r.fixed:
        parts.append(f"<{r.fixed}")
    elif r.last_affected:
        parts.append(f"<={r.last_affected}")
    return f"vers:{scheme}/{'|'.join(parts) or '*'}"


class _Tree:
    """The product tree, numbering product ids as it goes."""

    def __init__(self) -> None:
        self.vendors: dict[str, list[dict[str, Any]]] = {}
        self.affected: list[str] = []
        self.fixed: list[str] = []
        self.fixed_in: dict[str, list[str]] = {}
        """fixed version → the affected ids it fixes."""

    def _pid(self) -> str:
        return f"CSAFPID-{len(self.affected) + len(self.fixed) + 1:04d}"

    def _leaf(self, category: str, name: str, full: str,
              purl: str | None) -> tuple[str, dict[str, Any]]:
        pid = self._pid()
        product: dict[str, Any] = {"name": full, "product_id": pid}
        if purl:
            product["product_identification_helper"] = {"purl": purl}
        return pid, {"category": category, "name": name, "product": product}

    def add(self, product: Product) -> None:
        leaves = []
        for r in product.ranges:
            vers = _vers(product, r)
            pid, leaf = self._leaf("product_version_range", vers,
                                   f"{product.name} {r.text()}", product.purl)
            self.affected.append(pid)
            leaves.append(leaf)
            if r.fixed:
                self.fixed_in.setdefault(r.fixed, []).append(pid)
        for version in dict.fromkeys(r.fixed for r in product.ranges if r.fixed):
            purl = f"{product.purl}@{version}" if product.purl else None
            pid, leaf = self._leaf("product_version", version, f"{product.name} {version}", purl)
            self.fixed.append(pid)
            leaves.append(leaf)
        vendor = product.vendor or product.name
        self.vendors.setdefault(vendor, []).append(
            {"category": "product_name", "name": product.name, "branches": leaves})

    def document(self) -> dict[str, Any]:
        return {"branches": [{"category": "vendor", "name": v, "branches": b}
                             for v, b in self.vendors.items()]}


def _references(fields: CaseFields) -> list[dict[str, Any]]:
    urls = {r.url: f"{r.type} reference" for r in fields.references}
    for fix in fields.fixes:
        if fix.url:
            urls.setdefault(fix.url, f"fix ({fix.kind} {fix.ref})")
    if fields.cve_id:
        urls.setdefault(f"https://www.cve.org/CVERecord?id={fields.cve_id}", fields.cve_id)
    return [{"category": "external", "summary": s, "url": u} for u, s in urls.items()]


def _vulnerability(fields: CaseFields, tree: _Tree,
                   cwe_names: dict[str, str]) -> dict[str, Any]:
    vuln: dict[str, Any] = {}
    if fields.cve_id:
        vuln["cve"] = fields.cve_id
    if fields.cwes:
        vuln["cwe"] = {"id": fields.cwes[0], "name": cwe_names[fields.cwes[0]]}
    if fields.title:
        vuln["title"] = fields.title
    vuln["notes"] = [{"category": "description", "title": "Description",
                      "text": fields.description}]
    status: dict[str, list[str]] = {"known_affected": tree.affected}
    if tree.fixed:
        status["fixed"] = tree.fixed
    vuln["product_status"] = status
    fix_url = next((f.url for f in fields.fixes if f.url), None)
    remediations = []
    for version, pids in tree.fixed_in.items():
        entry: dict[str, Any] = {"category": "vendor_fix", "product_ids": pids,
                                 "details": f"Update to version {version} or later."}
        if fix_url:
            entry["url"] = fix_url
        remediations.append(entry)
    if remediations:
        vuln["remediations"] = remediations
    v3 = fields.score("3.1") or fields.score("3.0")
    if v3 is not None:
        vuln["scores"] = [{"cvss_v3": v3.as_json(), "products": tree.affected}]
    return vuln


def build_csaf(fields: CaseFields, meta: RecordMeta,
               cwe_names: dict[str, str] | None = None) -> dict[str, Any]:
    """The case's CSAF 2.0 advisory: interim TLP:AMBER until the case is public, then final
    TLP:WHITE; RecordError listing what is missing."""
    names = cwe_names or {}
    missing = [] if fields.title else ["title"]
    missing += [] if fields.description else ["description"]
    missing += [] if fields.products else ["affected products"]
    missing += [f"affected versions of {p.key}" for p in fields.products if not p.ranges]
    missing += [f"the name of {c} (not in the CWE catalogue)"
                for c in fields.cwes[:1] if c not in names]
    if not (fields.references or fields.cve_id or any(f.url for f in fields.fixes)):
        missing.append("a reference (or a CVE id)")
    if missing:
        raise RecordError("CSAF", missing)
    tree = _Tree()
    for product in fields.products:
        tree.add(product)
    released = stamp(meta.release_date if meta.public else meta.now)
    publisher: dict[str, Any] = {"category": meta.publisher.category,
                                 "name": meta.publisher.name,
                                 "namespace": meta.publisher.namespace}
    if meta.publisher.contact:
        publisher["contact_details"] = meta.publisher.contact
    distribution: dict[str, Any] = {"tlp": {"label": "WHITE" if meta.public else "AMBER",
                                            "url": TLP_URL}}
    if not meta.public:
        distribution["text"] = AMBER_TEXT
    document: dict[str, Any] = {
        "category": "csaf_security_advisory",
        "csaf_version": "2.0",
        "distribution": distribution,
        "lang": "en",
        "notes": [{"category": "summary", "title": "Summary", "text": fields.title}],
        "publisher": publisher,
        "references": _references(fields),
        "title": fields.title,
        "tracking": {
            "id": tracking_id(fields, meta),
            "status": "final" if meta.public else "interim",
            "version": "1",
            "initial_release_date": released,
            "current_release_date": stamp(meta.now),
            "revision_history": [{"date": released, "number": "1",
                                  "summary": "Initial release."}],
            "generator": {"engine": {"name": "vultron-bridge", "version": __version__},
                          "date": stamp(meta.now)},
        },
    }
    if fields.credits:
        document["acknowledgments"] = [
            {"names": [c.name], "summary": c.type.replace("_", " ")} for c in fields.credits]
    return {"document": document, "product_tree": tree.document(),
            "vulnerabilities": [_vulnerability(fields, tree, names)]}
