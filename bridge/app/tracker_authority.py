"""Tracker-side authority in the service: the facts the rules need, and the one filter every
tracker write passes.

* ``standing(rt, event)`` runs **before** the rules' transaction (it asks the tracker): for a
  label, command or close on a linked issue, whether the actor holds write access
  (``actor_can_write``, cached by the adapter), whether the issue is private now (the
  adapter's own ``check_private``, the check that guards content writes; a webhook saying
  ``private: false`` is believed without asking), and, for an issue that is not private, each
  linked subject's private mirror issue (where the refusal is said). ``decide`` refuses with
  a reason (``bridge.core.rules.standing``).
* ``exposure_checked(adapter, effect)``: a write that would add protocol labels goes ahead
  only on an issue the adapter verifies private; on any other issue the labels are dropped
  (``bridge.core.exposure``). ``apply_effects`` calls it for every effect, so inbound
  mirroring, the outbound rules and the embargo guard cannot label a public issue.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bridge.app.runtime import Runtime
from bridge.core import exposure
from bridge.core.effects import SetLabels, TrackerEffect
from bridge.core.errors import NotFound, NotPrivateError
from bridge.core.events import TrackerEvent
from bridge.core.refs import TrackerRef, parse_ref
from bridge.core.rules.standing import NEVER_ON_PUBLIC, Standing, needs_standing
from bridge.core.tracker import TrackerAdapter
from bridge.store import links, state
from bridge.store.links import Relation
from bridge.store.subjects import subjects_for_ref

log = logging.getLogger("bridge.authority")


def is_private(adapter: TrackerAdapter, ref: TrackerRef) -> bool:
    """Verified private now; an issue the tracker no longer shows counts as not private."""
    try:
        adapter.check_private(ref)
    except (NotPrivateError, NotFound):
        return False
    return True


def standing(rt: Runtime, event: TrackerEvent) -> Standing | None:
    """What ``decide`` needs about ``event``'s actor and issue; None when the rules will not
    ask (not a gated kind, the bridge's own bot, an issue linked to nothing)."""
    ref = event.ref
    if ref is None or not needs_standing(event):
        return None
    bot = rt.rules(event.tracker).bot_login
    if bot and event.actor and event.actor.lower() == bot.lower():
        return None
    with rt.readers() as session:
        subjects = subjects_for_ref(session, str(ref))
    if not subjects:
        return None
    adapter = rt.adapter(event.tracker)
    private = event.private is not False and is_private(adapter, ref)
    mirrors: dict[str, TrackerRef] = {}
    if not private:
        with rt.readers() as session:
            mirrors = {s: m for s in subjects if (m := _mirror(rt, session, s, ref))}
        if event.kind in NEVER_ON_PUBLIC:  # they never count there: nobody's access is asked
            return Standing(actor_can_write=False, private=False, mirrors=mirrors)
    can_write = bool(event.actor) and adapter.actor_can_write(ref, event.actor or "")
    return Standing(actor_can_write=can_write, private=private, mirrors=mirrors)


def _mirror(rt: Runtime, session: Session, subject: str, ref: TrackerRef) -> TrackerRef | None:
    """The subject's private mirror issue in the event's tracker (the case's, else one of its
    reports'): the rules' effects are applied through the event's tracker adapter."""
    record = state.get_case(session, subject)
    reports = list(record.data.get("reports") or []) if record else []
    for owner in [subject, *map(str, reports)]:
        for link in links.links_for_subject(session, owner):
            if link.relation is not Relation.MIRRORS or link.ref == str(ref):
                continue
            mirror = parse_ref(link.ref, rt.config.tracker_kinds(), rt.config.web_hosts())
            if mirror.tracker == ref.tracker:
                return mirror
    return None


def exposure_checked(adapter: TrackerAdapter, effect: TrackerEffect) -> TrackerEffect | None:
    """``effect``, or what of it may be written: protocol labels only on a private issue."""
    if not exposure.needs_privacy_check(effect):
        return effect
    assert isinstance(effect, SetLabels)
    if is_private(adapter, effect.ref):
        return effect
    log.warning("protocol labels not written on %s: the issue is not private", effect.ref)
    return exposure.public_safe(effect)
