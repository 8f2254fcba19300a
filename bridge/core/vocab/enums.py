"""Vultron enumerations, spelled as the reference server spells them today.

The OpenAPI document of the reference implementation (``components.schemas`` RM, EM, PEC,
CVDRole, CS_vfd, CS_pxa) is the authority for the current spelling. ``coerce_*`` functions
read every spelling seen in the wild (legacy long names, single letters, upper-case roles,
``["V", "f", "d"]`` arrays) and return the current member plus a warning when the input was
not in the current form. They never put the raw input into an error message.
"""

from __future__ import annotations

from enum import StrEnum

from bridge.core.errors import InputError
from bridge.core.quoting import safe_name
from bridge.core.states import cs_names as _cs
from bridge.core.states import em as _em
from bridge.core.states import pec as _pec
from bridge.core.states import rm as _rm

# The protocol's state enums are the state machines' own: one definition each.
RM = _rm.RM
EM = _em.EM
PEC = _pec.PEC
VFD = _cs.VfdState
"""Vendor fix path (reference ``CS_vfd``): Vendor aware, Fix ready, fix Deployed."""
PXA = _cs.PxaState
"""Public state (reference ``CS_pxa``): Public aware, eXploit public, Attacks observed."""


class CVDRole(StrEnum):
    """CVD roles (lower-case on the wire)."""

    FINDER = "finder"
    REPORTER = "reporter"
    VENDOR = "vendor"
    DEPLOYER = "deployer"
    COORDINATOR = "coordinator"
    OBSERVER = "observer"
    CASE_OWNER = "case_owner"
    CASE_MANAGER = "case_manager"
    CVE_NUMBERING_AUTHORITY = "cve_numbering_authority"


_RM_LETTERS = {"S": RM.START, "R": RM.RECEIVED, "I": RM.INVALID, "V": RM.VALID,
               "D": RM.DEFERRED, "A": RM.ACCEPTED, "C": RM.CLOSED}
_EM_LETTERS = {"N": EM.NONE, "P": EM.PROPOSED, "A": EM.ACTIVE, "R": EM.REVISE, "X": EM.EXITED,
               "NO_EMBARGO": EM.NONE}
_LEGACY_ROLES = {"OTHER": CVDRole.OBSERVER}

Coerced = tuple[StrEnum, str | None]


def _bad(field: str, kind: str) -> InputError:
    return InputError(f"{field}: not a known {kind} value")


def coerce_rm(value: object, field: str = "rmState") -> tuple[RM, str | None]:
    if not isinstance(value, str):
        raise _bad(field, "RM state")
    if value in RM.__members__:
        return RM(value), None
    if value.startswith("REPORT_MANAGEMENT_") and value[18:] in RM.__members__:
        return RM(value[18:]), (f"{field}: legacy enum {safe_name(value)}: emit '{value[18:]}' "
                                "(the reference server still reads the long name)")
    if value in _RM_LETTERS:
        member = _RM_LETTERS[value]
        return member, f"{field}: one-letter RM state: emit '{member.value}'"
    raise _bad(field, "RM state")


def coerce_em(value: object, field: str = "emState") -> tuple[EM, str | None]:
    if not isinstance(value, str):
        raise _bad(field, "EM state")
    if value in EM.__members__:
        return EM(value), None
    if value.startswith("EMBARGO_MANAGEMENT_"):
        tail = value[len("EMBARGO_MANAGEMENT_"):]
        if tail in EM.__members__:
            return EM(tail), (f"{field}: legacy enum {safe_name(value)}: emit '{tail}' "
                              "(the reference server still reads the long name)")
    if value in _EM_LETTERS:
        member = _EM_LETTERS[value]
        return member, f"{field}: alternative EM spelling {safe_name(value)}: emit '{member.value}'"
    raise _bad(field, "EM state")


def coerce_pec(value: object, field: str = "emConsentState") -> tuple[PEC, str | None]:
    if isinstance(value, str) and value.upper() in PEC.__members__:
        member = PEC(value.upper())
        note = None if value == member.value else f"{field}: emit '{member.value}'"
        return member, note
    raise _bad(field, "embargo consent")


