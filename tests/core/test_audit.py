"""The audit hash chain: canonical form, hashing, and detection of every kind of tampering."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.core.audit import (
    GENESIS,
    canonical_json,
    chain,
    entry_hash,
    link_ok,
    verify_chain,
)


def _entries(n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        entry = chain(prev, {"seq": seq, "at": 1000.0 + seq, "kind": "test",
                             "subject": f"s{seq % 3}", "data": {"n": seq, "ü": [1, 2.5]}})
        out.append(entry)
        prev = entry["hash"]
    return out


def test_canonical_json_sorts_keys_and_drops_spaces() -> None:
    a = canonical_json({"seq": 1, "at": 2.0, "kind": "k", "subject": None,
                        "data": {"b": 1, "a": 2}})
    b = canonical_json({"data": {"a": 2, "b": 1}, "subject": None, "kind": "k", "at": 2.0,
                        "seq": 1})
    assert a == b == '{"at":2.0,"data":{"a":2,"b":1},"kind":"k","seq":1,"subject":null}'


def test_canonical_json_ignores_extra_keys_but_needs_every_hashed_field() -> None:
    base = {"seq": 1, "at": 2.0, "kind": "k", "subject": None, "data": {}}
    assert canonical_json({**base, "hash": "x", "prev_hash": "y"}) == canonical_json(base)
    with pytest.raises(ValueError, match="lacks data"):
        canonical_json({"seq": 1, "at": 2.0, "kind": "k", "subject": None})


def test_canonical_json_refuses_nan() -> None:
    with pytest.raises(ValueError):
        canonical_json({"seq": 1, "at": float("nan"), "kind": "k", "subject": None, "data": {}})


def test_entry_hash_is_sha256_of_prev_and_canonical_text() -> None:
    entry = {"seq": 1, "at": 2.0, "kind": "k", "subject": "s", "data": {"x": "ü"}}
    expected = hashlib.sha256((GENESIS + "\n" + canonical_json(entry)).encode()).hexdigest()
    assert entry_hash(GENESIS, entry) == expected
    assert len(expected) == 64
    assert entry_hash("1" * 64, entry) != expected


def test_an_intact_chain_verifies() -> None:
    entries = _entries(10)
    assert verify_chain(entries) is None
    assert verify_chain([]) is None
    assert entries[0]["prev_hash"] == GENESIS
    assert all(entries[i]["prev_hash"] == entries[i - 1]["hash"] for i in range(1, 10))


def test_editing_data_is_detected_at_that_entry() -> None:
    entries = _entries(10)
    entries[4] = {**entries[4], "data": {"n": 999}}
    assert verify_chain(entries) == 4


def test_editing_an_entry_and_rehashing_it_breaks_the_next_link() -> None:
    entries = _entries(10)
    forged = chain(entries[3]["hash"], {**entries[4], "kind": "forged"})
    entries[4] = forged
    assert verify_chain(entries) == 5


def test_deleting_an_entry_is_detected() -> None:
    entries = _entries(10)
    del entries[6]
    assert verify_chain(entries) == 6


def test_reordering_is_detected() -> None:
    entries = _entries(5)
    entries[1], entries[2] = entries[2], entries[1]
    assert verify_chain(entries) == 1


def test_a_suffix_verifies_from_its_predecessor() -> None:
    entries = _entries(8)
    assert verify_chain(entries[5:], start_seq=6, start_hash=entries[4]["hash"]) is None
    assert verify_chain(entries[5:]) == 0


def test_link_ok_is_false_for_garbage() -> None:
    assert not link_ok(1, GENESIS, {"seq": 1})
    assert not link_ok(1, GENESIS, {"seq": 1, "prev_hash": GENESIS, "hash": "x", "at": 1.0,
                                   "kind": "k", "subject": None, "data": {"f": float("inf")}})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10,
)


@given(
    datas=st.lists(st.dictionaries(st.text(max_size=5), json_values, max_size=3),
                   min_size=1, max_size=8),
    victim=st.integers(min_value=0),
)
def test_any_change_to_any_entry_is_detected(datas: list[dict[str, Any]], victim: int) -> None:
    entries, prev = [], GENESIS
    for seq, data in enumerate(datas, start=1):
        entries.append(chain(prev, {"seq": seq, "at": float(seq), "kind": "k",
                                    "subject": None, "data": data}))
        prev = entries[-1]["hash"]
    assert verify_chain(entries) is None
    i = victim % len(entries)
    entries[i] = {**entries[i], "data": {**entries[i]["data"], "\x00tampered": True}}
    assert verify_chain(entries) == i
