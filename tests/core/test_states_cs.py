"""Case State machine: all 720 orderings, the 70 valid histories, refusals, parsing, properties."""

from __future__ import annotations

from itertools import permutations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.core.errors import InputError, TransitionRefused
from bridge.core.states import cs
from bridge.core.states.cs import CaseState, CSEvent, PxaState, VfdState
from bridge.core.states.cs_names import (
    PXA_LONG_NAMES,
    VFD_LONG_NAMES,
    all_letter_forms,
    parse_pxa,
    parse_vfd,
)
from tests.core.test_states_support import PROPERTY, corpus_values
from tests.paths import REPO

ALL_ORDERINGS = list(permutations(CSEvent))
V, F, D, P, X, A = CSEvent


# The rules, stated here once more on positions (independently of the module):
def _rules_hold(h: tuple[CSEvent, ...]) -> bool:
    i = h.index
    return i(V) < i(F) < i(D) and (i(P) < i(X) or i(P) == i(X) + 1) and (
        i(V) < i(P) or i(V) == i(P) + 1)


def _admitted(h: tuple[CSEvent, ...]) -> bool:
    try:
        cs.run(h)
    except TransitionRefused:
        return False
    return True


def test_there_are_720_orderings_and_the_machine_admits_exactly_70() -> None:
    assert len(ALL_ORDERINGS) == 720
    admitted = [h for h in ALL_ORDERINGS if _admitted(h)]
    assert len(admitted) == 70


@pytest.mark.parametrize("history", ALL_ORDERINGS, ids=lambda h: "".join(h))
def test_each_ordering_is_admitted_iff_it_satisfies_the_rules(
    history: tuple[CSEvent, ...],
) -> None:
    admitted = _admitted(history)
    assert admitted == _rules_hold(history)
    assert admitted == cs.is_valid_history(history)
    if admitted:
        assert cs.history_violations(history) == ()
        assert cs.run(history) == cs.FINAL
    else:
        assert cs.history_violations(history), "a refused history must break a stated rule"


def test_known_histories() -> None:
    assert cs.is_valid_history(cs.parse_history("VFDPXA"))  # the ideal order
    assert cs.is_valid_history(cs.parse_history("XPVFDA"))  # X forces P, P forces V
    assert not cs.is_valid_history(cs.parse_history("XAPVFD"))  # X without P next
    assert not cs.is_valid_history(cs.parse_history("PXVFDA"))  # P without V next
    assert cs.history_violations(cs.parse_history("DFVPXA")) == (
        "V (vendor aware) must precede F (fix ready)",
        "F (fix ready) must precede D (fix deployed)",
    )
    assert cs.history_violations(cs.parse_history("VFDPX")) != ()
    with pytest.raises(InputError, match="not a case history"):
        cs.parse_history("VFQ")


@pytest.mark.parametrize(
    ("start", "event", "expected"),
    [
        ("vfd.pxa", D, "cannot go from vfd.pxa by D: D (fix deployed) needs F (fix ready) first"),
        ("vfd.pxa", F, "cannot go from vfd.pxa by F: F (fix ready) needs V (vendor aware) first"),
        ("Vfd.pxa", V, "cannot go from Vfd.pxa by V: V (vendor aware) has already happened"),
        ("vfd.pXa", A, "cannot go from vfd.pXa by A: an exploit is public (X) and the public "
                       "is not aware: P (public aware) must come next"),
        ("vfd.Pxa", X, "cannot go from vfd.Pxa by X: the public is aware (P) and the vendor "
                       "is not: V (vendor aware) must come next"),
    ],
)
def test_refusals_name_the_states_and_the_rule(start: str, event: CSEvent, expected: str) -> None:
    state = CaseState.from_string(start)
    with pytest.raises(TransitionRefused) as info:
        cs.transition(state, event)
    assert info.value.reason.startswith(expected)
    assert info.value.reason.endswith(f"(allowed now: {', '.join(cs.allowed_events(state))})")


def test_forced_events_are_the_only_ones_allowed() -> None:
    assert cs.allowed_events(CaseState.from_string("vfd.pXa")) == (P,)
    assert cs.allowed_events(CaseState.from_string("vfd.PXa")) == (V,)
    assert cs.allowed_events(CaseState.from_string("VFd.pXA")) == (P,)
    assert cs.allowed_events(cs.INITIAL) == (V, P, X, A)
    assert cs.allowed_events(cs.FINAL) == ()


def test_all_32_states_round_trip_and_are_reachable() -> None:
    states = [CaseState(v, p) for v in VfdState for p in PxaState]
    assert len(states) == 32
    assert cs.reachable_states() == set(states)
    for state in states:
        assert CaseState.from_string(str(state)) == state
        assert CaseState.from_string(state.letters) == state
        assert CaseState.from_events(state.happened) == state
        assert cs.is_reachable(state)