def coerce_role(value: object, field: str = "caseRoles") -> tuple[CVDRole, str | None]:
    if not isinstance(value, str):
        raise _bad(field, "CVD role")
    if value in CVDRole._value2member_map_:
        return CVDRole(value), None
    upper = value.upper()
    if upper.startswith("CVD_ROLE_"):
        bare = upper[len("CVD_ROLE_"):]
        member = _role_from_name(bare, field)
        return member, (f"{field}: legacy enum {safe_name(value)}: the reference server "
                        f"refuses it; emit '{member.value}'")
    if upper in _LEGACY_ROLES:
        member = _LEGACY_ROLES[upper]
        return member, f"{field}: role {safe_name(value)} was renamed: emit '{member.value}'"
    # Upper-case member names (VENDOR, CASE_OWNER) are what the server itself writes in
    # ParticipantStatus.cvdRole, so they are read silently.
    return _role_from_name(upper, field), None


def _role_from_name(name: str, field: str) -> CVDRole:
    if name in CVDRole.__members__:
        return CVDRole[name]
    if name in _LEGACY_ROLES:
        return _LEGACY_ROLES[name]
    raise _bad(field, "CVD role")




def _word_table(pairs: tuple[tuple[str, str], ...]) -> dict[str, tuple[int, bool]]:
    """``{"VENDOR_AWARE": (0, True), "VENDOR_UNAWARE": (0, False), …}`` from the states'
    own word pairs (``bridge.core.states.cs_names``)."""
    return {word: (pos, bool(upper)) for pos, pair in enumerate(pairs)
            for upper, word in enumerate(pair)}


_VFD_WORDS = _word_table(_cs.VFD_WORDS)
_PXA_WORDS = _word_table(_cs.PXA_WORDS)


def _letters_from_long(value: str, words: dict[str, tuple[int, bool]], letters: str) -> str | None:
    parts = value[3:].split("__") if value.startswith("CS_") else []
    if len(parts) != 3:
        return None
    flags: dict[int, bool] = {}
    for part in parts:
        if part not in words:
            return None
        pos, flag = words[part]
        flags[pos] = flag
    if sorted(flags) != [0, 1, 2]:
        return None
    return "".join(letters[i].upper() if flags[i] else letters[i] for i in range(3))


def _coerce_letters(
    value: object, field: str, kind: str, letters: str,
    words: dict[str, tuple[int, bool]], members: dict[str, StrEnum],
) -> tuple[str, str | None]:
    if isinstance(value, list) and len(value) == 3 and all(isinstance(x, str) for x in value):
        value = "".join(value)  # the OpenAPI schema's array form, e.g. ["V", "f", "d"]
    if not isinstance(value, str):
        raise _bad(field, f"CS {kind}")
    if value in members:
        return value, None
    if value.startswith(f"CS_{kind}."):  # enum repr such as "CS_pxa.Pxa"
        tail = value[len(kind) + 4:]
        if tail in members:
            return tail, f"{field}: enum repr {safe_name(tail)}: emit '{tail}'"
    short = _letters_from_long(value, words, letters)
    if short is not None and short in members:
        return short, (f"{field}: legacy enum {safe_name(value)}: the reference server refuses it; "
                       f"emit '{short}'")
    raise _bad(field, f"CS {kind}")


def coerce_vfd(value: object, field: str = "vfdState") -> tuple[VFD, str | None]:
    letters, note = _coerce_letters(value, field, "vfd", "vfd", _VFD_WORDS,
                                    dict(VFD._value2member_map_))
    return VFD(letters), note


def coerce_pxa(value: object, field: str = "pxaState") -> tuple[PXA, str | None]:
    letters, note = _coerce_letters(value, field, "pxa", "pxa", _PXA_WORDS,
                                    dict(PXA._value2member_map_))
    return PXA(letters), note
