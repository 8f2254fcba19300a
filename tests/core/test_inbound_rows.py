"""docs/inbound.md's mapping rows I1–I18 as tests of the pure inbound judgement: each
activity's act (``claim_of``) and who may send it (``authorize``) — the allowed sender and a
stranger, for every row. The effects of each row are tested through the service in
tests/app/test_mirror_*.py; the last test keeps this list and the table in step."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bridge.core.case import Act, Case, Known, Participant, Report, authorize
from bridge.core.case.authority import owner_of, tied_reports
from bridge.core.case.claims import claim_of
from bridge.core.case.documents import case_from_document
from bridge.core.case.model import EmbargoRef
from bridge.core.vocab.activities import Activity
from bridge.core.vocab.parse import parse_activity
from tests.paths import REPO

US = "https://bridge.example/actors/vendor"
FINDER = "https://finder.example/actors/finn"
OWNER = "https://owner.example/actors/vendor"
CASE_ACTOR = "https://owner.example/actors/case-actor-1"
PEER = "https://peer.example/actors/vendor2"
STRANGER = "https://stranger.example/actors/mallory"
REPORT = "https://finder.example/reports/1"
CASE = "https://owner.example/cases/1"
EMBARGO = "urn:uuid:embargo-1"


def parse(data: dict[str, Any]) -> Activity:
    document = parse_activity(data).document
    assert isinstance(document, Activity)
    return document


def the_case(**changes: Any) -> Case:
    people = {a: Participant(a, frozenset(r), "ACCEPTED") for a, r in (
        (OWNER, {"vendor", "case_owner"}), (CASE_ACTOR, {"case_manager"}),
        (FINDER, {"finder"}), (PEER, {"vendor"}), (US, {"vendor"}))}
    base = Case(CASE, owner=OWNER, case_actor=CASE_ACTOR, reports=(REPORT,),
                participants=people, active_embargo=EmbargoRef(EMBARGO))
    return Case(**{**base.__dict__, **changes})


def known(case: Case | None = None, **more: Any) -> Known:
    reports = {REPORT: Report(REPORT, FINDER, US, CASE if case else None)}
    return Known(US, case=case, reports=reports, **more)


def judge(data: dict[str, Any], k: Known, sender: str | None = None) -> tuple[Act, bool, str]:
    claim = claim_of(parse(data), sender)
    verdict = authorize(k, claim)
    return claim.act, verdict.allowed, verdict.rule


def activity(kind: str, actor: str, obj: Any, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "id": f"{actor}/a/{kind}", "actor": actor, "object": obj, **extra}


def case_document(owner: str, reports: list[str]) -> dict[str, Any]:
    return {"type": "VulnerabilityCase", "id": CASE, "attributedTo": owner,
            "caseParticipants": [
                {"type": "CaseParticipant", "attributedTo": owner, "caseRoles": ["case_owner"]},
                {"type": "CaseParticipant", "attributedTo": CASE_ACTOR,
                 "caseRoles": ["case_manager"]},
                {"type": "CaseParticipant", "attributedTo": FINDER, "caseRoles": ["finder"]}],
            "vulnerabilityReports": reports}


def test_I1_offer_of_a_report() -> None:
    offer = activity("Offer", FINDER, {"type": "VulnerabilityReport", "id": REPORT})
    assert judge(offer, Known(US)) == (Act.OFFER_REPORT, True, "allowed")
    assert judge(offer, known()) == (Act.OFFER_REPORT, True, "allowed")  # a resend
    second = activity("Offer", STRANGER, {"type": "VulnerabilityReport", "id": REPORT})
    assert judge(second, known())[1:] == (False, "first_offerer")


def test_I2_a_new_case_comes_from_the_owner_it_names() -> None:
    doc = case_document(OWNER, [REPORT])
    proposed = case_from_document(parse(activity("Create", OWNER, doc)).object_)  # type: ignore[arg-type]
    owner, manager = owner_of(proposed, OWNER)
    assert (owner, manager) == (OWNER, CASE_ACTOR)
    k = known(proposed=proposed)
    assert judge(activity("Create", OWNER, doc), k) == (Act.CREATE_CASE, True, "allowed")
    assert judge(activity("Create", CASE_ACTOR, doc), k)[1] is True
    assert judge(activity("Announce", CASE_ACTOR, doc), k)[:2] == (Act.CREATE_CASE, True)
    assert judge(activity("Create", STRANGER, doc), k)[1:] == (False, "owner_only")
    # a case actor on another origin does not speak for the owner
    foreign = {**doc, "caseParticipants": [*doc["caseParticipants"], {
        "type": "CaseParticipant", "attributedTo": STRANGER, "caseRoles": ["case_manager"]}]}
    assert owner_of(case_from_document(parse(activity("Create", OWNER, foreign)).object_),  # type: ignore[arg-type]
                    OWNER)[1] == CASE_ACTOR


def test_I2_a_case_holds_only_reports_tied_to_its_owner() -> None:
    theirs = Case(CASE, owner=STRANGER, reports=(REPORT, "urn:other"))
    assert tied_reports(known(), theirs) == (("urn:other",), (REPORT,))
    with_finder = the_case()
    assert tied_reports(known(), with_finder) == ((REPORT,), ())
    # known only by id (named by an earlier case document, never offered to us): no finder
    # to protect, so it is held — as an unknown report is (live: the case actor's ledger
    # replay names the report before the participants that tie it)
    by_id = Known(US, reports={REPORT: Report(REPORT, None, None, CASE)})
    assert tied_reports(by_id, Case(CASE, owner=STRANGER, reports=(REPORT,))) == ((REPORT,), ())


def test_I3_update_of_a_known_case() -> None:
    doc = case_document(OWNER, [REPORT])
    k = known(the_case(), proposed=case_from_document(
        parse(activity("Update", OWNER, doc)).object_))  # type: ignore[arg-type]
    assert judge(activity("Update", CASE_ACTOR, doc), k) == (Act.UPDATE_CASE, True, "allowed")
    assert judge(activity("Update", PEER, doc), k)[1:] == (False, "owner_only")


def test_I4_add_report_to_case() -> None:
    add = activity("Add", OWNER, {"type": "VulnerabilityReport", "id": REPORT}, target=CASE)
    k = known(the_case())
    assert judge(add, k) == (Act.ADD_REPORT, True, "allowed")
    assert judge({**add, "actor": PEER}, k)[1:] == (False, "owner_only")
    stranger_case = the_case(owner=STRANGER, case_actor=None, participants={})
    assert judge({**add, "actor": STRANGER}, known(stranger_case))[1:] == (False,
                                                                          "report_owner")


def test_I5_a_ledger_entry_is_judged_by_its_relaying_case_actor() -> None:
    snapshot = activity("Add", OWNER, {"type": "CaseStatus", "context": CASE,
                                       "emState": "ACTIVE"}, target=CASE)
    k = known(the_case())
    claim = claim_of(parse(snapshot), sender=CASE_ACTOR, case_hint=CASE)
    assert claim.act is Act.CASE_STATUS and claim.sender == CASE_ACTOR
    assert authorize(k, claim).allowed
    relayed_by_stranger = claim_of(parse(snapshot), sender=STRANGER, case_hint=CASE)
    assert authorize(k, relayed_by_stranger).rule == "relay"
    closed = parse({"type": "Leave", "actor": OWNER,
                    "object_": {"id_": CASE, "type": "VulnerabilityCase"}})
    assert claim_of(closed).case_ids == (CASE,)  # the reference's case_fully_closed spelling


def test_I6_case_status() -> None:
    status = activity("Add", OWNER, {"type": "CaseStatus", "context": CASE}, target=CASE)
    assert judge(status, known(the_case())) == (Act.CASE_STATUS, True, "allowed")
    assert judge({**status, "actor": FINDER}, known(the_case()))[1:] == (False, "owner_only")


def test_I7_participant_status_is_about_oneself() -> None:
    status = activity("Add", PEER, {"type": "ParticipantStatus", "context": CASE,
                                    "attributedTo": PEER, "vfdState": "VFd"})
    k = known(the_case())
    assert judge(status, k) == (Act.PARTICIPANT_STATUS, True, "allowed")
    about_other = {**status, "object": {**status["object"], "attributedTo": FINDER}}
    assert judge(about_other, k)[1:] == (False, "own_status")
    assert judge({**about_other, "actor": CASE_ACTOR}, k)[1] is True
    assert judge({**status, "actor": STRANGER, "object": {
        **status["object"], "attributedTo": STRANGER}}, k)[1:] == (False, "own_status")


def test_I8_add_participant() -> None:
    add = activity("Add", CASE_ACTOR, {"type": "CaseParticipant", "attributedTo": STRANGER,
                                       "context": CASE}, target=CASE)
    assert judge(add, known(the_case())) == (Act.ADD_PARTICIPANT, True, "allowed")
    assert judge({**add, "actor": STRANGER}, known(the_case()))[1:] == (False, "owner_only")


def test_I9_engagement_only_from_participants_or_the_invited() -> None:
    join = activity("Join", PEER, CASE)
    assert judge(join, known(the_case())) == (Act.ENGAGE, True, "allowed")
    assert judge({**join, "actor": STRANGER}, known(the_case()))[1:] == (False,
                                                                         "not_participant")
    invited = the_case(invited=frozenset({STRANGER}))
    assert judge({**join, "actor": STRANGER}, known(invited))[1] is True
    # Join(report) before any case: nobody but the report's two parties
    report_join = activity("Join", STRANGER, {"type": "VulnerabilityCase", "id": REPORT})
    assert judge(report_join, known())[1:] == (False, "not_participant")


def test_I10_embargo_proposal() -> None:
    invite = activity("Invite", OWNER, {"type": "EmbargoEvent", "id": "urn:e:2",
                                        "context": CASE}, target=CASE)
    assert judge(invite, known(the_case())) == (Act.EMBARGO_PROPOSE, True, "allowed")
    assert judge({**invite, "actor": PEER}, known(the_case()))[1:] == (False, "owner_only")
    early = {**invite, "actor": FINDER, "target": REPORT,
             "object": {"type": "EmbargoEvent", "id": "urn:e:3", "context": REPORT}}
    assert judge(early, known())[1] is True
    assert judge({**early, "actor": STRANGER}, known())[1:] == (False, "not_participant")


def test_I11_embargo_answer() -> None:
    invite = {"type": "Invite", "id": "urn:i:1", "actor": US,
              "object": {"type": "EmbargoEvent", "id": "urn:e:2", "context": CASE}}
    answer = activity("Accept", PEER, invite)
    assert judge(answer, known(the_case())) == (Act.EMBARGO_ANSWER, True, "allowed")
    assert judge({**answer, "actor": STRANGER}, known(the_case()))[1:] == (False,
                                                                           "not_participant")


def test_I12_embargo_end_names_the_active_embargo() -> None:
    remove = activity("Remove", OWNER, {"type": "EmbargoEvent", "id": EMBARGO,
                                        "context": CASE}, target=CASE)
    assert judge(remove, known(the_case())) == (Act.EMBARGO_END, True, "allowed")
    other = {**remove, "object": {**remove["object"], "id": "urn:made-up"}}
    assert judge(other, known(the_case()))[1:] == (False, "embargo_id")
    assert judge({**remove, "actor": STRANGER}, known(the_case()))[1:] == (False, "owner_only")


def test_I13_embargo_set_by_the_owner() -> None:
    add = activity("Add", OWNER, {"type": "EmbargoEvent", "id": EMBARGO, "context": CASE,
                                  "endTime": datetime(2030, 1, 1, tzinfo=UTC).isoformat()},
                   target=CASE)
    assert judge(add, known(the_case())) == (Act.EMBARGO_SET, True, "allowed")
    assert judge({**add, "type": "Announce", "actor": PEER},
                 known(the_case()))[:3] == (Act.EMBARGO_SET, False, "owner_only")


def test_I14_notes_from_participants() -> None:
    note = activity("Create", PEER, {"type": "Note", "id": "urn:n:1", "context": CASE},
                    target=CASE)
    assert judge(note, known(the_case())) == (Act.NOTE, True, "allowed")
    assert judge({**note, "actor": STRANGER}, known(the_case()))[1:] == (False,
                                                                         "not_participant")
    on_report = {**note, "actor": FINDER, "target": REPORT,
                 "object": {"type": "Note", "id": "urn:n:2", "context": REPORT}}
    assert judge(on_report, known())[1] is True


def test_I15_invitation_to_us() -> None:
    invite = activity("Invite", OWNER, US, target={"type": "VulnerabilityCase", "id": CASE})
    assert judge(invite, Known(US)) == (Act.INVITE_TO_CASE, True, "allowed")
    assert judge({**invite, "object": PEER}, Known(US))[1:] == (False, "not_for_us")
    assert judge({**invite, "actor": STRANGER}, known(the_case()))[1:] == (False,
                                                                           "owner_only")


def test_I16_answer_to_our_invitation() -> None:
    ours = the_case(owner=US, case_actor=None, invited=frozenset({PEER}))
    invite = {"type": "Invite", "id": "urn:i:9", "actor": US, "object": PEER, "target": CASE}
    answer = activity("Accept", PEER, invite)
    assert judge(answer, known(ours)) == (Act.INVITE_ANSWER, True, "allowed")
    assert judge({**answer, "actor": STRANGER}, known(ours))[1:] == (False, "no_invitation")
    # our own answer, relayed back in the owner's case log, is allowed (and ignored there)
    mine = activity("Accept", US, {**invite, "actor": OWNER, "object": US})
    claim = claim_of(parse(mine), sender=CASE_ACTOR)
    assert claim.act is Act.INVITE_ANSWER and authorize(known(the_case()), claim).allowed
    assert not authorize(known(the_case()), claim_of(parse(mine), sender=STRANGER)).allowed


def test_I17_answer_to_an_offer_only_from_whom_it_went_to() -> None:
    offer = {"type": "Offer", "id": "urn:o:1", "actor": US,
             "object": {"type": "VulnerabilityReport", "id": "urn:r:ours"}}
    ours = Known(US, reports={"urn:r:ours": Report("urn:r:ours", US, OWNER)})
    assert judge(activity("Accept", OWNER, offer), ours) == (Act.REPORT_ANSWER, True,
                                                             "allowed")
    assert judge(activity("Accept", STRANGER, offer), ours)[1:] == (False, "not_recipient")
    assert judge(activity("Accept", OWNER, offer), Known(US))[1:] == (False, "not_our_offer")


def test_I18_anything_else() -> None:
    assert judge(activity("Like", STRANGER, CASE), Known(US)) == (Act.OTHER, True, "allowed")
    assert judge({"type": "Like", "object": CASE}, Known(US))[1:] == (False, "no_sender")


def test_every_row_of_the_table_has_its_test() -> None:
    text = (REPO / "docs" / "inbound.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| (I\d+) \|", text, flags=re.MULTILINE))
    tests = {name.split("_")[1] for name in globals() if re.match(r"test_I\d+_", name)}
    assert rows == tests and len(rows) == 18
