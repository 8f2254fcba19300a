"""What a record needs besides the case's fields: who publishes it, when, and whether the
case is public yet. Built by the edge from the configuration and the store."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bridge.core.errors import InputError
from bridge.core.states.cs import CaseState
from bridge.core.states.cs_names import CSEvent
from bridge.core.states.em import IN_FORCE

FORMATS = ("cve", "csaf", "osv")
IN_FORCE_NAMES = frozenset(s.value for s in IN_FORCE)


class RecordError(InputError):
    """A record cannot be built (or would not validate): ``missing`` names what to add."""

    def __init__(self, record: str, missing: list[str], detail: str | None = None) -> None:
        self.record, self.missing = record, missing
        said = detail or "missing " + ", ".join(missing)
        super().__init__(f"cannot build the {record} record: {said}")


@dataclass(frozen=True)
class Publisher:
    name: str = "vultron-bridge"
    namespace: str = "https://example.invalid"
    """A URL of the publishing organisation (CSAF ``publisher.namespace``)."""
    category: str = "vendor"
    """CSAF publisher category: coordinator, discoverer, other, translator, user, vendor."""
    contact: str | None = None
    cna_org_id: str | None = None
    """The CVE Program's UUID of our CNA (CVE ``providerMetadata.orgId``)."""
    cna_short_name: str | None = None
    osv_prefix: str = "x_vultron-"
    """The OSV id prefix of our database (OSV allows ``x_`` for private ones)."""
    csaf_prefix: str = ""
    """Put before the case's token in a CSAF ``tracking.id`` (used when there is no CVE id)."""


@dataclass(frozen=True)
class RecordMeta:
    case_id: str
    now: datetime
    publisher: Publisher = Publisher()
    public: bool = False
    """The embargo is over and the case is published: a final TLP:WHITE CSAF; else interim
    TLP:AMBER (and no CVE or OSV record at all)."""
    published: datetime | None = None
    """First publication (None: ``now`` when public)."""
    withdrawn: datetime | None = None

    @property
    def token(self) -> str:
        """A short id of the case for file names and record ids (its id's last segment)."""
        last = self.case_id.rstrip("/").rsplit("/", 1)[-1]
        return re.sub(r"[^A-Za-z0-9._-]+", "-", last).strip("-.")[:80] or "case"

    @property
    def release_date(self) -> datetime:
        return self.published or self.now


def stamp(when: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` (what OSV demands, and CSAF and CVE accept)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")



def is_public(cs_state: str, em_state: str, embargo_end: datetime | None,
              now: datetime) -> bool:
    """The case may have public records: its vulnerability is public (CS ``P``) and no
    embargo binds it (none in force, or the one in force has reached its end)."""
    if not CaseState.from_string(cs_state).has(CSEvent.P):
        return False
    if em_state not in IN_FORCE_NAMES:
        return True
    return embargo_end is not None and embargo_end <= now
