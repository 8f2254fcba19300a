"""Participant Embargo Consent and how it follows the case embargo (consent.receive)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.core.errors import InputError, TransitionRefused
from bridge.core.states import consent, pec
from bridge.core.states.consent import CaseEmbargo
from bridge.core.states.em import EM, Embargo, EMEvent
from bridge.core.states.pec import PEC, PECEvent
from bridge.core.states.rm import RM
from tests.core.test_states_support import PROPERTY, corpus_values

ROWS = [
    ("NO_EMBARGO", "invite", "INVITED"), ("LAPSED", "invite", "INVITED"),
    ("DECLINED", "invite", "INVITED"),
    ("NO_EMBARGO", "accept", "SIGNATORY"), ("INVITED", "accept", "SIGNATORY"),
    ("LAPSED", "accept", "SIGNATORY"),
    ("NO_EMBARGO", "decline", "DECLINED"), ("INVITED", "decline", "DECLINED"),
    ("LAPSED", "decline", "DECLINED"), ("SIGNATORY", "decline", "DECLINED"),
    ("SIGNATORY", "revise", "LAPSED"),
    ("INVITED", "timeout", "DECLINED"), ("LAPSED", "timeout", "DECLINED"),
    *((s.value, "reset", "NO_EMBARGO") for s in PEC),
]

T0 = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
END1 = T0 + timedelta(days=30)
END2 = T0 + timedelta(days=60)
OWNER, FINDER, OTHER = "https://v.example/actors/vendor", "https://f.example/finder", "urn:x:coord"


@pytest.mark.parametrize(("src", "event", "dst"), ROWS, ids=[f"{a}-{e}-{b}" for a, e, b in ROWS])
def test_transition_table_row(src: str, event: str, dst: str) -> None:
    assert pec.transition(PEC(src), PECEvent(event)) is PEC(dst)


def test_the_table_has_exactly_the_documented_rows() -> None:
    assert {(s.value, e.value, d.value) for (s, e), d in pec.TRANSITIONS.items()} == set(ROWS)


def test_a_signatory_cannot_be_re_invited() -> None:
    with pytest.raises(TransitionRefused) as info:
        pec.transition(PEC.SIGNATORY, PECEvent.INVITE)
    assert "in state SIGNATORY" in info.value.reason
    assert "allowed only from NO_EMBARGO, LAPSED, DECLINED" in info.value.reason


def test_a_declined_participant_must_be_re_invited_before_accepting() -> None:
    assert PECEvent.ACCEPT not in pec.allowed_events(PEC.DECLINED)
    assert pec.allowed_events(PEC.DECLINED) == (PECEvent.INVITE, PECEvent.RESET)


def test_parse_and_adherence() -> None:
    assert pec.parse("UNBOUND") is PEC.NO_EMBARGO
    assert pec.parse("signatory") is PEC.SIGNATORY
    assert {pec.parse(v) for v in corpus_values("emConsentState")} == {
        PEC.NO_EMBARGO, PEC.SIGNATORY}
    assert [s for s in PEC if pec.embargo_adherence(s)] == [PEC.SIGNATORY]
    with pytest.raises(InputError):
        pec.parse("MAYBE")


def test_join_consent_follows_the_case_embargo() -> None:
    assert {em: consent.join_consent(em) for em in EM} == {
        EM.NONE: PEC.NO_EMBARGO, EM.PROPOSED: PEC.INVITED, EM.ACTIVE: PEC.INVITED,
        EM.REVISE: PEC.INVITED, EM.EXITED: PEC.NO_EMBARGO}


def _active_case() -> CaseEmbargo:
    case = consent.start(OWNER, [FINDER])
    case = consent.receive(case, FINDER, EMEvent.PROPOSE, end_time=END1, now=T0)
    return consent.receive(case, OWNER, EMEvent.ACCEPT)


def test_a_proposal_invites_the_others_and_the_owners_acceptance_activates_it() -> None:
    case = consent.start(OWNER, [FINDER])
    proposed = consent.receive(case, FINDER, EMEvent.PROPOSE, end_time=END1, now=T0)
    assert proposed.embargo == Embargo(EM.PROPOSED, None, END1)
    assert proposed.as_dict() == {OWNER: PEC.INVITED, FINDER: PEC.NO_EMBARGO}
    active = consent.receive(proposed, OWNER, EMEvent.ACCEPT)
    assert active.embargo == Embargo(EM.ACTIVE, END1, None)
    assert active.consent_of(OWNER) is PEC.SIGNATORY
    finder_too = consent.receive(active, FINDER, EMEvent.ACCEPT, end_time=END1)
    assert finder_too.consent_of(FINDER) is PEC.SIGNATORY


def test_a_non_owner_acceptance_records_consent_but_does_not_activate() -> None:
    case = consent.start(OWNER, [FINDER, OTHER])
    case = consent.receive(case, OWNER, EMEvent.PROPOSE, end_time=END1)
    case = consent.receive(case, OTHER, EMEvent.ACCEPT)
    assert case.embargo.state is EM.PROPOSED
    assert case.consent_of(OTHER) is PEC.SIGNATORY


def test_a_participant_who_declines_is_declined_and_only_the_owner_rejects_the_embargo() -> None:
    case = consent.start(OWNER, [FINDER, OTHER])
    case = consent.receive(case, FINDER, EMEvent.PROPOSE, end_time=END1)
    declined = consent.receive(case, OTHER, EMEvent.REJECT)
    assert declined.embargo.state is EM.PROPOSED
    assert declined.consent_of(OTHER) is PEC.DECLINED
    rejected = consent.receive(declined, OWNER, EMEvent.REJECT)
    assert rejected.embargo == Embargo()
    assert rejected.consent_of(OWNER) is PEC.DECLINED


def test_a_participant_joining_an_active_embargo_is_invited_and_gated_until_it_accepts() -> None:
    case = consent.join(_active_case(), OTHER)
    assert case.consent_of(OTHER) is PEC.INVITED
    assert not consent.may_receive_content(RM.RECEIVED, case.embargo.state, PEC.INVITED)
    case = consent.receive(case, OTHER, EMEvent.ACCEPT, end_time=END1)
    assert case.embargo == Embargo(EM.ACTIVE, END1, None)
    assert consent.may_receive_content(RM.RECEIVED, case.embargo.state, case.consent_of(OTHER))
    with pytest.raises(TransitionRefused, match="already in the case"):
        consent.join(case, OTHER)


def test_content_gate() -> None:
    assert consent.may_receive_content(RM.RECEIVED, EM.NONE, PEC.NO_EMBARGO)
    assert consent.may_receive_content(RM.ACCEPTED, EM.EXITED, PEC.NO_EMBARGO)
    assert not consent.may_receive_content(RM.START, EM.NONE, PEC.SIGNATORY)
    assert not consent.may_receive_content(RM.VALID, EM.PROPOSED, PEC.DECLINED)
    assert not consent.may_receive_content(RM.VALID, EM.REVISE, PEC.LAPSED)


def test_a_revision_lapses_signatories_and_re_invites_them() -> None:
    case = consent.receive(_active_case(), FINDER, EMEvent.ACCEPT)
    revising = consent.receive(case, OWNER, EMEvent.PROPOSE_REVISION, end_time=END2)
    assert revising.embargo == Embargo(EM.REVISE, END1, END2)
    assert revising.as_dict() == {OWNER: PEC.LAPSED, FINDER: PEC.INVITED}
    kept = consent.receive(revising, OWNER, EMEvent.REJECT_REVISION)
    assert kept.embargo == Embargo(EM.ACTIVE, END1, None)
    adopted = consent.receive(revising, OWNER, EMEvent.ACCEPT_REVISION, end_time=END2)
    assert adopted.embargo == Embargo(EM.ACTIVE, END2, None)
    assert adopted.consent_of(OWNER) is PEC.SIGNATORY


def test_termination_resets_everyone() -> None:
    case = consent.join(_active_case(), OTHER)
    ended = consent.receive(case, FINDER, EMEvent.TERMINATE)
    assert ended.embargo == Embargo(EM.EXITED, END1, None)
    assert set(ended.as_dict().values()) == {PEC.NO_EMBARGO}


def test_answers_with_no_terms_to_answer_are_refused() -> None:
    case = consent.start(OWNER, [FINDER])
    with pytest.raises(TransitionRefused, match="no such terms to answer"):
        consent.receive(case, FINDER, EMEvent.ACCEPT)
    active = _active_case()
    with pytest.raises(TransitionRefused, match="stale"):
        consent.receive(active, FINDER, EMEvent.ACCEPT, end_time=END2)
    with pytest.raises(TransitionRefused, match="allowed from REVISE"):
        consent.receive(active, FINDER, EMEvent.ACCEPT_REVISION)


def test_strangers_and_duplicates_are_refused() -> None:
    case = consent.start(OWNER, [FINDER])
    with pytest.raises(InputError, match="not a participant"):
        consent.receive(case, OTHER, EMEvent.PROPOSE, end_time=END1)
    with pytest.raises(InputError, match="invitee is not a participant"):
        consent.receive(case, OWNER, EMEvent.PROPOSE, end_time=END1, invitees=[OTHER])
    with pytest.raises(InputError, match="listed twice"):
        CaseEmbargo(OWNER, Embargo(), ((OWNER, PEC.NO_EMBARGO), (OWNER, PEC.INVITED)))


ACTORS = [OWNER, FINDER, OTHER]
_messages = st.lists(
    st.tuples(st.sampled_from(ACTORS), st.sampled_from(list(EMEvent)),
              st.integers(min_value=1, max_value=200)),
    max_size=25,
)


@PROPERTY
@given(_messages)
def test_random_message_sequences_keep_both_machines_consistent(
    messages: list[tuple[str, EMEvent, int]],
) -> None:
    case = consent.start(OWNER, [FINDER, OTHER])
    for actor, event, days in messages:
        before = case
        end = T0 + timedelta(days=days) if event in (EMEvent.PROPOSE,
                                                     EMEvent.PROPOSE_REVISION) else None
        try:
            case = consent.receive(case, actor, event, end_time=end, now=T0)
        except TransitionRefused:
            assert case is before
            continue
        assert before.embargo.state is not EM.EXITED
        if case.embargo.state is not before.embargo.state:
            assert actor == case.owner or event in (
                EMEvent.PROPOSE, EMEvent.PROPOSE_REVISION, EMEvent.TERMINATE)
        if case.embargo.state is EM.REVISE and before.embargo.state is EM.ACTIVE:
            assert PEC.SIGNATORY not in case.as_dict().values()
        if case.embargo.state is EM.EXITED:
            assert set(case.as_dict().values()) == {PEC.NO_EMBARGO}
        if event in (EMEvent.ACCEPT, EMEvent.ACCEPT_REVISION):
            assert case.consent_of(actor) is PEC.SIGNATORY
        if event in (EMEvent.REJECT, EMEvent.REJECT_REVISION):
            assert case.consent_of(actor) is PEC.DECLINED
        assert set(case.as_dict()) == set(ACTORS)
