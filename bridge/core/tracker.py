"""The one small interface every tracker adapter implements.

Verification and parsing of webhooks are pure module-level functions of each adapter package
(``adapters.<tracker>.webhooks.parse_webhook``); this protocol covers the writes and reads
that need the tracker's API. Every method raises only ``bridge.core.errors`` types.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from bridge.core.effects import Destination
from bridge.core.refs import TrackerRef


class Capability(StrEnum):
    PRIVATE_ISSUES = "private_issues"
    ADVISORIES = "advisories"
    CONFIDENTIAL_ISSUES = "confidential_issues"
    INTERNAL_NOTES = "internal_notes"
    ISSUE_LINKS = "issue_links"
    CVE_REQUEST = "cve_request"
    SIGNED_WEBHOOKS = "signed_webhooks"


class IssueSnapshot(BaseModel):
    """What the tracker says about an issue now (for status views and drift repair)."""

    model_config = ConfigDict(frozen=True)

    ref: TrackerRef
    title: str
    state: str
    """``open`` / ``closed`` (issues) or the advisory state (``draft``, ``published``…)."""
    labels: tuple[str, ...] = ()
    private: bool
    """Verified private: private repo, draft advisory or confidential issue."""
    url: str | None = None
    moved_to: TrackerRef | None = None


class EnsureResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    ref: TrackerRef
    created: bool
    """False when an existing issue carrying the marker was found."""
    planted: tuple[TrackerRef, ...] = ()
    """Issues/advisories that carry the marker but were not created by the bridge's own
    identity: not adopted, never written to (the caller audits and alarms)."""


@runtime_checkable
class TrackerAdapter(Protocol):
    """A tracker the bridge can write to. Implementations: adapters.github, adapters.gitlab."""

    kind: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]

    @property
    def name(self) -> str:
        """The configured tracker name used in references (``github`` unless renamed)."""
        ...

    def bot_identity(self) -> str:
        """The login the bridge writes as; its own echoes are ignored by this name."""
        ...

    def check_private(self, destination: Destination | TrackerRef) -> None:
        """Verify through the API that the destination is private now; raise NotPrivateError."""
        ...

    def ensure_private_issue(
        self,
        destination: Destination,
        object_id: str,
        title: str,
        body: str,
        labels: Sequence[str] = (),
        *,
        fresh: bool = False,
    ) -> EnsureResult:
        """Find the issue carrying ``object_id``'s marker, or create it (after check_private).

        Only an issue the bridge's own identity created is found; one that merely carries the
        marker is not adopted (it is listed in ``planted``) and a new issue is created.

        ``fresh``: the caller knows no earlier attempt can have created it (its own durable
        record says so), so the marker search is skipped; an ambiguous create still searches.
        """
        ...

    def set_labels(self, ref: TrackerRef, add: Sequence[str], remove: Sequence[str]) -> None: ...

    def comment(self, ref: TrackerRef, body: str, *, marker_id: str | None = None) -> bool | None:
        """A private comment (re-checks privacy first); once per ``marker_id`` when given.
        Returns False when a comment with that marker was already there (nothing written, so
        no webhook will come), True when written, None when the adapter cannot tell."""
        ...

    def close(self, ref: TrackerRef) -> None: ...

    def reopen(self, ref: TrackerRef) -> None: ...

    def link(self, ref: TrackerRef, other: TrackerRef) -> None: ...

    def set_advisory_fields(self, ref: TrackerRef, fields: Mapping[str, Any]) -> None:
        """Write a draft advisory's own fields (``bridge.core.records.ghsa``); NotPrivateError
        when the advisory is no longer private. Only a ref with a GHSA id gets it: a tracker
        without advisories raises PermanentError."""
        ...

    def get_issue(self, ref: TrackerRef) -> IssueSnapshot: ...

    def actor_can_write(self, target: TrackerRef | str, login: str) -> bool:
        """Whether ``login`` holds at least the configured write access to ``target``'s
        project (a ref, or the project path): GitHub collaborator permission, GitLab
        membership access level. False for unknown users and non-members. Answers are cached
        briefly (a TTL on the adapter's clock). Tracker-side authority: labels and
        ``/vultron`` commands count only from such people."""
        ...
