"""What to do to a tracker: effects the rules produce and adapters apply idempotently."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bridge.core.refs import TrackerRef


class DestinationMode(StrEnum):
    """Where report content may land. Every mode is private by construction and re-checked."""

    ADVISORY = "advisory"
    """GitHub: a draft repository security advisory (needs repository-advisories write)."""
    PRIVATE_ISSUE = "private_issue"
    """GitHub: an issue in a private repository."""
    CONFIDENTIAL_ISSUE = "confidential_issue"
    """GitLab: a confidential issue."""


class Destination(BaseModel):
    """A project where the bridge may create private issues."""

    model_config = ConfigDict(frozen=True)

    tracker: str
    project: str
    mode: DestinationMode


class _Effect(BaseModel):
    model_config = ConfigDict(frozen=True)


class EnsurePrivateIssue(_Effect):
    """Create (or find, by hidden marker) the private issue mirroring ``object_id``."""

    op: Literal["ensure_private_issue"] = "ensure_private_issue"
    destination: Destination
    object_id: str
    title: str
    body: str
    labels: tuple[str, ...] = ()


class SetLabels(_Effect):
    op: Literal["set_labels"] = "set_labels"
    ref: TrackerRef
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


class Comment(_Effect):
    """A comment; always private (on a private issue, or a GitLab internal note)."""

    op: Literal["comment"] = "comment"
    ref: TrackerRef
    body: str
    marker_id: str | None = None
    """When set, the comment is written once per marker id (idempotent)."""
    content: bool = True
    """Whether the body may carry report content (then the destination is re-checked)."""


class Close(_Effect):
    op: Literal["close"] = "close"
    ref: TrackerRef


class Reopen(_Effect):
    op: Literal["reopen"] = "reopen"
    ref: TrackerRef


class Link(_Effect):
    """Relate two issues in the tracker itself (GitLab issue links; a comment on GitHub)."""

    op: Literal["link"] = "link"
    ref: TrackerRef
    other: TrackerRef


class SetAdvisoryFields(_Effect):
    """Show the case's publication fields in a draft advisory's own fields (GitHub: summary,
    CVE id, CWE ids, CVSS vector, affected packages; ``bridge.core.records.ghsa``). Written
    only while the advisory is private."""

    op: Literal["set_advisory_fields"] = "set_advisory_fields"
    ref: TrackerRef
    fields: dict[str, Any]


TrackerEffect = Annotated[
    EnsurePrivateIssue | SetLabels | Comment | Close | Reopen | Link | SetAdvisoryFields,
    Field(discriminator="op"),
]
