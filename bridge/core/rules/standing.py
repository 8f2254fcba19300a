"""Tracker-side authority (pure): whether a person's label, command or close may drive the
protocol.

The attack it stops: a case linked to a **public** bug issue, and any passer-by commenting
``/vultron embargo terminate`` there had the bridge send it to every participant in the
vendor's name. So:

* labels, ``/vultron`` commands and closing an issue count only from people with write
  access to the issue's project (the service asks the adapter, ``actor_can_write``);
* labels and commands never count on an issue that is not verified private, whoever wrote
  them: anyone can comment on a public issue, and what the bridge would answer there (state
  labels, comments) would announce the case;
* the refusal is said privately: on the (private) issue itself, or, for a public issue, in
  the subject's private mirror issue; never on the public issue.

The service looks the facts up (``Standing``) before calling ``decide``, which refuses with
a reason (``check``). Reasons and notices name kinds, logins and refs, never comment text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bridge.core.effects import Comment, SetLabels, TrackerEffect
from bridge.core.events import EventKind, TrackerEvent
from bridge.core.refs import TrackerRef

GATED = frozenset({EventKind.LABELED, EventKind.UNLABELED, EventKind.COMMAND, EventKind.CLOSED})
"""What a person does that the rules turn into protocol messages (GitHub lets an issue's
author close it without any repository permission)."""
NEVER_ON_PUBLIC = frozenset({EventKind.LABELED, EventKind.UNLABELED, EventKind.COMMAND})
"""What never counts on a public issue, whoever did it."""
HEADER = "**vultron-bridge**"
_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}(\[bot\])?")
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9 :_./-]{0,59}")


@dataclass(frozen=True)
class Standing:
    """What the tracker says about an event's actor and issue, looked up by the service."""

    actor_can_write: bool
    """The actor holds at least the configured write access to the issue's project."""
    private: bool
    """The issue was verified private just now (private repository, draft advisory,
    confidential issue in an allowed project)."""
    mirrors: Mapping[str, TrackerRef] = field(default_factory=dict)
    """Subject → its private mirror issue (link relation ``mirrors``): where a notice about
    an event on a public issue goes."""


@dataclass(frozen=True)
class Refusal:
    reason: str
    """For the audit log and reports: kinds only."""
    effects: tuple[TrackerEffect, ...] = ()


ASKED = GATED | {EventKind.ADVISORY_UPDATED}
"""Whose standing ``decide`` asks: what is gated, and an edit of an advisory's own fields
(they become the case's only when the editor may write to the repository)."""


def needs_standing(event: TrackerEvent) -> bool:
    """Whether ``decide`` needs a ``Standing`` for this event."""
    return event.kind in ASKED and event.ref is not None


def _who(event: TrackerEvent) -> str:
    actor = event.actor or ""
    return f"`{actor}`" if _LOGIN.fullmatch(actor) else "someone"


def _what(event: TrackerEvent) -> str:
    if event.kind in (EventKind.LABELED, EventKind.UNLABELED):
        label = event.label or ""
        name = f"`{label}`" if _LABEL.fullmatch(label) else "a label"
        return f"{'adding' if event.kind is EventKind.LABELED else 'removing'} {name}"
    if event.kind is EventKind.COMMAND and event.command is not None:
        words = " ".join((event.command.name, *event.command.args[:1]))
        return f"the command `/vultron {words}`"
    return "closing the issue"


def _notice(event: TrackerEvent, ref: TrackerRef, why: str, public: bool) -> str:
    where = f" on the public issue `{ref}`" if public else ""
    act = ("Act here, in this private issue, instead." if public else
           "Ask someone with write access to act, or have your access raised.")
    return (f"{HEADER}: {_what(event)} by {_who(event)}{where} was not acted on and nothing "
            f"was sent: {why}.\n\n{act}\n")


def check(event: TrackerEvent, ref: TrackerRef, subject: str,
          standing: Standing) -> Refusal | None:
    """None when the event may drive the protocol; else the refusal (reason and the private
    notice)."""
    if event.kind not in GATED:
        return None
    if not standing.private and event.kind in NEVER_ON_PUBLIC:
        why = ("a public issue never takes protocol labels or commands, and the bridge writes "
               "no protocol state on it")
        reason = "the issue is public: labels and commands there never drive the protocol"
    elif not standing.actor_can_write:
        why = (f"only people with write access to `{ref.project}` drive the protocol from "
               "the tracker")
        reason = "the actor lacks write access to the issue's project"
    else:
        return None
    if standing.private:
        effects: list[TrackerEffect] = [
            Comment(ref=ref, body=_notice(event, ref, why, False), content=False)]
        if event.kind is EventKind.LABELED and event.label:
            effects.append(SetLabels(ref=ref, remove=(event.label,)))
        return Refusal(reason, tuple(effects))
    mirror = standing.mirrors.get(subject)
    if mirror is None or mirror == ref:
        return Refusal(reason)
    return Refusal(reason, (Comment(ref=mirror, body=_notice(event, ref, why, True),
                                    content=False),))
