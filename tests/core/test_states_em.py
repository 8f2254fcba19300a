"""Embargo Management machine: table rows, the published grammar, end times, expiry."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.core.errors import InputError, TransitionRefused
from bridge.core.states import em
from bridge.core.states.em import EM, Embargo, EMEvent
from tests.core.test_states_support import PROPERTY, corpus_values
from tests.paths import REPO

ROWS = [
    ("NONE", "EP", "PROPOSED"),
    ("PROPOSED", "EP", "PROPOSED"),
    ("PROPOSED", "EA", "ACTIVE"),
    ("PROPOSED", "ER", "NONE"),
    ("ACTIVE", "EV", "REVISE"),
    ("REVISE", "EV", "REVISE"),
    ("REVISE", "EC", "ACTIVE"),
    ("REVISE", "EJ", "ACTIVE"),
    ("ACTIVE", "ET", "EXITED"),
    ("REVISE", "ET", "EXITED"),
]

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
END1 = T0 + timedelta(days=45)
END2 = T0 + timedelta(days=90)


@pytest.mark.parametrize(("src", "event", "dst"), ROWS, ids=[f"{a}-{e}-{b}" for a, e, b in ROWS])
def test_transition_table_row(src: str, event: str, dst: str) -> None:
    assert em.transition(EM(src), EMEvent(event)) is EM(dst)


def test_the_table_has_exactly_the_documented_rows() -> None:
    assert {(s.value, e.value, d.value) for (s, e), d in em.TRANSITIONS.items()} == set(ROWS)


def test_refusal_names_state_event_and_where_it_is_allowed() -> None:
    with pytest.raises(TransitionRefused) as info:
        em.transition(EM.ACTIVE, EMEvent.PROPOSE)
    assert info.value.reason == (
        "EM: cannot propose an embargo (EP) in state ACTIVE; EP is allowed only from NONE, PROPOSED"
    )


@pytest.mark.parametrize("event", list(EMEvent))
def test_nothing_leaves_exited(event: EMEvent) -> None:
    assert em.allowed_events(EM.EXITED) == ()
    with pytest.raises(TransitionRefused, match="in state EXITED"):
        em.transition(EM.EXITED, event)


@pytest.mark.parametrize("state", list(EM))
def test_allowed_events_are_exactly_those_transition_accepts(state: EM) -> None:
    accepted = [e for e in EMEvent if (state, e) in em.TRANSITIONS]
    assert list(em.allowed_events(state)) == accepted
    for event in set(EMEvent) - set(accepted):
        with pytest.raises(TransitionRefused):
            em.transition(state, event)


def test_event_triggers_are_the_dfa_symbols() -> None:
    assert {e.trigger for e in EMEvent} == {"propose", "accept", "reject", "terminate"}
    assert EMEvent.PROPOSE_REVISION.trigger == "propose"
    assert EMEvent.REJECT_REVISION.trigger == "reject"


# The EM formal model: every complete history matches (p+r)*(p+a(p+[ar])*p*t)? and it lists
# 72 non-empty ones of length <= 7. Our machine, read through the abstract symbols, agrees.
GRAMMAR = re.compile(r"(p+r)*(p+a(p+[ar])*p*t)?")
_BY_SYMBOL = {
    ("p", False): EMEvent.PROPOSE, ("p", True): EMEvent.PROPOSE_REVISION,
    ("a", False): EMEvent.ACCEPT, ("a", True): EMEvent.ACCEPT_REVISION,
    ("r", False): EMEvent.REJECT, ("r", True): EMEvent.REJECT_REVISION,
    ("t", False): EMEvent.TERMINATE, ("t", True): EMEvent.TERMINATE,
}


def _complete(word: str) -> bool:
    state = em.INITIAL
    try:
        for symbol in word:
            in_force = state in (EM.ACTIVE, EM.REVISE)
            state = em.transition(state, _BY_SYMBOL[(symbol, in_force)])
    except TransitionRefused:
        return False
    return state in em.FINAL


def test_machine_accepts_exactly_the_published_grammar_up_to_seven() -> None:
    words = ["".join(w) for n in range(1, 8) for w in product("prat", repeat=n)]
    accepted = {w for w in words if _complete(w)}
    assert accepted == {w for w in words if GRAMMAR.fullmatch(w)}
    assert len(accepted) == 72
    assert {"pr", "pat", "papt", "paprt", "pappat"} <= accepted


def test_embargo_record_follows_proposal_acceptance_revision_and_termination() -> None:
    e = em.apply(Embargo(), EMEvent.PROPOSE, end_time=END1, now=T0)
    assert e == Embargo(EM.PROPOSED, None, END1)
    e = em.apply(e, EMEvent.ACCEPT)
    assert e == Embargo(EM.ACTIVE, END1, None)
    e = em.apply(e, EMEvent.PROPOSE_REVISION, end_time=END2)
    assert e == Embargo(EM.REVISE, END1, END2)
    rejected = em.apply(e, EMEvent.REJECT_REVISION)
    assert rejected == Embargo(EM.ACTIVE, END1, None)
    accepted = em.apply(e, EMEvent.ACCEPT_REVISION, end_time=END2)
    assert accepted == Embargo(EM.ACTIVE, END2, None)
    ended = em.apply(e, EMEvent.TERMINATE)
    assert ended == Embargo(EM.EXITED, END1, None)


def test_rejecting_a_proposal_returns_to_no_embargo() -> None:
    e = em.apply(Embargo(), EMEvent.PROPOSE, end_time=END1)
    assert em.apply(e, EMEvent.REJECT) == Embargo()


def test_a_further_proposal_supersedes_the_pending_one() -> None:
    e = em.apply(Embargo(), EMEvent.PROPOSE, end_time=END1)
    e = em.apply(e, EMEvent.PROPOSE, end_time=END2)
    assert e.proposed_end_time == END2
    with pytest.raises(TransitionRefused, match="stale"):
        em.apply(e, EMEvent.ACCEPT, end_time=END1)


def test_proposals_need_an_end_time_in_the_future() -> None:
    with pytest.raises(InputError, match="needs an end time"):
        em.apply(Embargo(), EMEvent.PROPOSE)
    with pytest.raises(InputError, match="in the future"):
        em.apply(Embargo(), EMEvent.PROPOSE, end_time=T0, now=T0)


NAIVE = datetime(2026, 3, 1, 12, 0)


def test_naive_datetimes_are_refused_everywhere() -> None:
    with pytest.raises(InputError, match="timezone-aware"):
        em.apply(Embargo(), EMEvent.PROPOSE, end_time=NAIVE)
    with pytest.raises(InputError, match="timezone-aware"):
        em.apply(Embargo(), EMEvent.PROPOSE, end_time=END1, now=NAIVE)
    with pytest.raises(InputError, match="timezone-aware"):
        Embargo(EM.ACTIVE, NAIVE)
    with pytest.raises(InputError, match="timezone-aware"):
        em.expired(Embargo(EM.ACTIVE, END1), NAIVE)


def test_other_timezones_compare_by_instant() -> None:
    tokyo = timezone(timedelta(hours=9))
    active = Embargo(EM.ACTIVE, END1)
    assert em.expired(active, END1.astimezone(tokyo))
    assert not em.expired(active, (END1 - timedelta(seconds=1)).astimezone(tokyo))


@pytest.mark.parametrize(
    ("state", "end", "proposed"),
    [(EM.NONE, END1, None), (EM.PROPOSED, None, None), (EM.ACTIVE, None, None),
     (EM.ACTIVE, END1, END2), (EM.REVISE, END1, None), (EM.EXITED, END1, END2)],
)
def test_inconsistent_records_are_refused(
    state: EM, end: datetime | None, proposed: datetime | None
) -> None:
    with pytest.raises(InputError, match="inconsistent embargo record"):
        Embargo(state, end, proposed)


def test_expired_only_for_an_embargo_in_force_at_or_after_its_end() -> None:
    active = Embargo(EM.ACTIVE, END1)
    assert not em.expired(active, END1 - timedelta(microseconds=1))
    assert em.expired(active, END1)
    assert em.expired(Embargo(EM.REVISE, END1, END2), END1 + timedelta(days=1))
    late = END2 + timedelta(days=1)
    assert not em.expired(Embargo(EM.PROPOSED, None, END1), late)
    assert not em.expired(Embargo(EM.EXITED, END1), late)
    assert not em.expired(Embargo(), late)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ACTIVE", EM.ACTIVE), ("EMBARGO_MANAGEMENT_NONE", EM.NONE), ("NO_EMBARGO", EM.NONE),
     ("X", EM.EXITED), ("revise", EM.REVISE)],
)
def test_parse_accepts_current_legacy_and_short_names(text: str, expected: EM) -> None:
    assert em.parse(text) is expected


def test_parse_refuses_unknown_values() -> None:
    with pytest.raises(InputError, match="not a valid EM state"):
        em.parse("EMBARGOED")


def test_every_em_state_in_the_vultron_corpus_parses() -> None:
    values = corpus_values("emState")
    assert len(values) >= 10
    assert {em.parse(v) for v in values} == {EM.NONE, EM.ACTIVE, EM.EXITED}


_steps = st.lists(
    st.tuples(st.sampled_from(list(EMEvent)), st.integers(min_value=1, max_value=400)),
    max_size=25,
)


@PROPERTY
@given(_steps)
def test_random_sequences_keep_records_consistent_and_never_leave_exited(
    steps: list[tuple[EMEvent, int]],
) -> None:
    e = Embargo()
    for event, days in steps:
        before = e
        end = T0 + timedelta(days=days) if event in em.PROPOSALS else None
        try:
            e = em.apply(e, event, end_time=end, now=T0)
        except TransitionRefused as exc:
            assert e is before
            assert str(before.state) in exc.reason
            continue
        assert before.state is not EM.EXITED
        assert e.state is em.TRANSITIONS[(before.state, event)]
        # the record invariants hold (the constructor enforces them) and the agreed end
        # time only changes when an accepted proposal replaces it
        assert Embargo(e.state, e.end_time, e.proposed_end_time) == e
        if e.end_time != before.end_time and e.state is not EM.NONE:
            assert event in (EMEvent.ACCEPT, EMEvent.ACCEPT_REVISION)
            assert e.end_time == before.proposed_end_time
        if e.state not in em.IN_FORCE:
            assert not em.expired(e, T0 + timedelta(days=1000))


def test_the_documented_table_is_the_machines() -> None:
    text = (REPO / "docs" / "protocol.md").read_text(encoding="utf-8")
    section = text.split("## Embargo Management (EM)", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| `(E\w)` [^|]+\| `(\w+)` \|", section, re.MULTILINE)
    assert set(rows) == set(ROWS)
    assert len(rows) == len(ROWS)
