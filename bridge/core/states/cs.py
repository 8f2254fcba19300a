"""Case State (CS): vfd × pxa, the six case events and the rules on their order.

A :class:`CaseState` is a vendor-fix-path state (``vfd``, ``Vfd``, ``VFd``, ``VFD``) and a
public-side state (``pxa`` … ``PXA``); written ``"VFd.pXa"``. Each event ``V F D P X A``
happens at most once. :func:`transition` enforces, step by step, the rules of the
Householder & Spring (2021) MPCVD model, as in the Vultron reference implementation
(``vultron/case_states/validations.py``):

1. **V before F before D** — a fix is ready only once the vendor is aware, deployed only once
   ready (so ``vF…`` and ``…fD`` states cannot occur).
2. **X forces P** — once an exploit is public (``pX``), the public becomes aware next: the
   only event allowed from a ``…pX.`` state is ``P``.
3. **P forces V** — once the public is aware and the vendor is not (``v..P..``), the vendor
   becomes aware next: the only event allowed from a ``v..P..`` state is ``V``.

As whole histories (permutations of the six events) these read: ``V < F < D``; ``P < X`` or
``X`` immediately followed by ``P``; ``V < P`` or ``P`` immediately followed by ``V``. They
admit exactly **70** of the 720 orderings, the paper's count; :func:`history_violations`
states them declaratively and the tests check that the machine agrees on all 720.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from bridge.core.errors import InputError, TransitionRefused
from bridge.core.states.common import shown
from bridge.core.states.cs_names import (
    PXA_EVENTS,
    VFD_EVENTS,
    CSEvent,
    PxaState,
    VfdState,
    parse_pxa,
    parse_vfd,
)

EVENTS: tuple[CSEvent, ...] = tuple(CSEvent)
"""``V F D P X A``, the order of letters in a state."""

_V, _F, _D, _P, _X, _A = EVENTS


@dataclass(frozen=True, slots=True)
class CaseState:
    """One case state. Strings are accepted for both halves (see :func:`parse_vfd`)."""

    vfd: VfdState = VfdState.vfd
    pxa: PxaState = PxaState.pxa

    def __post_init__(self) -> None:
        object.__setattr__(self, "vfd", parse_vfd(self.vfd))
        object.__setattr__(self, "pxa", parse_pxa(self.pxa))

    def __str__(self) -> str:
        return f"{self.vfd.value}.{self.pxa.value}"

    @property
    def letters(self) -> str:
        """The six-letter form, ``"VFdpXa"``."""
        return self.vfd.value + self.pxa.value

    @property
    def happened(self) -> frozenset[CSEvent]:
        """The events that have happened (the upper-case letters)."""
        return frozenset(e for e, ch in zip(EVENTS, self.letters, strict=True) if ch.isupper())

    def has(self, event: CSEvent) -> bool:
        return event in self.happened

    @classmethod
    def from_string(cls, value: object) -> CaseState:
        """Read ``"VFd.pXa"``, ``"VFdpXa"`` or ``"<vfd long name>.<pxa long name>"``."""
        if not isinstance(value, str):
            raise InputError(f"{shown(value)} is not a case state")
        text = value.strip()
        if "." in text:
            vfd, _, pxa = text.partition(".")
        elif len(text) == 6:
            vfd, pxa = text[:3], text[3:]
        else:
            raise InputError(
                f"{shown(value)} is not a case state; expected a form like 'VFd.pXa'"
            )
        return cls(parse_vfd(vfd), parse_pxa(pxa))

    @classmethod
    def from_events(cls, events: Iterable[CSEvent]) -> CaseState:
        """The state in which exactly ``events`` have happened (order is not checked)."""
        done = set(events)
        letters = "".join(e.value if e in done else e.value.lower() for e in EVENTS)
        return cls(parse_vfd(letters[:3]), parse_pxa(letters[3:]))


INITIAL = CaseState()
"""``vfd.pxa``: nothing has happened (a case known only by hearsay)."""
VENDOR_AWARE = CaseState(VfdState.Vfd)
"""``Vfd.pxa``: where a case the bridge holds a report in starts (we, the vendor, know of it)."""
FINAL = CaseState(VfdState.VFD, PxaState.PXA)
INITIAL_CS = str(INITIAL)
VENDOR_AWARE_CS = str(VENDOR_AWARE)
"""The two starting states as stored (``cases.cs_state``)."""


def refusal(state: CaseState, event: CSEvent) -> str | None:
    """Why ``event`` may not happen in ``state``, or ``None`` if it may."""
    done = state.happened
    if event in done:
        return f"{event.label} has already happened; each case event happens once"
    if _X in done and _P not in done and event is not _P:
        return f"an exploit is public (X) and the public is not aware: {_P.label} must come next"
    if _P in done and _V not in done and event is not _V:
        return f"the public is aware (P) and the vendor is not: {_V.label} must come next"
    if event is _F and _V not in done:
        return f"{_F.label} needs {_V.label} first"
    if event is _D and _F not in done:
        return f"{_D.label} needs {_F.label} first"
    return None


def transition(state: CaseState, event: CSEvent) -> CaseState:
    """The state after ``event``; :class:`~bridge.core.errors.TransitionRefused` if not allowed.

    >>> str(transition(CaseState.from_string("Vfd.pxa"), CSEvent.F))
    'VFd.pxa'
    """
    reason = refusal(state, event)
    if reason is not None:
        allowed = ", ".join(allowed_events(state)) or "none"
        raise TransitionRefused(
            f"cannot go from {state} by {event}: {reason} (allowed now: {allowed})"
        )
    return CaseState.from_events(state.happened | {event})


def allowed_events(state: CaseState) -> tuple[CSEvent, ...]:
    """The events :func:`transition` accepts in ``state``, in ``V F D P X A`` order."""
    return tuple(e for e in EVENTS if refusal(state, e) is None)


def run(events: Iterable[CSEvent], start: CaseState = INITIAL) -> CaseState:
    """Apply ``events`` in order from ``start``; the first refused one raises."""
    state = start
    for event in events:
        state = transition(state, event)
    return state


@cache
def reachable_states() -> frozenset[CaseState]:
    """Every state some allowed sequence of events from ``vfd.pxa`` ends in (all 32)."""
    frontier = {INITIAL}
    seen = set(frontier)
    while frontier:
        nxt = {transition(s, e) for s in frontier for e in allowed_events(s)}
        frontier = nxt - seen
        seen |= nxt
    return frozenset(seen)


def is_reachable(state: CaseState) -> bool:
    """Whether some allowed sequence of events from ``vfd.pxa`` ends in ``state``."""
    return state in reachable_states()


def history_violations(history: Sequence[CSEvent]) -> tuple[str, ...]:
    """The rules a complete history (all six events, once each) breaks; empty if valid.

    Stated on positions, independently of :func:`transition`:
    ``V < F``, ``F < D``, ``P < X or P = X + 1``, ``V < P or V = P + 1``.
    """
    if sorted(history) != sorted(EVENTS):
        return ("a complete history has each of V, F, D, P, X, A exactly once",)
    at = {e: i for i, e in enumerate(history)}
    broken = []
    if at[_V] > at[_F]:
        broken.append("V (vendor aware) must precede F (fix ready)")
    if at[_F] > at[_D]:
        broken.append("F (fix ready) must precede D (fix deployed)")
    if at[_P] - at[_X] > 1:
        broken.append("P (public aware) must precede X (exploit public) or follow it at once")
    if at[_V] - at[_P] > 1:
        broken.append("V (vendor aware) must precede P (public aware) or follow it at once")
    return tuple(broken)


def is_valid_history(history: Sequence[CSEvent]) -> bool:
    return not history_violations(history)


def parse_history(text: str) -> tuple[CSEvent, ...]:
    """``"VFDPXA"`` as events; :class:`~bridge.core.errors.InputError` on any other letter."""
    try:
        return tuple(CSEvent(ch) for ch in text.strip())
    except ValueError:
        raise InputError(
            f"{shown(text)} is not a case history; use the letters V, F, D, P, X, A"
        ) from None


__all__ = [
    "EVENTS", "FINAL", "INITIAL", "INITIAL_CS", "PXA_EVENTS", "VENDOR_AWARE", "VENDOR_AWARE_CS",
    "VFD_EVENTS", "CSEvent",
    "CaseState", "PxaState", "VfdState", "allowed_events", "history_violations", "is_reachable",
    "is_valid_history", "parse_history", "reachable_states", "refusal", "run", "transition",
]
