"""Enum spellings: current ones read silently, legacy ones read with a warning, junk refused."""

from __future__ import annotations

import json

import pytest

from bridge.core.errors import InputError
from bridge.core.vocab.enums import (
    EM,
    PEC,
    PXA,
    RM,
    VFD,
    CVDRole,
    coerce_em,
    coerce_pec,
    coerce_pxa,
    coerce_rm,
    coerce_role,
    coerce_vfd,
)
from tests.paths import CONTRACTS


def _schemas() -> dict[str, dict[str, object]]:
    spec = json.loads((CONTRACTS / "vultron-server-openapi.json").read_text(encoding="utf-8"))
    return spec["components"]["schemas"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("name,enum", [("RM", RM), ("EM", EM), ("PEC", PEC), ("CVDRole", CVDRole)])
def test_enum_values_are_the_reference_openapi_spelling(name: str, enum: type) -> None:
    assert {m.value for m in enum} == set(_schemas()[name]["enum"])  # type: ignore[arg-type]


@pytest.mark.parametrize("name,enum", [("CS_vfd", VFD), ("CS_pxa", PXA)])
def test_letter_enums_match_the_openapi_arrays(name: str, enum: type) -> None:
    arrays = _schemas()[name]["enum"]
    assert {"".join(a) for a in arrays} == {m.value for m in enum}  # type: ignore[union-attr]


@pytest.mark.parametrize("raw,expected", [
    ("CS_VENDOR_AWARE__NO_FIX__NOT_DEPLOYED", VFD.Vfd),
    ("CS_VENDOR_UNAWARE__NO_FIX__NOT_DEPLOYED", VFD.vfd),
    ("CS_VENDOR_AWARE__FIX_READY__NOT_DEPLOYED", VFD.VFd),
    ("CS_VENDOR_AWARE__FIX_READY__FIX_DEPLOYED", VFD.VFD),
])
def test_legacy_vfd_names(raw: str, expected: VFD) -> None:
    value, warning = coerce_vfd(raw)
    assert value is expected
    assert warning and "refuses" in warning and f"emit '{expected.value}'" in warning


@pytest.mark.parametrize("raw,expected", [
    ("CS_PUBLIC_AWARE__NO_EXPLOIT__NO_ATTACKS", PXA.Pxa),
    ("CS_PUBLIC_UNAWARE__NO_EXPLOIT__NO_ATTACKS", PXA.pxa),
    ("CS_PUBLIC_AWARE__EXPLOIT__ATTACKS", PXA.PXA),
    ("CS_PUBLIC_UNAWARE__NO_EXPLOIT__ATTACKS", PXA.pxA),
])
def test_legacy_pxa_names(raw: str, expected: PXA) -> None:
    assert coerce_pxa(raw)[0] is expected


def test_current_letters_and_arrays_read_silently() -> None:
    assert coerce_vfd("Vfd") == (VFD.Vfd, None)
    assert coerce_vfd(["V", "F", "d"]) == (VFD.VFd, None)
    assert coerce_pxa("pXA") == (PXA.pXA, None)


def test_enum_repr_form_is_read() -> None:
    value, warning = coerce_pxa("CS_pxa.Pxa")
    assert value is PXA.Pxa and warning


@pytest.mark.parametrize("raw", ["vFd", "VfD", "CS_VENDOR_AWARE__NO_FIX", "xyz", 3, None])
def test_impossible_vfd_values_are_refused(raw: object) -> None:
    with pytest.raises(InputError) as info:
        coerce_vfd(raw, "object.vfdState")
    assert info.value.reason == "object.vfdState: not a known CS vfd value"


def test_rm_spellings() -> None:
    assert coerce_rm("RECEIVED") == (RM.RECEIVED, None)
    value, warning = coerce_rm("REPORT_MANAGEMENT_RECEIVED")
    assert value is RM.RECEIVED and warning and "still reads" in warning
    assert coerce_rm("V")[0] is RM.VALID
    with pytest.raises(InputError):
        coerce_rm("REPORT_MANAGEMENT_BOGUS")


def test_em_spellings() -> None:
    assert coerce_em("ACTIVE") == (EM.ACTIVE, None)
    assert coerce_em("EMBARGO_MANAGEMENT_NONE")[0] is EM.NONE
    assert coerce_em("EMBARGO_MANAGEMENT_EXITED")[0] is EM.EXITED
    assert coerce_em("X")[0] is EM.EXITED
    with pytest.raises(InputError):
        coerce_em(["ACTIVE"])


@pytest.mark.parametrize("raw,expected,warns", [
    ("vendor", CVDRole.VENDOR, False),
    ("VENDOR", CVDRole.VENDOR, False),
    ("CASE_OWNER", CVDRole.CASE_OWNER, False),
    ("CVD_ROLE_VENDOR", CVDRole.VENDOR, True),
    ("CVD_ROLE_FINDER", CVDRole.FINDER, True),
    ("OTHER", CVDRole.OBSERVER, True),
])
def test_role_spellings(raw: str, expected: CVDRole, warns: bool) -> None:
    value, warning = coerce_role(raw)
    assert value is expected and bool(warning) is warns


def test_unknown_role_is_refused_without_echo() -> None:
    with pytest.raises(InputError) as info:
        coerce_role("CVD_ROLE_SECRET_SAUCE", "caseRoles[0]")
    assert "SECRET" not in info.value.reason and "caseRoles[0]" in info.value.reason


def test_consent_spelling() -> None:
    assert coerce_pec("SIGNATORY") == (PEC.SIGNATORY, None)
    assert coerce_pec("signatory")[0] is PEC.SIGNATORY
    with pytest.raises(InputError):
        coerce_pec("MAYBE")


def test_letter_properties() -> None:
    assert VFD.VFd.vendor_aware and VFD.VFd.fix_ready and not VFD.VFd.fix_deployed
    assert PXA.pXA.exploit_public and PXA.pXA.attacks_observed and not PXA.pXA.public_aware


def test_the_wire_cs_enums_are_the_state_machines_own() -> None:
    """One definition of the vfd / pxa forms (issue 20): the vocabulary names the states'
    enums, it does not restate them, and the legacy long names come from one word table."""
    from bridge.core.states.cs_names import PXA_LONG_NAMES, VFD_LONG_NAMES, PxaState, VfdState
    from bridge.core.vocab.enums import coerce_pxa, coerce_vfd

    assert VFD is VfdState and PXA is PxaState
    assert VfdState.VFd.fix_ready and not VfdState.VFd.fix_deployed
    assert PxaState.pXa.exploit_public and not PxaState.pXa.public_aware
    for state, name in VFD_LONG_NAMES.items():
        assert coerce_vfd(name)[0] is state
    for pstate, name in PXA_LONG_NAMES.items():
        assert coerce_pxa(name)[0] is pstate
