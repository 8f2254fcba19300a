"""Who may say what about which report and case: one pure rule for every inbound path.

``authorize(known, claim)`` answers :class:`Verdict` ``allowed`` or refused with a reason
that names the rule (never the activity's content). The rules follow the protocol's roles:

* only a case's owner — or the case actor that manages the case for it (same origin as the
  owner, ``case_manager`` role) — adds reports and participants, proposes, revises, sets or
  ends the embargo, announces case state and invites actors;
* a participant changes only its own status; notes, embargo answers and engagement come only
  from admitted participants (``Join`` admits nobody: it answers an invitation that exists);
* a report id belongs to its first offerer: a second ``Offer`` of it from someone else is
  refused, never merged; an answer to an Offer (RV/RI/RC) counts only from whom it went to;
* a new case is accepted only from the owner it names (or that owner's case actor), and it
  may claim a report we hold only when that report is the owner's, one we offered to the
  owner, or one offered by a participant the owner admits;
* an invitation to a case is ours to answer; an answer to an invitation counts only from the
  invitee of an invitation that exists.

Before a case exists (a report we received or offered), the report's two parties — its
offerer and whom it was offered to — may exchange notes, embargo messages and statuses.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.core.case.claims import OWNER_ACTS, Act, Claim
from bridge.core.case.model import MANAGER_ROLES, OWNER_ROLES, Case, Known, Report
from bridge.core.urls import same_origin


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""
    rule: str = ""
    """A short stable name of the rule that decided (for audit entries and metrics)."""


ALLOWED = Verdict(True, rule="allowed")


def _refused(rule: str, reason: str) -> Verdict:
    return Verdict(False, reason, rule)


def owner_of(case: Case, sender: str | None) -> tuple[str | None, str | None]:
    """The owner and case actor a case document names: the participant with the owner role
    (else the document's own owner field, else the sender), and a ``case_manager``
    participant on the owner's origin."""
    owner = case.owner or next((a for a, p in case.participants.items()
                                if p.roles & OWNER_ROLES), None) or sender
    candidates = [case.case_actor] + [a for a, p in case.participants.items()
                                      if p.roles & MANAGER_ROLES]
    manager = next((a for a in candidates if a and a != owner and same_origin(a, owner)), None)
    return owner, manager


def _speaks_for_owner(case: Case, sender: str | None) -> bool:
    return case.speaks_for_owner(sender)


def report_tied(report: Report, case: Case, us: str) -> bool:
    """May ``case`` (by its owner) hold ``report``, which we know?"""
    if report.offerer is not None and (report.offerer == case.owner
                                       or report.offerer in case.participants):
        return True
    return report.offerer == us and report.offered_to is not None and case.speaks_for_owner(
        report.offered_to)


def _holdable(report: Report | None, case: Case, us: str) -> bool:
    """May the owner put ``report`` in ``case``? A report we do not know, or know only by its
    id (a case named it before; no Offer of it reached us, so no finder to protect — live,
    the case actor's ledger replay names it before the participants that tie it), may be;
    one we know the finder of only in a case tied to that finder (its Offer, should it come,
    is judged again: ``mirror_report``)."""
    return report is None or report.offerer is None or report_tied(report, case, us)


def _report_parties(report: Report | None) -> set[str]:
    if report is None:
        return set()
    return {a for a in (report.offerer, report.offered_to) if a}


def authorize(known: Known, claim: Claim) -> Verdict:
    """Allowed, or refused with the reason (one rule per act; see the module docstring)."""
    sender = claim.sender
    if not sender:
        return _refused("no_sender", "the activity names no actor")
    act = claim.act
    if act is Act.OTHER:
        return ALLOWED
    if act is Act.OFFER_REPORT:
        return _offer(known, claim)
    if act is Act.REPORT_ANSWER:
        return _report_answer(known, claim)
    if act is Act.INVITE_TO_CASE:
        return _invitation(known, claim)
    if act is Act.CREATE_CASE and known.case is None:
        return _new_case(known, claim)
    case = known.case
    if case is None:
        return _report_phase(known, claim)
    if claim.claimed and claim.claimed != sender and not _speaks_for_owner(case, sender):
        return _refused("relay", "only the case's owner or case actor relays others' activities")
    if act in OWNER_ACTS or act is Act.CREATE_CASE:
        return _owner_act(known, case, claim)
    if act is Act.PARTICIPANT_STATUS:
        about = claim.about or claim.claimed or sender
        if _speaks_for_owner(case, sender) or (about == sender and case.admitted(sender)):
            return ALLOWED
        return _refused("own_status", "a participant changes only its own status, and only "
                        "once the case's owner has admitted it")
    if act is Act.INVITE_ANSWER:
        if case.owner == known.us and sender == claim.about and sender in case.invited:
            return ALLOWED
        if claim.claimed == known.us and _speaks_for_owner(case, sender):
            return ALLOWED  # our own answer, as the owner's case log relays it back
        return _refused("no_invitation", "the answer answers no invitation of ours to it")
    if act is Act.ENGAGE:
        if case.admitted(sender) or sender in case.invited:
            return ALLOWED
        return _refused("not_participant", "engagement counts only from admitted participants "
                        "(Join answers an invitation; there is none for this actor)")
    # notes and embargo answers: any admitted participant
    if case.admitted(sender):
        return ALLOWED
    return _refused("not_participant", "only participants the case's owner admitted may "
                    "send this to the case")


def _owner_act(known: Known, case: Case, claim: Claim) -> Verdict:
    if not _speaks_for_owner(case, claim.sender):
        return _refused("owner_only", f"only the case's owner or its case actor may "
                        f"{_WHAT[claim.act]}")
    if claim.act is Act.ADD_REPORT:
        report = known.report(claim.report_id)
        if not _holdable(report, case, known.us):
            return _refused("report_owner", "the report belongs to another party: neither "
                            "the case's owner nor its participants offered it")
    if claim.act is Act.EMBARGO_END and not claim.embargo_id:
        # An embargo ends by its identity. The reference gives an id-less EmbargoEvent a
        # fresh id of its own, which is never the active one: it ends nothing there either.
        return _refused("embargo_id", "it names no embargo (its EmbargoEvent has no id); an "
                        "embargo ends only by naming the case's active one")
    if claim.act is Act.EMBARGO_END and case.active_embargo and (
            claim.embargo_id != case.active_embargo.id):
        return _refused("embargo_id", "it names another embargo than the case's active one")
    return ALLOWED


_WHAT = {
    Act.CREATE_CASE: "restate the case", Act.UPDATE_CASE: "update the case",
    Act.ADD_REPORT: "add reports to the case", Act.ADD_PARTICIPANT: "add participants",
    Act.CASE_STATUS: "announce the case's state", Act.EMBARGO_PROPOSE: "propose an embargo",
    Act.EMBARGO_SET: "set the embargo", Act.EMBARGO_END: "end the embargo",
    Act.INVITE_TO_CASE: "invite actors to the case",
}


def _offer(known: Known, claim: Claim) -> Verdict:
    report = known.report(claim.report_id)
    if report is None or report.offerer in (None, claim.sender):
        return ALLOWED
    return _refused("first_offerer", "the report id was first offered by another actor: a "
                    "second Offer of it from someone else is a different report, not merged")


def _report_answer(known: Known, claim: Claim) -> Verdict:
    report = known.report(claim.report_id)
    if report is None or report.offerer != known.us:
        return _refused("not_our_offer", "it answers an Offer we did not make")
    case = known.case
    if claim.sender == report.offered_to or (case is not None and report.offered_to
                                             and case.speaks_for_owner(claim.sender)
                                             and case.speaks_for_owner(report.offered_to)):
        return ALLOWED
    return _refused("not_recipient", "only the actor the report was offered to answers it")


def _invitation(known: Known, claim: Claim) -> Verdict:
    if claim.about != known.us:
        return _refused("not_for_us", "the invitation is for another actor")
    case = known.case
    if case is not None and not _speaks_for_owner(case, claim.sender):
        return _refused("owner_only", "only the case's owner or its case actor invites")
    return ALLOWED


def _new_case(known: Known, claim: Claim) -> Verdict:
    proposed = known.proposed
    if proposed is None:
        return _refused("no_case", "the case document has no id")
    owner, manager = owner_of(proposed, claim.sender)
    if claim.sender not in {owner, manager}:
        return _refused("owner_only", "a case is created only by the owner it names or that "
                        "owner's case actor")
    return ALLOWED


def tied_reports(known: Known, case: Case) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A new or restated case's reports split into (accepted, refused): a report we hold is
    accepted only when tied to the case's owner; a report we do not hold, or hold only by its
    id, harms nothing (``_holdable``)."""
    ok: list[str] = []
    refused: list[str] = []
    for report_id in case.reports:
        report = known.report(report_id)
        (ok if _holdable(report, case, known.us) else refused).append(report_id)
    return tuple(ok), tuple(refused)


def _report_phase(known: Known, claim: Claim) -> Verdict:
    """No case is known: only the two parties of a report we hold speak about it."""
    report = next((known.report(c) for c in claim.case_ids if known.report(c)), None)
    report = report or known.report(claim.report_id)
    if report is None:
        return _refused("unknown_case", "it names no case or report known here (a case "
                        "becomes known by its owner's Create(VulnerabilityCase) or an "
                        "invitation)")
    parties = _report_parties(report)
    if claim.sender not in parties:
        return _refused("not_participant", "only the report's finder and the party it was "
                        "offered to speak about a report before its case exists")
    if claim.act in (Act.ADD_REPORT, Act.ADD_PARTICIPANT, Act.CASE_STATUS, Act.UPDATE_CASE,
                     Act.INVITE_ANSWER):
        return _refused("unknown_case", "there is no case yet for this report")
    return ALLOWED
