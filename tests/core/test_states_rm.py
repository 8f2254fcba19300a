"""Report Management machine: table rows, refusals, published histories, parsing, properties."""

from __future__ import annotations

import re
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.core.errors import InputError, TransitionRefused
from bridge.core.states import rm
from bridge.core.states.rm import RM, RMEvent
from tests.core.test_states_support import PROPERTY, corpus_values
from tests.paths import REPO

# (from, event, to): the protocol's RM DFA plus RECEIVED --close--> CLOSED (reference server).
ROWS = [
    ("START", "RS", "RECEIVED"),
    ("RECEIVED", "RV", "VALID"),
    ("RECEIVED", "RI", "INVALID"),
    ("RECEIVED", "RC", "CLOSED"),
    ("INVALID", "RV", "VALID"),
    ("INVALID", "RC", "CLOSED"),
    ("VALID", "RA", "ACCEPTED"),
    ("VALID", "RD", "DEFERRED"),
    ("ACCEPTED", "RD", "DEFERRED"),
    ("ACCEPTED", "RC", "CLOSED"),
    ("DEFERRED", "RA", "ACCEPTED"),
    ("DEFERRED", "RC", "CLOSED"),
]


@pytest.mark.parametrize(("src", "event", "dst"), ROWS, ids=[f"{a}-{e}-{b}" for a, e, b in ROWS])
def test_transition_table_row(src: str, event: str, dst: str) -> None:
    assert rm.transition(RM(src), RMEvent(event)) is RM(dst)


def test_the_table_has_exactly_the_documented_rows() -> None:
    assert {(s.value, e.value, d.value) for (s, e), d in rm.TRANSITIONS.items()} == set(ROWS)


_ALLOWED_PAIRS = {(a, b) for a, b, _ in ROWS}
REFUSED = [(s, e) for s, e in product(RM, RMEvent) if (s.value, e.value) not in _ALLOWED_PAIRS]


@pytest.mark.parametrize(("state", "event"), REFUSED, ids=[f"{s}-{e}" for s, e in REFUSED])
def test_other_pairs_are_refused_naming_state_event_and_sources(state: RM, event: RMEvent) -> None:
    with pytest.raises(TransitionRefused) as info:
        rm.transition(state, event)
    reason = info.value.reason
    assert f"in state {state}" in reason
    assert f"({event})" in reason
    for source in (a for a, b, _ in ROWS if b == event.value):
        assert source in reason.split("allowed only from ", 1)[1]


def test_refusal_example_reads_well() -> None:
    with pytest.raises(TransitionRefused) as info:
        rm.transition(RM.VALID, RMEvent.CLOSE)
    assert info.value.reason == (
        "RM: cannot close the report (RC) in state VALID; "
        "RC is allowed only from RECEIVED, INVALID, ACCEPTED, DEFERRED"
    )
    assert info.value.kind == "transition_refused"


@pytest.mark.parametrize("state", list(RM))
def test_allowed_events_are_exactly_those_transition_accepts(state: RM) -> None:
    accepted = []
    for event in RMEvent:
        try:
            rm.transition(state, event)
        except TransitionRefused:
            continue
        accepted.append(event)
    assert list(rm.allowed_events(state)) == accepted


def test_closed_is_final() -> None:
    assert rm.allowed_events(RM.CLOSED) == ()
    assert {RM.CLOSED} == rm.FINAL


# The RM formal model lists the 15 complete histories of length <= 7 (letters: the DFA
# symbols). The reference server's extra RECEIVED -> CLOSED edge adds exactly one: "rc".
PUBLISHED = [
    "ric", "rvac", "rvdc", "rivac", "rivdc", "rvadc", "rvdac", "rivadc", "rivdac", "rvadac",
    "rvdadc", "rivadac", "rivdadc", "rvadadc", "rvdadac",
]
SYMBOL = {"r": RMEvent.RECEIVE, "v": RMEvent.VALIDATE, "i": RMEvent.INVALIDATE,
          "a": RMEvent.ACCEPT, "d": RMEvent.DEFER, "c": RMEvent.CLOSE}


def _complete(word: str) -> bool:
    state = rm.INITIAL
    try:
        for letter in word:
            state = rm.transition(state, SYMBOL[letter])
    except TransitionRefused:
        return False
    return state in rm.FINAL


def test_complete_histories_up_to_seven_are_the_published_ones_plus_rc() -> None:
    words = {"".join(w) for n in range(1, 8) for w in product("rviadc", repeat=n)}
    assert {w for w in words if _complete(w)} == set(PUBLISHED) | {"rc"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("VALID", RM.VALID), ("REPORT_MANAGEMENT_RECEIVED", RM.RECEIVED), (" accepted ", RM.ACCEPTED),
     ("C", RM.CLOSED), ("report_management_start", RM.START), (RM.DEFERRED, RM.DEFERRED)],
)
def test_parse_accepts_current_legacy_and_short_names(text: str, expected: RM) -> None:
    assert rm.parse(text) is expected


@pytest.mark.parametrize("bad", ["OPEN", "", None, 3, "x" * 500])
def test_parse_refuses_unknown_values_without_echoing_long_input(bad: object) -> None:
    with pytest.raises(InputError) as info:
        rm.parse(bad)
    assert "x" * 60 not in info.value.reason
    assert "START" in info.value.reason


def test_every_rm_state_in_the_vultron_corpus_parses() -> None:
    values = corpus_values("rmState")
    assert len(values) >= 10
    assert {rm.parse(v) for v in values} >= {RM.START, RM.RECEIVED, RM.VALID, RM.ACCEPTED}


def test_state_subsets_match_the_protocol() -> None:
    assert {RM.VALID, RM.DEFERRED, RM.ACCEPTED} == rm.VALIDATED
    assert set(RM) - {RM.START, RM.CLOSED} == rm.OPEN
    assert {RM.RECEIVED, RM.VALID, RM.ACCEPTED} == rm.ACTIVE


def _reachable() -> set[RM]:
    seen = {rm.INITIAL}
    frontier = [rm.INITIAL]
    while frontier:
        state = frontier.pop()
        for event in rm.allowed_events(state):
            nxt = rm.transition(state, event)
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return seen


def test_every_state_is_reachable_from_start() -> None:
    assert _reachable() == set(RM)


@PROPERTY
@given(st.lists(st.sampled_from(list(RMEvent)), max_size=30))
def test_random_sequences_refusals_change_nothing_and_closed_stays_closed(
    events: list[RMEvent],
) -> None:
    state = rm.INITIAL
    for event in events:
        before = state
        try:
            state = rm.transition(state, event)
        except TransitionRefused as exc:
            assert state is before
            assert str(before) in exc.reason
            assert event not in rm.allowed_events(before)
            continue
        assert event in rm.allowed_events(before)
        assert before is not RM.CLOSED
        if before is not RM.START:
            assert state is not RM.START
        if state in rm.VALIDATED:
            assert before in rm.VALIDATED | {RM.RECEIVED, RM.INVALID}


def test_the_documented_table_is_the_machines() -> None:
    text = (REPO / "docs" / "protocol.md").read_text(encoding="utf-8")
    section = text.split("## Report Management (RM)", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| `(R\w)` [^|]+\| `(\w+)` \|", section, re.MULTILINE)
    assert set(rows) == set(ROWS)
    assert len(rows) == len(ROWS)
