"""Applying tracker effects through adapters, recording each write first for echo detection.

The record is written (and committed) **before** the API call: the webhook the write causes
may arrive before the call returns. A write that then fails leaves an unconsumed record that
expires after the echo window; nothing is sent for it either way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bridge.core.effects import (
    Close,
    Comment,
    EnsurePrivateIssue,
    Link,
    Reopen,
    SetLabels,
    TrackerEffect,
)
from bridge.core.errors import NotPrivateError
from bridge.core.events import EventKind, TrackerEvent
from bridge.service.runtime import Runtime
from bridge.service.tracker_authority import exposure_checked
from bridge.store import db, writes

log = logging.getLogger("bridge.effects")


def echo_kind(event: TrackerEvent) -> str | None:
    """The write kind an event would be the echo of (None: never an echo)."""
    if event.kind is EventKind.LABELED and event.label:
        return f"label_add:{event.label}"
    if event.kind is EventKind.UNLABELED and event.label:
        return f"label_remove:{event.label}"
    if event.kind is EventKind.CLOSED:
        return "close"
    if event.kind is EventKind.REOPENED:
        return "reopen"
    if event.kind in (EventKind.COMMENTED, EventKind.COMMAND):
        return "comment"
    return None


def write_kinds(effect: TrackerEffect) -> list[tuple[str, str]]:
    """(ref, kind) of every webhook-visible change an effect makes."""
    if isinstance(effect, SetLabels):
        ref = str(effect.ref)
        return [(ref, f"label_add:{n}") for n in effect.add] + [
            (ref, f"label_remove:{n}") for n in effect.remove
        ]
    if isinstance(effect, Comment):
        return [(str(effect.ref), "comment")]
    if isinstance(effect, Close):
        return [(str(effect.ref), "close")]
    if isinstance(effect, Reopen):
        return [(str(effect.ref), "reopen")]
    return []


def apply_effects(rt: Runtime, tracker: str, effects: Sequence[TrackerEffect]) -> None:
    """Apply effects in order through the tracker's adapter (errors propagate, typed).
    Protocol labels are written only on issues the adapter verifies private."""
    adapter = rt.adapter(tracker)
    for planned in effects:
        effect = exposure_checked(adapter, planned)
        if effect is None:
            continue
        kinds = write_kinds(effect)
        if kinds:
            with db.transaction(rt.sessions) as session:
                for ref, kind in kinds:
                    writes.record_write(session, tracker, ref, kind, rt.clock())
        if isinstance(effect, SetLabels):
            adapter.set_labels(effect.ref, effect.add, effect.remove)
        elif isinstance(effect, Comment):
            try:
                adapter.comment(effect.ref, effect.body, marker_id=effect.marker_id)
            except NotPrivateError:
                with db.transaction(rt.sessions) as session:  # nothing written: expect no echo
                    writes.consume_echo(session, tracker, str(effect.ref), "comment", rt.clock())
                if effect.content:
                    raise
                # a notice without report content (a refusal, an embargo breach) cannot be
                # written privately on an issue that is no longer private: skip it; the alarm
                # and the audit log carry it
                log.warning("skipped a notice on %s: the issue is not private", effect.ref)
        elif isinstance(effect, Close):
            adapter.close(effect.ref)
        elif isinstance(effect, Reopen):
            adapter.reopen(effect.ref)
        elif isinstance(effect, Link):
            adapter.link(effect.ref, effect.other)
        elif isinstance(effect, EnsurePrivateIssue):
            adapter.ensure_private_issue(
                effect.destination, effect.object_id, effect.title, effect.body, effect.labels
            )
