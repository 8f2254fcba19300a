"""Case State names: the six events, the vfd / pxa letter forms and their legacy long names.

Letter forms are the reference server's ``CS_vfd`` / ``CS_pxa`` enum names: upper case means
the event happened (``V`` vendor aware, ``F`` fix ready, ``D`` fix deployed, ``P`` public
aware, ``X`` exploit public, ``A`` attacks observed). The reference implementation (and so
this module) has only the four possible vfd forms: ``vfd``, ``Vfd``, ``VFd``, ``VFD``.
Older Vultron documents spell them ``CS_VENDOR_AWARE__FIX_READY__NOT_DEPLOYED`` and
``CS_PUBLIC_AWARE__NO_EXPLOIT__NO_ATTACKS``; the OpenAPI lists them as letter arrays
(``["V", "f", "d"]``). :func:`parse_vfd` and :func:`parse_pxa` accept all three.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from itertools import product

from bridge.core.errors import InputError
from bridge.core.states.common import shown


class CSEvent(StrEnum):
    """The six case events, each happening at most once per case."""

    V = "V"
    F = "F"
    D = "D"
    P = "P"
    X = "X"
    A = "A"

    @property
    def meaning(self) -> str:
        return MEANING[self]

    @property
    def message(self) -> str:
        """The CS message shorthand that reports it: ``CV``, ``CF``, ... ``CA``."""
        return f"C{self.value}"

    @property
    def label(self) -> str:
        """``"D (fix deployed)"``, for messages."""
        return f"{self.value} ({MEANING[self]})"


MEANING: dict[CSEvent, str] = {
    CSEvent.V: "vendor aware",
    CSEvent.F: "fix ready",
    CSEvent.D: "fix deployed",
    CSEvent.P: "public aware",
    CSEvent.X: "exploit public",
    CSEvent.A: "attacks observed",
}

VFD_EVENTS = (CSEvent.V, CSEvent.F, CSEvent.D)
PXA_EVENTS = (CSEvent.P, CSEvent.X, CSEvent.A)


class VfdState(StrEnum):
    """The vendor fix path (reference ``CS_vfd``): only the four possible forms."""

    vfd = "vfd"
    Vfd = "Vfd"
    VFd = "VFd"
    VFD = "VFD"

    @property
    def vendor_aware(self) -> bool:
        return self.value[0] == "V"

    @property
    def fix_ready(self) -> bool:
        return self.value[1] == "F"

    @property
    def fix_deployed(self) -> bool:
        return self.value[2] == "D"


class PxaState(StrEnum):
    """The public side (reference ``CS_pxa``): all eight combinations."""

    pxa = "pxa"
    Pxa = "Pxa"
    pXa = "pXa"
    pxA = "pxA"
    PXa = "PXa"
    PxA = "PxA"
    pXA = "pXA"
    PXA = "PXA"

    @property
    def public_aware(self) -> bool:
        return self.value[0] == "P"

    @property
    def exploit_public(self) -> bool:
        return self.value[1] == "X"

    @property
    def attacks_observed(self) -> bool:
        return self.value[2] == "A"


def _long_name(words: Sequence[tuple[str, str]], letters: str) -> str:
    return "CS_" + "__".join(pair[ch.isupper()] for pair, ch in zip(words, letters, strict=True))


VFD_WORDS = (
    ("VENDOR_UNAWARE", "VENDOR_AWARE"),
    ("NO_FIX", "FIX_READY"),
    ("NOT_DEPLOYED", "FIX_DEPLOYED"),
)
"""The legacy long names' words, per letter position: (lower-case word, upper-case word)."""
PXA_WORDS = (
    ("PUBLIC_UNAWARE", "PUBLIC_AWARE"),
    ("NO_EXPLOIT", "EXPLOIT"),
    ("NO_ATTACKS", "ATTACKS"),
)

VFD_LONG_NAMES: dict[VfdState, str] = {s: _long_name(VFD_WORDS, s.value) for s in VfdState}
"""``VfdState.VFd -> "CS_VENDOR_AWARE__FIX_READY__NOT_DEPLOYED"`` and so on."""
PXA_LONG_NAMES: dict[PxaState, str] = {s: _long_name(PXA_WORDS, s.value) for s in PxaState}
"""``PxaState.Pxa -> "CS_PUBLIC_AWARE__NO_EXPLOIT__NO_ATTACKS"`` and so on."""

_VFD_BY_LONG = {name: state for state, name in VFD_LONG_NAMES.items()}
_PXA_BY_LONG = {name: state for state, name in PXA_LONG_NAMES.items()}


def _letters(value: object, what: str) -> str:
    """A three-letter form from a string or a sequence of three one-letter strings."""
    if isinstance(value, str):
        return value.strip()
    if (
        isinstance(value, Sequence)
        and len(value) == 3
        and all(isinstance(c, str) and len(c) == 1 for c in value)
    ):
        return "".join(value)
    raise InputError(f"{shown(value)} is not a {what} state")


def parse_vfd(value: object) -> VfdState:
    """``"VFd"``, ``["V", "F", "d"]`` or ``"CS_VENDOR_AWARE__FIX_READY__NOT_DEPLOYED"``."""
    if isinstance(value, VfdState):
        return value
    text = _letters(value, "vfd")
    if text in _VFD_BY_LONG:
        return _VFD_BY_LONG[text]
    if text in VfdState.__members__:
        return VfdState[text]
    if len(text) == 3 and all(a.lower() == b for a, b in zip(text, "vfd", strict=True)):
        if text[1] == "F" and text[0] == "v":
            raise InputError(f"impossible vfd state {text}: F (fix ready) needs V (vendor aware)")
        raise InputError(f"impossible vfd state {text}: D (fix deployed) needs F (fix ready)")
    raise InputError(
        f"{shown(value)} is not a vfd state; expected one of "
        + ", ".join(s.value for s in VfdState)
        + " or a CS_VENDOR_… long name"
    )


def parse_pxa(value: object) -> PxaState:
    """``"pXa"``, ``["p", "X", "a"]`` or ``"CS_PUBLIC_UNAWARE__EXPLOIT__NO_ATTACKS"``."""
    if isinstance(value, PxaState):
        return value
    text = _letters(value, "pxa")
    if text in _PXA_BY_LONG:
        return _PXA_BY_LONG[text]
    if text in PxaState.__members__:
        return PxaState[text]
    raise InputError(
        f"{shown(value)} is not a pxa state; expected one of "
        + ", ".join(s.value for s in PxaState)
        + " or a CS_PUBLIC_… long name"
    )


def all_letter_forms() -> tuple[str, ...]:
    """Every six-letter combination (64), possible or not, for tests and docs."""
    return tuple("".join(c) for c in product(*(("v", "V"), ("f", "F"), ("d", "D"),
                                                 ("p", "P"), ("x", "X"), ("a", "A"))))
