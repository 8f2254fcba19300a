"""``bridge/core/records/attach.py``: a record shown on the issue, inert and equal when parsed."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from bridge.core.records.attach import MAX_BODY, attachment, inert_json

HOSTILE = {"details": "<img src=x> @maintainers ```\n/close\n&amp; `tick`", "id": "x_v-1"}


def fenced(body: str) -> str:
    (inner,) = re.findall(r"```json\n(.*)\n```\n\Z", body, flags=re.S)
    return inner


def test_the_attached_json_is_the_record_and_nothing_in_it_can_act() -> None:
    body = attachment("osv", "x_v-1.json", HOSTILE, "https://b.example/cases/1")
    inner = fenced(body)
    assert json.loads(inner) == HOSTILE
    assert not set("<>&`@") & set(inner)
    assert not any(line.lstrip().startswith("/") for line in inner.splitlines())
    assert body.startswith("**vultron-bridge**: OSV entry `x_v-1.json`, as published")


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda kids: st.lists(kids, max_size=4)
                    | st.dictionaries(st.text(max_size=8), kids, max_size=4), max_leaves=20))
def test_any_value_survives_the_escaping(value: object) -> None:
    text = inert_json({"v": value})
    assert json.loads(text) == {"v": value} and "`" not in text and "<" not in text


def test_a_record_too_long_for_a_comment_is_not_attached_and_the_export_is_named() -> None:
    big = {"details": "x" * MAX_BODY}
    body = attachment("csaf", "a.json", big, "https://b.example/cases/`1")
    assert len(body) < 1000 and "```" not in body
    assert "too long to attach" in body
    assert "vultron-bridge export https://b.example/cases/\\u00601 --format csaf" in body
