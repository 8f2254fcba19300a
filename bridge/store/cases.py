"""The case model (:mod:`bridge.core.case`) loaded from and saved to the store.

Conventions of a ``cases`` row's ``data`` (besides what :mod:`bridge.app.subjects` lists):

* ``kind`` — ``case`` or ``report``;
* a case: ``owner`` (actor id), ``case_actor`` (actor id or absent), ``reports`` (ids),
  ``active_embargo`` (``{"id", "end"}``, end in epoch seconds or null), ``proposed_embargoes``
  (a list of the same), ``invited`` (actors we invited, answer pending), ``statuses``
  (actor → last vfd it announced);
* a report: ``finder`` (its first offerer), ``offered_to`` (whom it was offered to),
  ``offer_id``, ``case_id``.

Outbound (``bridge.app.intents``) writes the same keys: a case we create has ``owner`` =
us, ``reports``, ``finder`` and ``offer_id`` (of its first report); our EP/EV append to
``proposed_embargoes``, our EA/EC make the accepted one ``active_embargo``, our ET clears it;
the report row gets ``case_id`` and ``offered_to`` (us).

Invitations to us are objects ``invitation:<case id>`` (type ``CaseInvitation``, data
``inviter``, ``invite_id``, ``state`` = ``pending``/``accepted``/``rejected``).
Participants are the ``participants`` rows: every row is a participant the owner admitted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from bridge.core.case.authority import owner_of
from bridge.core.case.documents import case_from_document
from bridge.core.case.model import Case, EmbargoRef, Known, Participant, Report
from bridge.core.states import cs
from bridge.core.states.em import EM
from bridge.core.vocab.objects import VulnerabilityCase
from bridge.core.vocab.parse import parse_document
from bridge.store import state

INVITATION = "invitation:"


def _when(value: object) -> datetime | None:
    return datetime.fromtimestamp(float(value), UTC) if isinstance(value, int | float) else None


def embargo_ref(data: object) -> EmbargoRef | None:
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return None
    return EmbargoRef(data["id"], _when(data.get("end")))


def embargo_data(ref: EmbargoRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {"id": ref.id, "end": ref.end.timestamp() if ref.end else None}


def _owner(data: dict[str, Any], people: dict[str, Participant]) -> str | None:
    owner = data.get("owner")
    if isinstance(owner, str):
        return owner
    return next((a for a, p in people.items() if "case_owner" in p.roles), None)


def update_data(session: Session, subject: str, changes: dict[str, Any], now: float) -> None:
    """Merge ``changes`` into the ``data`` of the subject's row (its states kept); a missing
    row is left missing."""
    record = state.get_case(session, subject)
    if record is None:
        return
    data = {**record.data, **changes}
    if data != record.data:
        state.put_case(session, subject, em_state=record.em_state, cs_state=record.cs_state,
                       embargo_end=record.embargo_end, data=data, now=now)


def load_case(session: Session, case_id: str) -> Case | None:
    """The case ``case_id`` (None when the store has no case of that id)."""
    record = state.get_case(session, case_id)
    if record is None or record.data.get("kind") != "case":
        return None
    data = record.data
    statuses = data.get("statuses") or {}
    people = {
        p.actor: Participant(p.actor, frozenset(p.roles), p.rm_state, p.em_consent,
                             statuses.get(p.actor))
        for p in state.participants_for_case(session, case_id)
    }
    proposed = tuple(e for e in (embargo_ref(d) for d in data.get("proposed_embargoes") or [])
                     if e is not None)
    return Case(
        id=case_id, owner=_owner(data, people), case_actor=data.get("case_actor"),
        reports=tuple(data.get("reports") or ()), participants=people, em=EM(record.em_state),
        active_embargo=embargo_ref(data.get("active_embargo")), proposed=proposed,
        cs=record.cs_state, invited=frozenset(data.get("invited") or ()),
    )


def load_report(session: Session, report_id: str) -> Report | None:
    record = state.get_case(session, report_id)
    if record is None or record.data.get("kind") != "report":
        return None
    data = record.data
    return Report(report_id, data.get("finder"), data.get("offered_to"), data.get("case_id"))


def invitations(session: Session, case_ids: Iterable[str]) -> dict[str, str]:
    """Pending invitations to us among ``case_ids``: case id → inviter."""
    out = {}
    for case_id in case_ids:
        record = state.get_object(session, INVITATION + case_id)
        if record and record.data.get("state") == "pending":
            out[case_id] = str(record.data.get("inviter"))
    return out


def load_known(session: Session, us: str, case_ids: Iterable[str],
               report_ids: Iterable[str] = (), proposed: Case | None = None) -> Known:
    """What an inbound decision needs: the first of ``case_ids`` the store knows as a case
    (a report id resolves to its case), and the named reports."""
    ids = [c for c in dict.fromkeys(case_ids) if c]
    reports: dict[str, Report] = {}
    for report_id in dict.fromkeys([*report_ids, *ids, *(proposed.reports if proposed else ())]):
        found = load_report(session, report_id) if report_id else None
        if found is not None:
            reports[report_id] = found
    case = None
    for ident in ids:
        case = load_case(session, ident)
        if case is None and ident in reports and reports[ident].case_id:
            case = load_case(session, str(reports[ident].case_id))
        if case is not None:
            break
    return Known(us=us, case=case, reports=reports, proposed=proposed,
                 invitations=invitations(session, ids))


def seed_invited_case(session: Session, case_id: str, us: str, roles: list[str],
                      now: float) -> None:
    """We accepted an invitation to ``case_id``: the case becomes known (so its owner's
    messages that follow — the ledger replay, the case snapshot — are not refused as an
    unknown case), owned as the invitation's inline case says (else by whoever invited us,
    the case actor speaking for its owner), with us admitted at RM RECEIVED."""
    if state.get_case(session, case_id) is not None:
        return
    invitation = state.get_object(session, INVITATION + case_id)
    inviter = str(invitation.data.get("inviter")) if invitation else None
    stored = state.get_object(session, f"invited-case:{case_id}")
    owner = manager = None
    if stored is not None:
        document = parse_document(stored.data).document
        if isinstance(document, VulnerabilityCase):
            owner, manager = owner_of(case_from_document(document), inviter)
    if owner is None or owner == inviter:
        owner, manager = None, inviter
    state.put_case(session, case_id, em_state=EM.NONE.value, cs_state=str(cs.INITIAL),
                   embargo_end=None,
                   data={"kind": "case", "case_object_id": case_id, "reports": [],
                         "owner": owner, "case_actor": manager}, now=now)
    state.put_participant(session, case_id, us, rm_state="RECEIVED", em_consent=None,
                          roles=roles or ["vendor"], now=now)
