"""Applying tracker effects through adapters, recording each write first for echo detection.

The record is written (and committed) **before** the API call: the webhook the write causes
may arrive before the call returns. A write that then fails leaves an unconsumed record that
expires after the echo window; nothing is sent for it either way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bridge.app.afterwrite import recheck
from bridge.app.runtime import Runtime
from bridge.app.tracker_authority import exposure_checked
from bridge.core.echoes import comment_kind, event_kinds, with_echo_marker
from bridge.core.effects import (
    Close,
    Comment,
    EnsurePrivateIssue,
    Link,
    Reopen,
    SetAdvisoryFields,
    SetLabels,
    TrackerEffect,
)
from bridge.core.errors import BridgeError, NotPrivateError
from bridge.core.events import TrackerEvent
from bridge.store import db, writes

log = logging.getLogger("bridge.effects")


def echo_kinds(event: TrackerEvent) -> list[str]:
    """The write kinds an event could be the echo of (``bridge.core.echoes``)."""
    return event_kinds(event)


def bot_identity(rt: Runtime, tracker: str) -> str | None:
    """The login the bridge writes as on ``tracker``: ``bot_login`` when configured, else the
    adapter's answer; None when neither is known (then any actor may be the bridge)."""
    cfg = rt.config.trackers.get(tracker)
    if cfg is not None and cfg.bot_login:
        return cfg.bot_login
    try:
        return rt.adapter(tracker).bot_identity() or None
    except BridgeError:
        return None


def write_kinds(effect: TrackerEffect) -> list[tuple[str, str]]:
    """(ref, kind) of every webhook-visible change an effect makes."""
    if isinstance(effect, SetLabels):
        ref = str(effect.ref)
        return [(ref, f"label_add:{n}") for n in effect.add] + [
            (ref, f"label_remove:{n}") for n in effect.remove
        ]
    if isinstance(effect, Comment):
        kind = comment_kind(effect.marker_id, effect.body)
        return [] if kind is None else [(str(effect.ref), kind)]
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
        if isinstance(effect, Comment) and effect.marker_id is None:
            # its echo is recognised by this marker, not as "a comment on that issue"
            effect = effect.model_copy(
                update={"body": with_echo_marker(str(effect.ref), effect.body)})
        kinds = write_kinds(effect)
        if kinds:
            with db.transaction(rt.sessions) as session:
                for ref, kind in kinds:
                    writes.record_write(session, tracker, ref, kind, rt.clock())
        if isinstance(effect, SetLabels):
            adapter.set_labels(effect.ref, effect.add, effect.remove)
        elif isinstance(effect, Comment):
            try:
                written = adapter.comment(effect.ref, effect.body, marker_id=effect.marker_id)
            except NotPrivateError:
                _forget(rt, tracker, kinds)  # nothing written: expect no echo
                if effect.content:
                    raise
                # a notice without report content (a refusal, an embargo breach) cannot be
                # written privately on an issue that is no longer private: skip it; the alarm
                # and the audit log carry it
                log.warning("skipped a notice on %s: the issue is not private", effect.ref)
                continue
            if written is False:  # already there (its marker was found): no echo will come
                _forget(rt, tracker, kinds)
            elif effect.content:  # made public while we wrote? say so now, not at the webhook
                recheck(rt, adapter, effect.ref, None, "a comment with report content")
        elif isinstance(effect, Close):
            adapter.close(effect.ref)
        elif isinstance(effect, Reopen):
            adapter.reopen(effect.ref)
        elif isinstance(effect, Link):
            adapter.link(effect.ref, effect.other)
        elif isinstance(effect, SetAdvisoryFields):
            try:
                adapter.set_advisory_fields(effect.ref, effect.fields)
            except NotPrivateError:  # published meanwhile: GitHub's form is the team's now
                log.warning("advisory fields not written on %s: it is not private", effect.ref)
        elif isinstance(effect, EnsurePrivateIssue):
            ensured = adapter.ensure_private_issue(
                effect.destination, effect.object_id, effect.title, effect.body, effect.labels
            )
            recheck(rt, adapter, ensured.ref, effect.object_id, "the report")


def _forget(rt: Runtime, tracker: str, kinds: Sequence[tuple[str, str]]) -> None:
    """Consume the records of writes that did not happen, so no later event matches them."""
    with db.transaction(rt.sessions) as session:
        for ref, kind in kinds:
            writes.consume_echo(session, tracker, ref, kind, rt.clock())
