"""The ``vultron:*`` label set: names, colours, descriptions and exclusive groups.

Labels in one exclusive group are kept mutually exclusive by the bridge itself (GitLab's
scoped labels are a paid feature; GitHub has none). Adapters create missing labels on first
use with the colour and description given here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

PREFIX = "vultron:"


@dataclass(frozen=True, slots=True)
class LabelSpec:
    name: str
    color: str
    """Six hex digits, no ``#``."""
    description: str
    group: str | None = None
    """Exclusive group: at most one label of a group is on an issue at a time."""


LABELS: tuple[LabelSpec, ...] = (
    LabelSpec("vultron:received", "c5def5", "Report received through Vultron", "rm"),
    LabelSpec("vultron:invited", "c5def5", "Invited to a case: /vultron case accept|reject"),
    LabelSpec("vultron:valid", "0e8a16", "Report validated (RV)", "rm"),
    LabelSpec("vultron:invalid", "e4e669", "Report invalidated (RI)", "rm"),
    LabelSpec("vultron:accepted", "1d76db", "Case engaged (RA)", "rm"),
    LabelSpec("vultron:deferred", "bfd4f2", "Case deferred (RD)", "rm"),
    LabelSpec("vultron:closed", "5a5a5a", "Report/case closed (RC)", "rm"),
    LabelSpec("vultron:fix-ready", "fbca04", "Fix ready (CS: F)"),
    LabelSpec("vultron:fix-deployed", "0052cc", "Fix deployed (CS: D)"),
    LabelSpec("vultron:public", "d93f0b", "Vulnerability public (CS: P)"),
    LabelSpec("vultron:exploit-public", "b60205", "Exploit public (CS: X)"),
    LabelSpec("vultron:attacks-observed", "b60205", "Attacks observed (CS: A)"),
    LabelSpec("vultron:embargo-proposed", "f9d0c4", "Embargo proposed (EM: P)", "em"),
    LabelSpec("vultron:embargo-active", "5319e7", "Embargo active (EM: A)", "em"),
    LabelSpec("vultron:embargo-exited", "d4c5f9", "Embargo ended (EM: X)", "em"),
    LabelSpec("vultron:embargo-accept", "c2e0c6", "Accept the proposed embargo (EA)"),
    LabelSpec("vultron:embargo-reject", "f9d0c4", "Reject the proposed embargo (ER)"),
    LabelSpec("vultron:embargo-breach", "b60205", "Embargo breach detected: act now"),
)

BY_NAME: dict[str, LabelSpec] = {spec.name: spec for spec in LABELS}


def spec(name: str) -> LabelSpec:
    """The spec of a known label, or a neutral one for a label we do not own."""
    return BY_NAME.get(name) or LabelSpec(name, "ededed", "")


def exclusive_with(name: str) -> tuple[str, ...]:
    """The other labels of ``name``'s exclusive group (to remove when ``name`` is added)."""
    group = BY_NAME[name].group if name in BY_NAME else None
    if group is None:
        return ()
    return tuple(s.name for s in LABELS if s.group == group and s.name != name)


def resolve_labels(
    current: set[str], add: Iterable[str], remove: Iterable[str]
) -> tuple[set[str], set[str]]:
    """The labels to add and remove so that ``add`` holds and groups stay exclusive.

    ``add`` is applied in order: of two labels of one exclusive group, the later wins.
    Returns ``(to_add, to_remove)`` relative to ``current``; both are minimal.
    """
    target = set(current) - set(remove)
    for name in add:
        target -= set(exclusive_with(name))
        target.add(name)
    return target - current, current - target