def test_exactly_the_32_possible_letter_forms_parse() -> None:
    parsed = []
    for letters in all_letter_forms():
        try:
            parsed.append(CaseState.from_string(letters))
        except InputError as exc:
            assert "impossible vfd state" in exc.reason
    assert len(all_letter_forms()) == 64
    assert len(set(parsed)) == 32


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("VFd.pXa", "VFd.pXa"), ("VFdpXa", "VFd.pXa"), (" vfd.pxa ", "vfd.pxa"),
        ("CS_VENDOR_AWARE__FIX_READY__NOT_DEPLOYED.CS_PUBLIC_AWARE__EXPLOIT__ATTACKS", "VFd.PXA"),
        ("CS_VENDOR_UNAWARE__NO_FIX__NOT_DEPLOYED.pxa", "vfd.pxa"),
    ],
)
def test_from_string_accepts_letter_and_legacy_forms(text: str, expected: str) -> None:
    assert str(CaseState.from_string(text)) == expected


def test_halves_accept_reference_arrays_and_long_names() -> None:
    assert parse_vfd(["V", "F", "d"]) is VfdState.VFd
    assert parse_pxa(("P", "x", "A")) is PxaState.PxA
    assert VFD_LONG_NAMES[VfdState.VFd] == "CS_VENDOR_AWARE__FIX_READY__NOT_DEPLOYED"
    assert PXA_LONG_NAMES[PxaState.pXa] == "CS_PUBLIC_UNAWARE__EXPLOIT__NO_ATTACKS"
    for state, name in VFD_LONG_NAMES.items():
        assert parse_vfd(name) is state
    for pstate, name in PXA_LONG_NAMES.items():
        assert parse_pxa(name) is pstate
    assert CaseState("Vfd", "pXa") == CaseState(VfdState.Vfd, PxaState.pXa)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "message"),
    [("vFd.pxa", "F (fix ready) needs V"), ("VfD.pxa", "D (fix deployed) needs F"),
     ("VFD.pxq", "not a pxa state"), ("VFDPX", "not a case state"), (42, "not a case state"),
     ("CS_VENDOR_UNAWARE__FIX_READY__NOT_DEPLOYED.pxa", "not a vfd state"),
     ("V" * 300 + ".pxa", "a string of 300 characters")],
)
def test_bad_states_are_refused_clearly(bad: object, message: str) -> None:
    with pytest.raises(InputError) as info:
        CaseState.from_string(bad)
    assert message in info.value.reason
    assert "V" * 60 not in info.value.reason


def test_every_cs_value_in_the_vultron_corpus_parses() -> None:
    vfds = corpus_values("vfdState")
    pxas = corpus_values("pxaState")
    assert len(vfds) >= 20 and len(pxas) >= 10
    assert {parse_vfd(v) for v in vfds} == set(VfdState)
    assert {parse_pxa(v) for v in pxas} == {PxaState.pxa, PxaState.Pxa, PxaState.PXA}


def test_event_names() -> None:
    assert [e.message for e in CSEvent] == ["CV", "CF", "CD", "CP", "CX", "CA"]
    assert D.label == "D (fix deployed)"


VALID_PREFIXES = {
    h[:n] for h in ALL_ORDERINGS if cs.is_valid_history(h) for n in range(len(h) + 1)
}


@PROPERTY
@given(st.lists(st.sampled_from(list(CSEvent)), max_size=12))
def test_random_sequences_reach_only_prefixes_of_valid_histories(events: list[CSEvent]) -> None:
    state = cs.INITIAL
    taken: tuple[CSEvent, ...] = ()
    for event in events:
        before = state
        try:
            state = cs.transition(state, event)
        except TransitionRefused as exc:
            assert state is before
            assert str(before) in exc.reason
            assert event not in cs.allowed_events(before)
            continue
        taken += (event,)
        assert event in cs.allowed_events(before)
        assert state.happened == before.happened | {event}
        assert cs.is_reachable(state)
        assert taken in VALID_PREFIXES
    assert state == CaseState.from_events(taken)


def test_the_documented_list_of_70_histories_is_the_machines() -> None:
    text = (REPO / "docs" / "protocol.md").read_text(encoding="utf-8")
    block = text.split("<!-- cs-histories -->", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    documented = block.split()
    machine = sorted("".join(h) for h in ALL_ORDERINGS if _admitted(h))
    assert documented == machine


def test_the_two_starting_states_are_named_once() -> None:
    """``vfd.pxa`` (nothing known) and ``Vfd.pxa`` (we, the vendor, hold the report) are the
    constants ``INITIAL`` and ``VENDOR_AWARE``, not string literals respelled per module."""
    from bridge.core.states.cs import INITIAL, VENDOR_AWARE

    assert str(INITIAL) == "vfd.pxa"
    assert str(VENDOR_AWARE) == "Vfd.pxa"
    assert VENDOR_AWARE.happened == {CSEvent.V}
