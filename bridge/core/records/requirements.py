"""Which fields a transition needs before the bridge lets it happen, and what is missing.

A requirement is a name from :data:`CHECKS`; ``publication.requirements`` in the
configuration maps an action (``fix-ready``, ``published``, ``validate`` … the names of
:class:`bridge.core.rules.actions.Action`) to the requirements it has, on top of
:data:`DEFAULTS` when ``publication.default_requirements`` turns them on (replacing the
default of that action). A transition asked for without them is refused like any
refused transition: nothing is sent, the label comes off, a private comment lists what is
missing and how to add it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from bridge.core.records.fields import CaseFields

Check = Callable[[CaseFields], bool]

CHECKS: dict[str, tuple[Check, str]] = {
    "title": (lambda f: bool(f.title), "a title: `/vultron set title <text>`"),
    "description": (lambda f: bool(f.description),
                    "a description: `/vultron set description <text>`"),
    "product": (lambda f: bool(f.products),
                "an affected product: `/vultron add product pkg:pypi/name >=1.0 <1.4.2`"),
    "affected_versions": (
        lambda f: bool(f.products) and all(p.ranges for p in f.products),
        "affected versions of every product: `/vultron add product <purl> >=1.0 <1.4.2`"),
    "fixed_version": (
        lambda f: bool(f.fixed_versions()),
        "a fixed version: `/vultron add product <purl> <1.4.2` or "
        "`/vultron add fix release 1.4.2`"),
    "fix": (lambda f: bool(f.fixes),
            "a fix: `/vultron add fix <commit URL>` or `/vultron add fix release <version>`"),
    "cvss": (lambda f: bool(f.cvss), "a CVSS vector: `/vultron set cvss CVSS:3.1/…`"),
    "cwe": (lambda f: bool(f.cwes), "a CWE: `/vultron set cwe CWE-79`"),
    "cve": (lambda f: bool(f.cve_id) or f.no_cve,
            "a CVE id: `/vultron set cve CVE-2025-12345` (or `/vultron set cve none`)"),
    "credit": (lambda f: bool(f.credits),
               "a credit: `/vultron add credit finder \"Name\" <contact>`"),
    "reference": (lambda f: bool(f.references),
                  "a reference: `/vultron add reference https://…`"),
}

DEFAULTS: dict[str, tuple[str, ...]] = {
    "fix-ready": ("affected_versions",),
    "published": ("title", "description", "affected_versions", "fixed_version", "cvss", "cve"),
}
"""What each action needs unless ``publication.requirements`` says otherwise."""


def unknown(names: Sequence[str]) -> list[str]:
    return [n for n in names if n not in CHECKS]


def table(overrides: Mapping[str, Sequence[str]] | None = None,
          defaults: bool = True) -> dict[str, tuple[str, ...]]:
    """The defaults (when ``defaults``) with the configured actions replaced (an empty list:
    no requirement)."""
    out = dict(DEFAULTS) if defaults else {}
    out.update({action: tuple(names) for action, names in (overrides or {}).items()})
    return {a: n for a, n in out.items() if n}


def missing(fields: CaseFields, needs: Sequence[str]) -> list[str]:
    """The requirements ``fields`` does not meet, each as "what: how to add it"."""
    return [CHECKS[n][1] for n in needs if n in CHECKS and not CHECKS[n][0](fields)]


def refusal(action: str, gaps: Sequence[str]) -> str:
    """The reason a refused transition gives (its comment lists ``gaps``)."""
    lines = "\n".join(f"- {g}" for g in gaps)
    return f"`{action}` needs the case's publication fields first; missing:\n{lines}"
