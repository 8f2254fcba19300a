"""bridge.core.storable: the cheap pre-check never lets an unstorable document through."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from bridge.core.errors import InputError
from bridge.core.jsonload import load_json
from bridge.core.storable import json_may_hold_unstorable, unstorable_field

_TEXT = st.text(alphabet=st.sampled_from(["a", "\x00", "\ud800", "\udfff", "\U0001f600",
                                          "\\", '"', "u", "é"]), max_size=6)
_VALUES = st.recursive(st.none() | st.integers() | _TEXT,
                       lambda children: st.lists(children, max_size=3)
                       | st.dictionaries(_TEXT, children, max_size=3), max_leaves=12)


@given(_VALUES, st.booleans())
def test_a_document_that_decodes_to_unstorable_text_is_always_flagged(value: object,
                                                                      ascii_only: bool) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    try:
        decoded = load_json(raw)
    except InputError:
        return  # raw surrogates are not UTF-8: refused before any storable check
    if unstorable_field(decoded) is not None:
        assert json_may_hold_unstorable(raw)


def test_plain_documents_skip_the_walk_and_escapes_do_not() -> None:
    assert not json_may_hold_unstorable(b'{"a": "\\u00e9 \\uE000 \\\\ [x]"}')
    assert json_may_hold_unstorable(b'{"a": "\\u0000"}')
    assert json_may_hold_unstorable(b'{"\\uD800": 1}')
    assert json_may_hold_unstorable(b'["\\udfff"]')
