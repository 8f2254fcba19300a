"""The mail a reporter gets for a protocol message the bridge sends them (pure).

A reporter who wrote by email is the report's finder; the protocol messages a finder would
receive become short mails (docs/email.md, "Notices"). Our own notes (``/vultron reply``,
``/vultron note``) are mailed with their text; other messages (the case document, statuses
that say nothing new to a reporter) are not mailed. Nothing of anyone else's is included: a
notice carries its state change, the embargo end, or our own note's text — never the report,
other participants' notes or the issue's comments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bridge.core.catalogue.classify import classify
from bridge.core.catalogue.types import MessageType as M
from bridge.core.errors import BridgeError
from bridge.core.vocab.parse import parse_activity

_TEXTS: dict[M, str] = {
    M.RV: "Your report has been validated: the team confirmed it and is handling it.",
    M.RI: "The team could not confirm your report as it stands. If you have more details, "
          "please reply to this mail.",
    M.RC: "Your report has been closed.",
    M.CLOSE_CASE: "The case for your report has been closed.",
    M.RA: "The team is now working on a fix for your report.",
    M.REENGAGE_CASE: "The team has resumed work on your report.",
    M.RD: "The team has deferred work on your report for now.",
    M.EP: "An embargo is proposed for this vulnerability, ending {end}. Please keep the "
          "details private until then; reply to this mail if that does not work for you.",
    M.EV: "A change of the embargo is proposed: it would end {end}. Reply to this mail if "
          "that does not work for you.",
    M.EA: "An embargo is in force until {end}. Please keep the details private until then.",
    M.EC: "The revised embargo is in force: it ends {end}.",
    M.ER: "The proposed embargo was declined.",
    M.EJ: "The proposed change of the embargo was declined; the embargo stays as it was.",
    M.ET: "The embargo has ended.",
    M.CF: "A fix for the vulnerability you reported is ready.",
    M.CD: "The fix for the vulnerability you reported has been deployed.",
    M.CP: "The vulnerability you reported is now public.",
    M.CX: "An exploit for the vulnerability you reported is public.",
    M.CA: "Attacks using the vulnerability you reported have been observed.",
}
NOTE_TYPES = frozenset({M.CREATE_NOTE, M.ADD_NOTE_TO_CASE})


@dataclass(frozen=True)
class Notice:
    message: str
    """The message type mailed (``RV``, ``CREATE_NOTE`` …)."""
    text: str
    automatic: bool
    """A state-change notice (``Auto-Submitted: auto-generated``); False for our notes,
    which people wrote."""


def _end(activity: Mapping[str, Any]) -> str:
    obj = activity.get("object")
    for candidate in (obj, obj.get("object") if isinstance(obj, Mapping) else None):
        if isinstance(candidate, Mapping) and isinstance(candidate.get("endTime"), str):
            try:
                end = datetime.fromisoformat(candidate["endTime"].replace("Z", "+00:00"))
            except ValueError:
                return str(candidate["endTime"])[:40]
            return end.strftime("%Y-%m-%d %H:%M %Z").strip() if end.tzinfo else end.isoformat()
    return "(end not given)"


def _note_text(activity: Mapping[str, Any]) -> str:
    obj = activity.get("object")
    content = obj.get("content") if isinstance(obj, Mapping) else None
    if isinstance(content, Mapping):  # a language map
        content = next(iter(content.values()), "")
    return str(content or "").strip()


def message_of(activity: Mapping[str, Any]) -> M | None:
    """The message type of a wire activity (None when it names none)."""
    try:
        parsed = parse_activity(dict(activity)).document
    except BridgeError:
        return None
    return classify(parsed)


def notice_for(activity: Mapping[str, Any]) -> Notice | None:
    """The mail for ``activity``, or None when a reporter is not mailed for it."""
    message = message_of(activity)
    if message is None:
        return None
    if message in NOTE_TYPES:
        text = _note_text(activity)
        return Notice(message.value, text, automatic=False) if text else None
    template = _TEXTS.get(message)
    if template is None:
        return None
    return Notice(message.value, template.format(end=_end(activity)), automatic=True)
