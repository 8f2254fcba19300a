"""The default mapping (docs/mapping.md): one test per row, named after it, plus the guards."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bridge.core.commands import parse_commands
from bridge.core.effects import Comment, SetLabels
from bridge.core.events import EventKind, TrackerEvent
from bridge.core.refs import TrackerRef
from bridge.core.rules import CaseView, Decision, RuleSet, decide
from bridge.core.states.cs import CaseState
from bridge.core.states.em import EM, Embargo
from bridge.core.states.rm import RM
from tests.paths import REPO

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
END = NOW + timedelta(days=30)
REF = TrackerRef("github", "acme/widget", 7)
RULES = RuleSet()


def ev(kind: EventKind, *, label: str | None = None, comment: str | None = None,
       actor: str = "maintainer") -> TrackerEvent:
    command = parse_commands(comment)[0] if comment else None
    return TrackerEvent(kind=kind, tracker="github", ref=REF, project="acme/widget",
                        actor=actor, label=label, command=command, at=NOW)


def labeled(label: str) -> TrackerEvent:
    return ev(EventKind.LABELED, label=label)


def cmd(text: str) -> TrackerEvent:
    return ev(EventKind.COMMAND, comment=text)


def view(rm: RM = RM.RECEIVED, embargo: Embargo | None = None, cs: str = "Vfd.pxa",
         other_open: int = 0) -> CaseView:
    return CaseView("https://finder.example/reports/1", rm, embargo or Embargo(),
                    CaseState.from_string(cs), other_open)


def sent(decision: Decision) -> list[str]:
    return [i.message for i in decision.intents]


def added_labels(decision: Decision) -> set[str]:
    return {name for e in decision.effects if isinstance(e, SetLabels) for name in e.add}


def comments(decision: Decision) -> list[str]:
    return [e.body for e in decision.effects if isinstance(e, Comment)]


@pytest.mark.parametrize("event", [labeled("vultron:valid"), cmd("/vultron validate")])
def test_O1_valid_label_or_command_validates(event: TrackerEvent) -> None:
    d = decide(event, view(RM.RECEIVED), RULES, NOW)
    assert sent(d) == ["RV"] and d.view is not None and d.view.rm is RM.VALID
    assert "vultron:valid" in added_labels(d)


@pytest.mark.parametrize("event", [labeled("vultron:invalid"), cmd("/vultron invalidate")])
def test_O2_invalid_label_or_command_invalidates(event: TrackerEvent) -> None:
    d = decide(event, view(RM.RECEIVED), RULES, NOW)
    assert sent(d) == ["RI"] and d.view is not None and d.view.rm is RM.INVALID


@pytest.mark.parametrize("event", [labeled("vultron:accepted"), cmd("/vultron engage")])
def test_O3_accepted_label_or_command_engages(event: TrackerEvent) -> None:
    d = decide(event, view(RM.VALID), RULES, NOW)
    assert sent(d) == ["RA"] and d.view is not None and d.view.rm is RM.ACCEPTED


@pytest.mark.parametrize("event", [labeled("vultron:deferred"), cmd("/vultron defer")])
def test_O4_deferred_label_or_command_defers(event: TrackerEvent) -> None:
    d = decide(event, view(RM.ACCEPTED), RULES, NOW)
    assert sent(d) == ["RD"] and d.view is not None and d.view.rm is RM.DEFERRED


@pytest.mark.parametrize(
    "event", [ev(EventKind.UNLABELED, label="vultron:deferred"), cmd("/vultron reengage")]
)
def test_O5_removing_deferred_reengages(event: TrackerEvent) -> None:
    d = decide(event, view(RM.DEFERRED), RULES, NOW)
    assert sent(d) == ["RA"] and d.view is not None and d.view.rm is RM.ACCEPTED


def test_O6_closing_the_last_linked_issue_closes() -> None:
    d = decide(ev(EventKind.CLOSED), view(RM.ACCEPTED), RULES, NOW)
    assert sent(d) == ["RC"] and d.view is not None and d.view.rm is RM.CLOSED


def test_O6_close_policy_all_waits_for_other_linked_issues() -> None:
    d = decide(ev(EventKind.CLOSED), view(RM.ACCEPTED, other_open=2), RULES, NOW)
    assert sent(d) == [] and d.ignored and "2 other linked issue" in d.ignored
    anyrules = RuleSet(close_policy="any")
    assert sent(decide(ev(EventKind.CLOSED), view(RM.ACCEPTED, other_open=2), anyrules, NOW)) == [
        "RC"
    ]


def test_O6_close_command_closes_regardless_of_policy() -> None:
    d = decide(cmd("/vultron close"), view(RM.DEFERRED, other_open=3), RULES, NOW)
    assert sent(d) == ["RC"]


@pytest.mark.parametrize(
    "event",
    [labeled("vultron:fix-ready"), cmd("/vultron fix-ready"), ev(EventKind.FIX_MERGED)],
)
def test_O7_fix_ready_by_label_command_or_merged_fix(event: TrackerEvent) -> None:
    d = decide(event, view(RM.ACCEPTED, cs="Vfd.pxa"), RULES, NOW)
    assert sent(d) == ["CF"] and d.view is not None and str(d.view.cs) == "VFd.pxa"


@pytest.mark.parametrize(
    "event",
    [labeled("vultron:fix-deployed"), cmd("/vultron fix-deployed"),
     ev(EventKind.RELEASE_PUBLISHED)],
)
def test_O8_fix_deployed_by_label_command_or_release(event: TrackerEvent) -> None:
    d = decide(event, view(RM.ACCEPTED, cs="VFd.pxa"), RULES, NOW)
    assert sent(d) == ["CD"] and d.view is not None and str(d.view.cs) == "VFD.pxa"


def test_O8_fix_deployed_before_fix_ready_is_refused_with_a_comment() -> None:
    d = decide(labeled("vultron:fix-deployed"), view(RM.ACCEPTED, cs="Vfd.pxa"), RULES, NOW)
    assert sent(d) == [] and d.refused and "F" in d.refused
    assert comments(d) and "nothing was sent" in comments(d)[0]
    removed = {n for e in d.effects if isinstance(e, SetLabels) for n in e.remove}
    assert removed == {"vultron:fix-deployed"}


@pytest.mark.parametrize(
    "event",
    [labeled("vultron:public"), cmd("/vultron published"), ev(EventKind.ADVISORY_PUBLISHED)],
)
def test_O9_public_by_label_command_or_advisory(event: TrackerEvent) -> None:
    d = decide(event, view(RM.ACCEPTED, cs="VFD.pxa"), RULES, NOW)
    assert sent(d) == ["CP"] and d.view is not None and str(d.view.cs) == "VFD.Pxa"


def test_O10_exploit_public() -> None:
    d = decide(labeled("vultron:exploit-public"), view(RM.ACCEPTED, cs="VFD.Pxa"), RULES, NOW)
    assert sent(d) == ["CX"]


def test_O11_attacks_observed() -> None:
    d = decide(labeled("vultron:attacks-observed"), view(RM.ACCEPTED), RULES, NOW)
    assert sent(d) == ["CA"]


def test_O12_embargo_accept_label_and_command() -> None:
    proposed = Embargo(EM.PROPOSED, None, END)
    for event in (labeled("vultron:embargo-accept"), cmd("/vultron embargo accept")):
        d = decide(event, view(RM.ACCEPTED, proposed), RULES, NOW)
        assert sent(d) == ["EA"] and d.view is not None and d.view.embargo.state is EM.ACTIVE
        assert "vultron:embargo-active" in added_labels(d)


def test_O12_accept_while_a_revision_is_pending_is_EC() -> None:
    revising = Embargo(EM.REVISE, END, END + timedelta(days=10))
    d = decide(cmd("/vultron embargo accept"), view(RM.ACCEPTED, revising), RULES, NOW)
    assert sent(d) == ["EC"] and d.view is not None
    assert d.view.embargo.end_time == END + timedelta(days=10)


def test_O13_embargo_reject_and_revision_reject() -> None:
    proposed = view(RM.ACCEPTED, Embargo(EM.PROPOSED, None, END))
    d = decide(labeled("vultron:embargo-reject"), proposed, RULES, NOW)
    assert sent(d) == ["ER"] and d.view is not None and d.view.embargo.state is EM.NONE
    revising = Embargo(EM.REVISE, END, END + timedelta(days=10))
    d = decide(cmd("/vultron embargo reject"), view(RM.ACCEPTED, revising), RULES, NOW)
    assert sent(d) == ["EJ"] and d.view is not None and d.view.embargo.state is EM.ACTIVE


def test_O14_embargo_propose_and_revision() -> None:
    d = decide(cmd(f"/vultron embargo propose {END.isoformat()}"), view(RM.ACCEPTED), RULES, NOW)
    assert sent(d) == ["EP"] and d.intents[0].end_time == END
    active = Embargo(EM.ACTIVE, END, None)
    later = END + timedelta(days=7)
    d = decide(cmd(f"/vultron embargo propose {later.isoformat()}"), view(RM.ACCEPTED, active),
               RULES, NOW)
    assert sent(d) == ["EV"] and d.view is not None and d.view.embargo.state is EM.REVISE


def test_O14_propose_without_time_zone_is_refused() -> None:
    d = decide(cmd("/vultron embargo propose 2027-01-31T00:00:00"), view(RM.ACCEPTED), RULES, NOW)
    assert sent(d) == [] and d.refused and "time zone" in d.refused


def test_O15_embargo_terminate() -> None:
    active = replace(view(RM.ACCEPTED, Embargo(EM.ACTIVE, END)), active_embargo="urn:em:1")
    d = decide(cmd("/vultron embargo terminate"), active, RULES, NOW)
    assert sent(d) == ["ET"] and d.view is not None and d.view.embargo.state is EM.EXITED
    assert "vultron:embargo-exited" in added_labels(d)


def test_O15_terminate_of_an_embargo_not_known_by_its_id_is_refused() -> None:
    """ET names the case's active EmbargoEvent; the bridge never invents one."""
    d = decide(cmd("/vultron embargo terminate"), view(RM.ACCEPTED, Embargo(EM.ACTIVE, END)),
               RULES, NOW)
    assert sent(d) == [] and d.refused and "not known by its id" in d.refused
    assert "nothing was sent" in comments(d)[0]


