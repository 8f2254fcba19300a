"""CVSS vectors parsed and scored by the ``cvss`` library (Red Hat Product Security's), which
implements FIRST's v3.0, v3.1 and v4.0 specifications and their test vectors; we only
normalise its answers into one small value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

from bridge.core.errors import InputError

VERSIONS = ("3.0", "3.1", "4.0")


@dataclass(frozen=True)
class Cvss:
    """One vector, normalised (metrics in the specification's order), with its base score."""

    version: str
    """``3.0``, ``3.1`` or ``4.0``."""
    vector: str
    score: float
    severity: str
    """``NONE``, ``LOW``, ``MEDIUM``, ``HIGH`` or ``CRITICAL``."""

    def as_json(self) -> dict[str, Any]:
        """The FIRST JSON schema's required properties (what CVE and CSAF embed)."""
        return {"version": self.version, "vectorString": self.vector,
                "baseScore": self.score, "baseSeverity": self.severity}


def parse_cvss(text: str) -> Cvss:
    """A ``CVSS:3.1/…`` or ``CVSS:4.0/…`` vector, scored; InputError naming what is wrong."""
    vector = text.strip()
    version = vector[5:8] if vector.upper().startswith("CVSS:") else ""
    if version not in VERSIONS:
        raise InputError("a CVSS vector starts with CVSS:3.1/, CVSS:3.0/ or CVSS:4.0/")
    try:
        if version == "4.0":
            v4 = CVSS4(vector)
            return Cvss(version, str(v4.clean_vector()), float(v4.base_score),
                        str(v4.severity).upper())
        v3 = CVSS3(vector)
        return Cvss(version, str(v3.clean_vector()), float(v3.scores()[0]),
                    str(v3.severities()[0]).upper())
    except CVSSError as exc:
        raise InputError(f"not a valid CVSS {version} vector: {str(exc)[:120]}") from None
