"""The protocol state of a subject (a report, or the case it belongs to) in the store.

Conventions shared by the outbound rules path and inbound mirroring:

* a **subject** is a report id (before a case exists) or a case id; its state row is the
  ``cases`` row keyed by the subject id, with ``data``:
  ``kind`` (``report``/``case``), ``offer_id`` (the stored Offer activity), ``invite_id``
  (the pending embargo Invite), ``proposed_end`` (epoch seconds), ``finder`` (actor id),
  ``reports`` (report ids of a case), ``case_id`` (the case a report was added to);
* our RM state is the ``participants`` row (subject, our actor id);
* an issue's open/closed state is the object ``issue:<ref>`` (type ``TrackerIssue``);
* an issue linked to a case and to that case's report speaks for the **case**.

Who a message goes to is what it is addressed to (``recipients``); who it is addressed to is
decided when it is rendered, from the subject's admitted participants (``members``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from bridge.app.inboxes import default_inbox
from bridge.app.render import RenderContext, load_activity
from bridge.core.errors import InputError
from bridge.core.refs import RefForm, TrackerKind, TrackerRef, parse_ref
from bridge.core.rules import CaseView
from bridge.core.rules.audience import addressees
from bridge.core.rules.owner import participant_id
from bridge.core.states.cs import CaseState
from bridge.core.states.em import EM, IN_FORCE, PENDING, UNKNOWN_END, Embargo
from bridge.core.states.rm import RM
from bridge.core.vocab.activities import Invite, Offer
from bridge.core.vocab.objects import VulnerabilityCase
from bridge.store import links, state
from bridge.store.cases import INVITATION, embargo_ref, invitations
from bridge.store.fields import load_fields
from bridge.store.state import case_data


def _ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _stored(value: datetime | None) -> float | None:
    return None if value is None or value == UNKNOWN_END else value.timestamp()


def owned(data: dict[str, Any], our_actor: str, roles: list[str] | None) -> bool:
    """We own the case — or, for a report in no case yet, someone else offered it to us."""
    if data.get("kind") == "case":
        return data.get("owner") == our_actor or "case_owner" in (roles or [])
    finder = data.get("finder")
    return (data.get("kind") == "report" and not data.get("case_id") and bool(finder)
            and finder != our_actor and data.get("offered_to") in (None, our_actor))


def load_view(session: Session, subject: str, our_actor: str, ref: str,
              trackers: Mapping[str, RefForm | TrackerKind] | None = None) -> CaseView:
    """The subject as the rules see it. ``trackers`` (the configuration's tracker kinds)
    lets it name the linked repository advisories, whose fields show the subject's."""
    record = state.get_case(session, subject)
    me = state.get_participant(session, subject, our_actor)
    invited = subject in invitations(session, [subject])
    rm = RM(me.rm_state) if me else (RM.START if invited else RM.RECEIVED)
    if record is None:
        return CaseView(subject, rm, invited=invited)
    active = embargo_ref(record.data.get("active_embargo"))
    em = EM(record.em_state)
    end = _ts(record.embargo_end)
    proposed = _ts(record.data.get("proposed_end"))
    if em in IN_FORCE and end is None:
        end = UNKNOWN_END  # announced in force without its end (reference case actors do)
    if em in PENDING and proposed is None:
        proposed = UNKNOWN_END
    embargo = Embargo.of(em, end, proposed)
    others = 0
    advisories: list[TrackerRef] = []
    for link in links.links_for_subject(session, subject):
        if link.ref != ref and issue_state(session, link.ref) == "open":
            others += 1
        if trackers is not None and "@GHSA-" in link.ref.upper():
            with contextlib.suppress(InputError):
                advisories.append(parse_ref(link.ref, trackers))
    return CaseView(subject, rm, embargo, CaseState.from_string(record.cs_state), others,
                    fields=load_fields(session, subject),
                    in_case=record.data.get("kind") == "case",
                    owner=owned(record.data, our_actor, me.roles if me else None),
                    active_embargo=active.id if active else None, invited=invited,
                    advisories=tuple(advisories),
                    offered=bool(record.data.get("offer_id"))
                    and record.data.get("finder") != our_actor)


def save_view(session: Session, view: CaseView, our_actor: str, now: float,
              data: dict[str, Any] | None = None) -> None:
    """Store the subject's state after a decision (creating the rows when missing)."""
    current = case_data(session, view.subject) if data is None else data
    current["proposed_end"] = _stored(view.embargo.proposed_end_time)
    state.put_case(
        session, view.subject, em_state=view.embargo.state.value, cs_state=str(view.cs),
        embargo_end=_stored(view.embargo.end_time), data=current, now=now,
    )
    me = state.get_participant(session, view.subject, our_actor)
    state.put_participant(
        session, view.subject, our_actor, rm_state=view.rm.value,
        em_consent=me.em_consent if me else None, roles=me.roles if me else ["vendor"], now=now,
    )


def issue_state(session: Session, ref: str) -> str:
    record = state.get_object(session, f"issue:{ref}")
    return str(record.data.get("state", "open")) if record else "open"


def set_issue_state(session: Session, ref: str, value: str, now: float) -> None:
    """Record an issue's open/closed state, keeping what else is stored about it (labels)."""
    record = state.get_object(session, f"issue:{ref}")
    data = {**(record.data if record else {}), "state": value}
    state.put_object(session, f"issue:{ref}", "TrackerIssue", data, now)


def members(session: Session, subject: str, data: dict[str, Any]) -> tuple[str, ...]:
    """The subject's admitted participants (its participants rows, its owner and case actor),
    or before a case exists the report's parties (its rows, finder and addressee)."""
    found = {p.actor for p in state.participants_for_case(session, subject)}
    keys = ("owner", "case_actor") if data.get("kind") == "case" else ("finder", "offered_to")
    found |= {str(data[k]) for k in keys if data.get(k)}
    return tuple(sorted(found))


def render_context(session: Session, view: CaseView, our_actor: str, seed: str,
                   published: datetime,
                   case_document: VulnerabilityCase | None = None) -> RenderContext:
    data = case_data(session, view.subject)
    me = state.get_participant(session, view.subject, our_actor)
    ours = data.get("kind") == "case" and data.get("owner") == our_actor

    def stored(key: str) -> dict[str, Any] | None:
        object_id = data.get(key)
        record = state.get_object(session, str(object_id)) if object_id else None
        return record.data if record else None

    case_doc = stored("case_object_id") if data.get("kind") == "case" else None
    case = load_activity(case_doc, VulnerabilityCase) if case_doc else None
    if case is None and data.get("kind") == "case":
        case = VulnerabilityCase(id=view.subject)
    return RenderContext(
        actor=our_actor, subject=view.subject, published=published, seed=seed, case=case,
        offer=load_activity(stored("offer_id"), Offer),
        invite=load_activity(stored("invite_id"), Invite),
        case_invite=_case_invite(session, view.subject),
        rm_state=view.rm.value, em_state=view.embargo.state.value, pxa_state=view.cs.pxa.value,
        members=members(session, view.subject, data),
        case_actor=str(data["case_actor"]) if data.get("case_actor") else None,
        roles=tuple(me.roles) if me else (), consent=me.em_consent if me else None,
        vfd=str((data.get("statuses") or {}).get(our_actor) or "") or None,
        participant=participant_id(view.subject, our_actor) if ours else None,
        active_embargo=embargo_ref(data.get("active_embargo")),
        case_document=case_document,
    )


def _case_invite(session: Session, case_id: str) -> Invite | None:
    """The stored ``Invite(us → case)`` of a pending invitation to ``case_id``."""
    record = state.get_object(session, INVITATION + case_id)
    invite_id = record.data.get("invite_id") if record else None
    stored = state.get_object(session, str(invite_id)) if invite_id else None
    found = load_activity(stored.data if stored else None, Invite)
    return found if isinstance(found, Invite) else None


def recipients(activity: dict[str, Any], our_actor: str) -> list[tuple[str, str]]:
    """The actors ``activity`` is addressed to (``to``/``cc``/``bto``/``bcc``) but us, each with
    ``{id}/inbox/``: the key the outbox orders the actor's messages by, and the inbox used
    only when the actor's document cannot be fetched — delivery sends to the inbox the
    document names (``bridge.app.inboxes``)."""
    return [(actor, default_inbox(actor)) for actor in addressees(activity, our_actor)]
