"""Recognising the webhook a write of the bridge's own causes (pure).

Before it changes a tracker the bridge records what it is about to do; the webhook that change
causes is then dropped instead of being read as someone's action. A comment is recognised by
**its marker**, never by "some comment on that issue": every comment the bridge writes carries
one — the effect's own marker (``bridge.core.markers``), or, for a comment without one, an echo
marker ``<!-- vultron-bridge-echo e<32 hex> -->`` derived from the issue and the text. A
maintainer's ``/vultron status`` written a minute after a bridge comment carries neither, so it
is never taken for that comment's echo.

Labels, closes and reopens cannot carry a marker; for every kind an event is only considered an
echo when its actor is the bridge's own bot — or unknown (a tracker that does not say, a bot
identity not configured). A person adding the label the bridge just added is a person.
"""

from __future__ import annotations

import hashlib
import re

from bridge.core.events import EventKind, TrackerEvent
from bridge.core.markers import marker_token, tokens_in

_ECHO = re.compile(r"<!--\s*vultron-bridge-echo\s+(e[0-9a-f]{32})\s*-->")


def echo_token(ref: str, body: str) -> str:
    """The echo token of an unmarked comment ``body`` written on ``ref``."""
    digest = hashlib.sha256(f"{ref}\n{body}".encode("utf-8", "surrogatepass")).hexdigest()
    return "e" + digest[:32]


def with_echo_marker(ref: str, body: str) -> str:
    """``body`` with its echo marker appended (idempotent: a body with one keeps it)."""
    if _ECHO.search(body):
        return body
    return f"{body.rstrip()}\n\n<!-- vultron-bridge-echo {echo_token(ref, body)} -->\n"


def comment_kind(marker_id: str | None, body: str) -> str | None:
    """The write kind of a comment the bridge is about to post: ``comment:<token>`` of its
    marker, else of the echo marker in ``body``; None when it carries neither."""
    if marker_id is not None:
        return f"comment:{marker_token(marker_id)}"
    found = _ECHO.search(body)
    return f"comment:{found.group(1)}" if found else None


def event_kinds(event: TrackerEvent) -> list[str]:
    """The write kinds an event could be the echo of (empty: it is never an echo)."""
    if event.kind is EventKind.LABELED and event.label:
        return [f"label_add:{event.label}"]
    if event.kind is EventKind.UNLABELED and event.label:
        return [f"label_remove:{event.label}"]
    if event.kind is EventKind.CLOSED:
        return ["close"]
    if event.kind is EventKind.REOPENED:
        return ["reopen"]
    if event.kind in (EventKind.COMMENTED, EventKind.COMMAND):
        text = event.text or ""
        tokens = sorted(tokens_in(text) | set(_ECHO.findall(text)))
        return [f"comment:{token}" for token in tokens]
    return []


def may_be_own(actor: str | None, bot: str | None) -> bool:
    """Whether an event by ``actor`` may be an echo of the bridge (``bot``): the same login
    (case folded), or either of them unknown."""
    if not actor or not bot:
        return True
    return actor.casefold() == bot.casefold()