def test_O16_note_sends_a_note_with_the_text() -> None:
    d = decide(cmd("/vultron note patch ETA next Tuesday"), view(RM.ACCEPTED), RULES, NOW)
    assert sent(d) == ["NOTE"] and d.intents[0].text == "patch ETA next Tuesday"


def test_O18_reply_sends_a_note_to_the_finder_with_the_text() -> None:
    d = decide(cmd("/vultron reply Thanks, the fix ships Tuesday."), view(RM.VALID), RULES, NOW)
    assert sent(d) == ["REPLY"] and d.intents[0].text == "Thanks, the fix ships Tuesday."
    d = decide(cmd("/vultron reply"), view(), RULES, NOW)
    assert sent(d) == [] and "needs text" in comments(d)[0]


def test_O17_status_and_help_send_nothing_and_comment() -> None:
    d = decide(cmd("/vultron status"), view(RM.VALID, cs="Vfd.pxa"), RULES, NOW)
    assert sent(d) == [] and "VALID" in comments(d)[0] and "Vfd.pxa" in comments(d)[0]
    d = decide(cmd("/vultron frobnicate"), view(), RULES, NOW)
    assert sent(d) == [] and "unknown command" in comments(d)[0]


def test_refused_transition_sends_nothing_and_says_what_to_do() -> None:
    d = decide(labeled("vultron:accepted"), view(RM.RECEIVED), RULES, NOW)
    assert sent(d) == [] and d.refused and "RECEIVED" in d.refused
    body = comments(d)[0]
    assert "vultron:valid" in body and "RECEIVED" in body


