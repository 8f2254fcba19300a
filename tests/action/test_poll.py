"""Outbox paging and the cursor (``bridge.action.poll``) with an in-memory reader."""

from __future__ import annotations

from typing import Any

from bridge.action import poll

ME = "https://vendor.example/actors/vendor"
BASE = "https://peer.example"


class Reader:
    def __init__(self, pages: dict[str, dict[str, Any]]) -> None:
        self.pages = pages
        self.asked: list[str] = []

    def get(self, url: str) -> dict[str, Any]:
        self.asked.append(url)
        return self.pages[url]


def _item(n: int, to: str = ME, actor: str = f"{BASE}/actors/c") -> dict[str, Any]:
    return {"type": "Create", "id": f"{BASE}/a/{n}", "actor": actor, "to": [to]}


def test_inline_collection_oldest_first_and_cursor() -> None:
    reader = Reader({f"{BASE}/outbox": {"type": "OrderedCollection",
                                        "orderedItems": [_item(3), _item(2, to="x"), _item(1)]}})
    cursor: dict[str, Any] = {}
    got = poll.poll(reader, f"{BASE}/outbox", cursor, ME)  # type: ignore[arg-type]
    assert [a["id"] for a in got.activities] == [f"{BASE}/a/1", f"{BASE}/a/3"]
    assert got.ignored_ids == [f"{BASE}/a/2"] and cursor == {}
    poll.remember(cursor, got.ignored_ids + [a["id"] for a in got.activities], 5.0)
    again = poll.poll(reader, f"{BASE}/outbox", cursor, ME)  # type: ignore[arg-type]
    assert again.activities == [] and again.ignored_ids == []


def test_next_page_on_another_origin_is_not_followed() -> None:
    url = f"{BASE}/outbox"
    reader = Reader({url: {"type": "OrderedCollectionPage", "orderedItems": [_item(1)],
                           "next": "https://evil.example/page2"}})
    got = poll.poll(reader, url, {}, ME)  # type: ignore[arg-type]
    assert reader.asked == [url] and "another origin" in got.skipped[0]
    assert len(got.activities) == 1


def test_foreign_actor_and_bare_links_are_skipped() -> None:
    url = f"{BASE}/outbox"
    reader = Reader({url: {"type": "OrderedCollection", "orderedItems": [
        _item(1, actor="https://other.example/actors/m"), f"{BASE}/a/9"]}})
    got = poll.poll(reader, url, {}, ME)  # type: ignore[arg-type]
    assert got.activities == [] and len(got.skipped) == 2
    assert poll.addressed_to({"cc": {"id": ME}}, ME) and not poll.addressed_to({}, ME)
