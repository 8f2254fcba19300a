"""The case's publication fields: what CVE, CSAF and OSV records are built from.

Plain frozen data. The store keeps them as ``data["fields"]`` of the case's row
(:func:`to_data` / :func:`from_data`, JSON types only); ``/vultron set|add|unset``
(:mod:`bridge.core.records.edit`) changes them; the record builders read them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from bridge.core.records.cvss import Cvss, parse_cvss

CVE_ID = re.compile(r"^CVE-[0-9]{4}-[0-9]{4,19}$")
CWE_ID = re.compile(r"^CWE-[1-9][0-9]*$")

CREDIT_TYPES = (
    "finder", "reporter", "analyst", "coordinator", "remediation_developer",
    "remediation_reviewer", "remediation_verifier", "tool", "sponsor", "other",
)
"""OSV's credit types (lower case); CVE's are the same words with spaces."""
REFERENCE_TYPES = (
    "advisory", "article", "detection", "discussion", "report", "fix", "introduced", "git",
    "package", "evidence", "web",
)
"""OSV's reference types (lower case)."""


@dataclass(frozen=True)
class VersionRange:
    """Affected versions: from ``introduced`` (inclusive; ``0`` = the first) up to ``fixed``
    (exclusive) or ``last_affected`` (inclusive), or open-ended when neither is given."""

    introduced: str = "0"
    fixed: str | None = None
    last_affected: str | None = None

    def text(self) -> str:
        parts = [] if self.introduced == "0" else [f">={self.introduced}"]
        if self.fixed:
            parts.append(f"<{self.fixed}")
        elif self.last_affected:
            parts.append(f"<={self.last_affected}")
        return " ".join(parts) or "all versions"


@dataclass(frozen=True)
class Product:
    """An affected product: a package URL (``pkg:pypi/example``) and/or vendor and name."""

    name: str
    vendor: str | None = None
    purl: str | None = None
    ranges: tuple[VersionRange, ...] = ()

    @property
    def key(self) -> str:
        """How commands name it: its package URL, else ``vendor/name``."""
        return self.purl or f"{self.vendor or '-'}/{self.name}"


@dataclass(frozen=True)
class Credit:
    name: str
    type: str = "finder"
    contact: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reference:
    url: str
    type: str = "web"


@dataclass(frozen=True)
class Fix:
    """A fix: a commit (``ref`` its hash) or a release (``ref`` its version)."""

    kind: str
    """``commit`` or ``release``."""
    ref: str
    url: str | None = None


@dataclass(frozen=True)
class CaseFields:
    title: str | None = None
    description: str | None = None
    products: tuple[Product, ...] = ()
    cwes: tuple[str, ...] = ()
    cvss: tuple[str, ...] = ()
    """Normalised vectors, at most one per CVSS version."""
    cve_id: str | None = None
    no_cve: bool = False
    """An explicit "this case gets no CVE id" (``/vultron set cve none``)."""
    credits: tuple[Credit, ...] = ()
    references: tuple[Reference, ...] = ()
    fixes: tuple[Fix, ...] = ()
    ssvc: str | None = None
    """The SSVC coordinator triage vector (``bridge.core.records.ssvc``)."""
    published_at: datetime | None = None
    """When the records were first published (set by the bridge at publication)."""
    withdrawn_at: datetime | None = None
    """When the published records were withdrawn (the case invalidated after publication)."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Keys of the stored form this version does not know, kept as they were."""

    def scores(self) -> tuple[Cvss, ...]:
        return tuple(parse_cvss(v) for v in self.cvss)

    def score(self, version_prefix: str) -> Cvss | None:
        """The vector whose version starts with ``version_prefix`` (``3`` or ``4``)."""
        return next((s for s in self.scores() if s.version.startswith(version_prefix)), None)

    def fixed_versions(self) -> tuple[str, ...]:
        found = [r.fixed for p in self.products for r in p.ranges if r.fixed]
        found += [f.ref for f in self.fixes if f.kind == "release"]
        return tuple(dict.fromkeys(found))

    def with_changes(self, **changes: Any) -> CaseFields:
        return replace(self, **changes)


_SIMPLE = ("title", "description", "cve_id", "ssvc")
_KNOWN = {*_SIMPLE, "no_cve", "products", "cwes", "cvss", "credits", "references", "fixes",
          "published_at", "withdrawn_at"}


def _time(value: object) -> datetime | None:
    return datetime.fromtimestamp(float(value), UTC) if isinstance(value, int | float) else None


def _strs(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


def _dicts(value: object) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _product(data: dict[str, Any]) -> Product:
    ranges = tuple(VersionRange(str(r.get("introduced") or "0"), r.get("fixed"),
                                r.get("last_affected")) for r in _dicts(data.get("ranges")))
    return Product(str(data.get("name") or ""), data.get("vendor"), data.get("purl"), ranges)


def from_data(data: object) -> CaseFields:
    """The fields from their stored form (anything else: no fields)."""
    if not isinstance(data, dict):
        return CaseFields()
    simple = {k: str(data[k]) for k in _SIMPLE if isinstance(data.get(k), str)}
    return CaseFields(
        **simple,
        no_cve=bool(data.get("no_cve")),
        products=tuple(_product(p) for p in _dicts(data.get("products"))),
        cwes=_strs(data.get("cwes")), cvss=_strs(data.get("cvss")),
        credits=tuple(Credit(str(c.get("name") or ""), str(c.get("type") or "finder"),
                             _strs(c.get("contact"))) for c in _dicts(data.get("credits"))),
        references=tuple(Reference(str(r.get("url") or ""), str(r.get("type") or "web"))
                         for r in _dicts(data.get("references"))),
        fixes=tuple(Fix(str(f.get("kind") or "commit"), str(f.get("ref") or ""), f.get("url"))
                    for f in _dicts(data.get("fixes"))),
        published_at=_time(data.get("published_at")),
        withdrawn_at=_time(data.get("withdrawn_at")),
        extra={k: v for k, v in data.items() if k not in _KNOWN},
    )


def to_data(fields: CaseFields) -> dict[str, Any]:
    """The stored form: JSON types only, empty values left out."""
    raw = asdict(fields)
    extra = raw.pop("extra")
    for key in ("published_at", "withdrawn_at"):
        when = getattr(fields, key)
        raw[key] = when.timestamp() if when else None
    out = {k: _lists(v) for k, v in raw.items() if v not in (None, False, (), "")}
    return {**extra, **out}


def _lists(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items() if v is not None}
    return value