def test_bot_user_events_are_ignored() -> None:
    rules = RuleSet(bot_login="vultron-bot")
    event = ev(EventKind.LABELED, label="vultron:valid", actor="Vultron-Bot")
    d = decide(event, view(), rules, NOW)
    assert d.ignored and sent(d) == []


def test_unlinked_issue_and_unmapped_label_and_state_label_are_ignored() -> None:
    assert decide(labeled("vultron:valid"), None, RULES, NOW).ignored
    assert "not mapped" in (decide(labeled("bug"), view(), RULES, NOW).ignored or "")
    assert "shows state" in (decide(labeled("vultron:received"), view(), RULES, NOW).ignored or "")


@pytest.mark.parametrize(
    "event",
    [ev(EventKind.MADE_PUBLIC), ev(EventKind.ADVISORY_PUBLISHED), labeled("vultron:public")],
)
def test_embargo_guard_fires_on_each_publication_signal(event: TrackerEvent) -> None:
    d = decide(event, view(RM.ACCEPTED, Embargo(EM.ACTIVE, END), cs="VFd.pxa"), RULES, NOW)
    assert "vultron:embargo-breach" in added_labels(d)
    assert d.alert and "embargo breach" in d.alert
    assert any(END.isoformat() in c for c in comments(d))


def test_no_guard_without_an_embargo_in_force() -> None:
    d = decide(ev(EventKind.MADE_PUBLIC), view(RM.ACCEPTED), RULES, NOW)
    assert d.alert is None and d.ignored


