"""Tracker-neutral facts: what adapters make of a webhook, and what the rules consume.

Adapters parse a tracker's webhook (pure: headers + raw body) into a ``WebhookResult``:
zero or more ``TrackerEvent`` s, or the reason the delivery was ignored.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bridge.core.commands import Command
from bridge.core.refs import TrackerRef


class EventKind(StrEnum):
    OPENED = "opened"
    LABELED = "labeled"
    UNLABELED = "unlabeled"
    CLOSED = "closed"
    REOPENED = "reopened"
    EDITED = "edited"
    TRANSFERRED = "transferred"
    DELETED = "deleted"
    COMMENTED = "commented"
    COMMAND = "command"
    """A ``/vultron …`` comment; ``command`` holds the parsed command."""
    MADE_PUBLIC = "made_public"
    """An issue lost its confidentiality, or its repository/project became public."""
    MADE_PRIVATE = "made_private"
    ADVISORY_REPORTED = "advisory_reported"
    ADVISORY_PUBLISHED = "advisory_published"
    ADVISORY_UPDATED = "advisory_updated"
    ADVISORY_WITHDRAWN = "advisory_withdrawn"
    FIX_MERGED = "fix_merged"
    """A merged pull/merge request whose description closes ``ref`` (one event per issue)."""
    RELEASE_PUBLISHED = "release_published"
    PING = "ping"
    INSTALLATION = "installation"
    INBOUND_ACTIVITY = "inbound_activity"
    """A protocol activity carried by the tracker (GitHub ``repository_dispatch``)."""


class TrackerEvent(BaseModel):
    """One tracker-neutral fact with where, who, when and which delivery it came from."""

    model_config = ConfigDict(frozen=True)

    kind: EventKind
    tracker: str
    """Tracker name (``github``, ``gitlab`` or a configured name)."""
    ref: TrackerRef | None = None
    """The issue/advisory concerned; None for repository-level events (ping, release…)."""
    project: str | None = None
    """``OWNER/REPO`` or the GitLab project path, always set when known."""
    actor: str | None = None
    """Login/username of who caused it (compare with the bridge's bot identity)."""
    at: datetime | None = None
    delivery_id: str | None = None
    label: str | None = None
    """For labeled/unlabeled."""
    command: Command | None = None
    """For ``command``: the parsed ``/vultron`` command."""
    text: str | None = None
    """Comment body, release notes or PR description where relevant (may be embargoed)."""
    private: bool | None = None
    """Whether the issue/repository is private/confidential, when the payload says."""
    internal: bool = False
    """A GitLab internal note / a comment not visible to non-members."""
    details: dict[str, Any] = Field(default_factory=dict)
    """Tracker-specific extras (advisory GHSA id, release tag, PR number, activity…)."""


class WebhookResult(BaseModel):
    """What a webhook delivery amounts to: events, or a stated reason it was ignored."""

    model_config = ConfigDict(frozen=True)

    tracker: str
    event_name: str
    """The tracker's own event name (``issues``, ``Issue Hook``…) with action when known."""
    delivery_id: str | None = None
    """The idempotency key: ``X-GitHub-Delivery`` / GitLab ``Idempotency-Key``."""
    events: tuple[TrackerEvent, ...] = ()
    ignored: str | None = None
    """Why nothing is done with it; None when events were produced."""
