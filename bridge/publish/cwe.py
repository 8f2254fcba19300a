"""CWE names, from the CWE catalogue the ``csaf`` package validates against (CSAF 2.0 test
6.1.11 demands the catalogue's exact name; reading the same catalogue keeps us in step)."""

from __future__ import annotations

from collections.abc import Iterable


def cwe_names(ids: Iterable[str]) -> dict[str, str]:
    """``CWE-79`` → its name, for the ids the catalogue knows (unknown ids left out)."""
    from bridge.publish.validate import import_csaf

    try:
        lookup = import_csaf("csaf.csaf.v20.rules._shared")._cwe_name_latest
    except (ImportError, AttributeError):  # pragma: no cover - the csaf package moved it
        return {}
    out = {}
    for cwe in ids:
        name = lookup(cwe.removeprefix("CWE-")) if cwe.startswith("CWE-") else None
        if name:
            out[cwe] = name
    return out