def test_label_overrides_from_configuration() -> None:
    rules = RuleSet.from_config({"triage:confirmed": "validate"})
    assert sent(decide(labeled("triage:confirmed"), view(), rules, NOW)) == ["RV"]
    with pytest.raises(Exception, match="unknown action"):
        RuleSet.from_config({"x": "explode"})


def test_every_outbound_row_of_the_mapping_table_has_a_test() -> None:
    doc = (REPO / "docs" / "mapping.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip() for line in doc.splitlines() if line.startswith("| O")}
    names = {match for file in (REPO / "tests" / "core").rglob("test_*.py")
             for match in re.findall(r"^def test_(O\d+)_", file.read_text(), flags=re.M)}
    assert rows and rows <= names, sorted(rows - names)


def owned_report(rm: RM = RM.RECEIVED, embargo: Embargo | None = None) -> CaseView:
    """A report a finder offered to us, in no case yet: we become the case's owner."""
    return replace(view(rm, embargo), owner=True)


def test_O1_validating_a_report_offered_to_us_creates_the_case_after_RV() -> None:
    d = decide(labeled("vultron:valid"), owned_report(), RULES, NOW)
    assert sent(d) == ["RV", "CREATE_CASE"]
    assert d.intents[1].subject == "https://finder.example/reports/1"


def test_O1_validating_in_a_case_or_as_non_owner_creates_nothing() -> None:
    in_case = replace(owned_report(), in_case=True)
    assert sent(decide(labeled("vultron:valid"), in_case, RULES, NOW)) == ["RV"]
    assert sent(decide(labeled("vultron:valid"), view(), RULES, NOW)) == ["RV"]


def test_O2_O6_invalidate_and_close_before_a_case_keep_the_report_level_forms() -> None:
    assert sent(decide(labeled("vultron:invalid"), owned_report(), RULES, NOW)) == ["RI"]
    assert sent(decide(ev(EventKind.CLOSED), owned_report(RM.INVALID), RULES, NOW)) == ["RC"]


def test_O3_a_validated_report_without_a_case_gets_its_case_before_the_case_message() -> None:
    """Reports validated before the bridge created cases: the case comes first."""
    d = decide(labeled("vultron:accepted"), owned_report(RM.VALID), RULES, NOW)
    assert sent(d) == ["CREATE_CASE", "RA"]
    d = decide(cmd("/vultron note hi"), owned_report(RM.ACCEPTED), RULES, NOW)
    assert sent(d) == ["CREATE_CASE", "NOTE"]
    d = decide(cmd("/vultron note hi"), owned_report(RM.RECEIVED), RULES, NOW)
    assert sent(d) == ["NOTE"]


WRONG_CLOSED = "the report is closed"


@pytest.mark.parametrize("state,action,hint", [
    (RM.START, "vultron:accepted", "accept the case invitation first (`/vultron case accept`)"),
    (RM.RECEIVED, "vultron:accepted", "validate it (it creates the case) or invalidate it"),
    (RM.INVALID, "vultron:accepted", "validate it after all, or close it"),
    (RM.VALID, "vultron:fix-deployed", "engage the case (or defer it) next"),
    (RM.ACCEPTED, "vultron:valid", "the case is engaged"),
    (RM.DEFERRED, "vultron:valid", "re-engage it, or close it"),
    (RM.CLOSED, "vultron:accepted", WRONG_CLOSED),
])
def test_refusal_says_what_to_do_instead_in_each_rm_state(state: RM, action: str,
                                                          hint: str) -> None:
    d = decide(labeled(action), view(state), RULES, NOW)
    assert sent(d) == [] and d.refused
    body = comments(d)[0]
    assert hint in body and state.value in body
    if state is not RM.CLOSED:
        assert WRONG_CLOSED not in body
    if state is RM.DEFERRED:
        assert "/vultron reengage" in body and "/vultron engage`" not in body
    if state is RM.VALID:
        assert "/vultron engage" in body and "/vultron reengage" not in body


def test_O12_accepting_as_the_case_owner_puts_the_embargo_in_force() -> None:
    """The reference's participants keep EM NONE after their own Accept until the owner's
    ``Add(EmbargoEvent → case)``; as owner we send it after our EA/EC."""
    ours = replace(view(RM.ACCEPTED, Embargo(EM.PROPOSED, None, END)), owner=True, in_case=True)
    d = decide(labeled("vultron:embargo-accept"), ours, RULES, NOW)
    assert sent(d) == ["EA", "ADD_EMBARGO_TO_CASE"]
    theirs = replace(ours, owner=False)
    assert sent(decide(labeled("vultron:embargo-accept"), theirs, RULES, NOW)) == ["EA"]
    assert sent(decide(labeled("vultron:embargo-reject"), ours, RULES, NOW)) == ["ER"]


def test_O12_O13_a_participants_answer_leaves_the_cases_embargo_to_its_owner() -> None:
    """In a case someone else owns, EA/EC/ER/EJ are our consent: the case's EM changes when
    its owner puts the proposal in force or withdraws it (the reference does the same)."""
    revising = replace(view(RM.ACCEPTED, Embargo(EM.REVISE, END, END + timedelta(days=10))),
                       in_case=True)
    for label, code in (("vultron:embargo-accept", "EC"), ("vultron:embargo-reject", "EJ")):
        d = decide(labeled(label), revising, RULES, NOW)
        assert sent(d) == [code] and d.view is None
        assert added_labels(d) == set()
    d = decide(labeled("vultron:embargo-accept"), replace(view(RM.ACCEPTED), in_case=True),
               RULES, NOW)
    assert sent(d) == [] and d.refused  # nothing proposed: nothing to answer


def test_O19_case_accept_and_reject_answer_a_pending_invitation() -> None:
    invited = replace(view(RM.START), invited=True)
    d = decide(cmd("/vultron case accept"), invited, RULES, NOW)
    assert sent(d) == ["ACCEPT_INVITE"] and d.view is None  # the owner then admits us
    removed = {n for e in d.effects if isinstance(e, SetLabels) for n in e.remove}
    assert removed == {"vultron:invited"}
    assert sent(decide(cmd("/vultron case reject"), invited, RULES, NOW)) == ["REJECT_INVITE"]


def test_O19_without_a_pending_invitation_nothing_is_sent() -> None:
    d = decide(cmd("/vultron case accept"), view(RM.START), RULES, NOW)
    assert sent(d) == [] and d.refused and "no invitation" in d.refused
    assert "nothing was sent" in comments(d)[0]
    d = decide(cmd("/vultron case maybe"), view(), RULES, NOW)
    assert sent(d) == [] and "accept or reject" in comments(d)[0]


@pytest.mark.parametrize("event", [labeled("vultron:valid"), labeled("vultron:invalid"),
                                   ev(EventKind.CLOSED)])
def test_a_report_never_offered_to_us_has_no_offer_to_answer(event: TrackerEvent) -> None:
    """Before a case, RV/RI/RC answer the report's Offer: with none known, the decision is
    a refusal with a private comment saying why, not a message the render cannot build."""
    d = decide(event, replace(view(), offered=False), RULES, NOW)
    assert sent(d) == [] and d.refused and "never offered" in d.refused
    assert any("never offered" in body for body in comments(d))


@pytest.mark.parametrize(("event", "code"), [(labeled("vultron:valid"), "RV"),
                                             (labeled("vultron:invalid"), "RI")])
def test_in_a_case_RV_RI_need_no_offer(event: TrackerEvent, code: str) -> None:
    """Joined by invitation (no Offer to us): in the case, RV/RI are our status."""
    d = decide(event, replace(view(), offered=False, in_case=True), RULES, NOW)
    assert sent(d) == [code] and d.refused is None
