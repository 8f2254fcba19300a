"""Who a message goes to, and who may receive report content (pure).

* **Addressing** (:func:`audience`): a reply goes to whom it answers — RV/RI (and RC before a
  case exists) to the report's offerer, an embargo answer (EA/EC/ER/EJ) to the proposer —
  with the case's case actor in ``cc`` when it has one that is not the answered actor: the
  reference implementation routes every participant's message through its case actor, and
  its inbox refuses (400, IE-11-001) an activity that names only actors it knows and not the
  receiver, so the case actor must be named to be delivered to. Everything else is a
  case-level broadcast to every admitted participant but us — RV/RI in a case with no Offer
  to answer (we joined by invitation) too: they are our participant status, like CV/CF/CD.
* **Recipients** (:func:`addressees`): exactly the actors an activity's ``to``, ``cc``,
  ``bto`` and ``bcc`` name, but us — the outbox delivers to those and nobody else.
* **Content at send time** (:func:`content_refusal`): an activity that carries report content
  (a report inline — in an Offer, in a case — or a Note) goes only to an admitted participant
  of its case (or, before a case exists, of its report). The delivery path asks this with the
  participants as they are when the message is sent, not when it was queued.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bridge.core.vocab.base import ref_ids

REPORT_REPLIES = frozenset({"RV", "RI"})
"""Replies to the report's Offer (RC too, before a case exists)."""
EMBARGO_ANSWERS = frozenset({"EA", "EC", "ER", "EJ"})
INVITE_ANSWERS = frozenset({"ACCEPT_INVITE", "REJECT_INVITE"})
"""Answers to an ``Invite(us → case)``: to whom invited us."""
CONTENT_TYPES = frozenset({"VulnerabilityReport", "Note"})
"""Inline objects that are report content."""
ADDRESS_FIELDS = ("to", "cc", "bto", "bcc")


@dataclass(frozen=True)
class Audience:
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()


def audience(code: str, *, us: str, members: Iterable[str], in_case: bool,
             answered: str | None = None, case_actor: str | None = None) -> Audience:
    """The addressing of message ``code``.

    ``members``: the admitted participants of the case (or the report's parties before a
    case exists); ``answered``: the actor of the Offer/Invite a reply answers.
    """
    if code == "REPLY":  # /vultron reply: to the report's finder alone
        return Audience((answered,) if answered and answered != us else ())
    status = code in REPORT_REPLIES and in_case and not answered  # our status, not a reply
    if code in EMBARGO_ANSWERS or code in INVITE_ANSWERS or (
            code in REPORT_REPLIES and not status) or (code == "RC" and not in_case):
        to = (answered,) if answered and answered != us else ()
        cc = (case_actor,) if case_actor and case_actor not in (answered, us) else ()
        return Audience(to, cc)
    return Audience(tuple(sorted(set(members) - {us})))


def addressees(activity: Mapping[str, Any], us: str) -> list[str]:
    """The actors ``activity`` is addressed to (``to``, ``cc``, ``bto``, ``bcc``), but us."""
    found: dict[str, None] = {}
    for name in ADDRESS_FIELDS:
        for actor in ref_ids(activity.get(name)):
            if actor != us:
                found.setdefault(actor)
    return list(found)


def carries_content(value: object) -> bool:
    """Whether a wire document holds report content inline (a report or a note, anywhere)."""
    if isinstance(value, Mapping):
        if value.get("type") in CONTENT_TYPES:
            return True
        return any(carries_content(v) for v in value.values())
    if isinstance(value, list):
        return any(carries_content(v) for v in value)
    return False


def subjects_of(activity: Mapping[str, Any]) -> list[str]:
    """The case or report ids an activity is about, most specific first: its ``context``, a
    case it carries, the report of an Offer it answers."""
    found: dict[str, None] = {}
    obj = activity.get("object")
    candidates: list[object] = [activity.get("context")]
    if isinstance(obj, Mapping):
        candidates.append(obj.get("context"))
        if obj.get("type") == "VulnerabilityCase":
            candidates.append(obj.get("id"))
        if obj.get("type") == "Invite":
            candidates.append(obj.get("target"))
        inner = obj.get("object")
        if obj.get("type") == "Offer" and isinstance(inner, Mapping):
            candidates.append(inner.get("id"))
    for candidate in candidates:
        for ident in ref_ids(candidate):
            found.setdefault(ident)
    return list(found)


def content_refusal(activity: Mapping[str, Any], recipient: str,
                    admitted: frozenset[str] | None) -> str | None:
    """None when ``recipient`` may be sent ``activity``; else why not (names no content).

    ``admitted``: the admitted participants of the activity's case or report now (None when
    the store knows neither)."""
    if not carries_content(activity):
        return None
    if admitted is None:
        return ("privacy: the message carries report content and names no case or report "
                "the bridge knows, so no recipient is an admitted participant")
    if recipient in admitted:
        return None
    return ("privacy: the message carries report content and the recipient is not an "
            "admitted participant of its case")
