"""Every tracker kind the bridge speaks to, registered here and only here.

The service (webhook route, adapter construction), the CLI and the configuration look a kind
up in ``TRACKERS``; nothing else branches on a tracker's kind. Adding a tracker is one
package under ``adapters/`` exporting a ``TrackerSpec`` as ``TRACKER`` and one line below
(docs/adding-a-tracker.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from adapters import github, gitlab, trac
from adapters.spec import TrackerSpec
from bridge.core.errors import ConfigurationError

TRACKERS: Mapping[str, TrackerSpec] = {
    spec.kind: spec for spec in (github.TRACKER, gitlab.TRACKER, trac.TRACKER)
}


def spec(kind: str) -> TrackerSpec:
    """The spec of tracker kind ``kind``; ConfigurationError naming the known kinds."""
    found = TRACKERS.get(kind)
    if found is None:
        known = ", ".join(sorted(TRACKERS))
        raise ConfigurationError(f"unknown tracker kind {kind[:40]!r}; known kinds: {known}")
    return found
