"""The safe JSON loader: every refusal is an InputError with a reason that never quotes input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.core.errors import InputError
from bridge.core.jsonload import load_json, nesting_depth

SECRET = "EMBARGOED-DETAIL-4242"


def _reason(data: bytes, **kwargs: int) -> str:
    with pytest.raises(InputError) as info:
        load_json(data, **kwargs)
    assert SECRET not in info.value.reason
    return info.value.reason


def test_loads_an_object() -> None:
    assert load_json(b'{"type": "Offer", "n": [1, 2.5, null, true]}') == {
        "type": "Offer", "n": [1, 2.5, None, True]}


def test_accepts_a_utf8_byte_order_mark() -> None:
    assert load_json('\ufeff{"a": "é"}'.encode()) == {"a": "é"}


def test_refuses_bytes_that_are_not_utf8() -> None:
    assert "not UTF-8" in _reason(b'{"a": "' + SECRET.encode() + b'\xff\xfe"}')


def test_refuses_text_that_is_not_json() -> None:
    reason = _reason(f'{{"a": {SECRET}}}'.encode())
    assert reason.startswith("not JSON") and "line 1" in reason


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_refuses_nan_and_infinity(constant: str) -> None:
    reason = _reason(f'{{"x": {constant}, "s": "{SECRET}"}}'.encode())
    assert "not a JSON number" in reason


def test_refuses_duplicate_keys() -> None:
    assert "duplicate key" in _reason(f'{{"type": "{SECRET}", "type": "Offer"}}'.encode())


def test_refuses_a_body_over_the_size_limit() -> None:
    with pytest.raises(InputError) as info:
        load_json(b" " * 101 + b"{}", max_bytes=100)
    assert info.value.status == 413 and "too large" in info.value.reason


def test_refuses_an_empty_body() -> None:
    assert "empty" in _reason(b"  \n")


def test_refuses_a_number_too_long_to_convert() -> None:
    assert "number is too long" in _reason(b'{"n": ' + b"9" * 5000 + b"}")


@pytest.mark.parametrize("opening,closing", [("[", "]"), ('{"a":', "}")])
def test_refuses_ten_thousand_levels(opening: str, closing: str) -> None:
    deep = (opening * 10_000 + "1" + closing * 10_000).encode()
    assert "nesting too deep" in _reason(deep)


def test_depth_limit_is_exact() -> None:
    assert load_json(b"[" * 64 + b"]" * 64, max_depth=64) == _nested_list(64)
    assert "more than 64" in _reason(b"[" * 65 + b"]" * 65, max_depth=64)


def _nested_list(depth: int) -> object:
    value: list[object] = []
    for _ in range(depth - 1):
        value = [value]
    return value


def test_brackets_inside_strings_do_not_count() -> None:
    text = '{"a": "' + "[{" * 500 + '\\"]]", "b": ["\\\\", "}"]}'
    assert load_json(text.encode(), max_depth=3)["b"] == ["\\", "}"]
    assert nesting_depth(text) == 2


def test_depth_counter_sees_nesting() -> None:
    assert nesting_depth('[{"a": [1, {"b": []}]}]') == 5
    assert nesting_depth('"[[["') == 0


def test_refuses_non_bytes() -> None:
    with pytest.raises(InputError):
        load_json("{}")  # type: ignore[arg-type]


@given(st.binary(max_size=300))
def test_arbitrary_bytes_give_a_value_or_an_input_error(data: bytes) -> None:
    try:
        load_json(data)
    except InputError as exc:
        assert exc.reason


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda children: st.lists(children, max_size=3)
                    | st.dictionaries(st.text(max_size=5), children, max_size=3),
                    max_leaves=20))
def test_any_json_value_loads_back(value: object) -> None:
    import json

    assert load_json(json.dumps(value).encode()) == value


_NESTED = st.recursive(st.integers() | st.text(alphabet="[]{}\"\\ab", max_size=6),
                       lambda children: st.lists(children, max_size=3)
                       | st.dictionaries(st.text(alphabet="[]{}\"a", max_size=3), children,
                                         max_size=3),
                       max_leaves=40)


@given(_NESTED, st.integers(min_value=1, max_value=8))
def test_the_depth_check_agrees_with_the_token_walk(value: object, limit: int) -> None:
    """``load_json`` counts depth on the decoded value (and only when the text has more
    brackets than the limit); it must refuse exactly the documents whose nesting, as a token
    walk of the text counts it (strings skipped), exceeds the limit — brackets and escaped
    quotes inside strings not counted."""
    import json

    text = json.dumps(value)
    if nesting_depth(text) > limit:
        assert f"more than {limit}" in _reason(text.encode(), max_depth=limit)
    else:
        assert load_json(text.encode(), max_depth=limit) == value


@pytest.mark.parametrize("text", ["[[[", "[[[[[[[[]", "]]]]][[[[[", "[{]}" * 3, '{"a": [}'])
def test_unbalanced_brackets_are_not_json_not_a_crash(text: str) -> None:
    assert _reason(text.encode(), max_depth=4)


def test_value_depth_counts_levels_and_stops_past_its_limit() -> None:
    from bridge.core.jsonload import value_depth

    assert value_depth(1) == 0 and value_depth([]) == 1 and value_depth({"a": {}}) == 2
    assert value_depth([1, {"a": [[], {"b": []}]}]) == 5
    assert value_depth(_nested_list(500), limit=10) == 11
