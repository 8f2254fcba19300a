"""Concurrent processing keeps inputs that share a key in order and overlaps the rest."""

from __future__ import annotations

import threading
import time

import pytest

from bridge.app.keyed import Keys, run_keyed


def test_unrelated_items_run_at_the_same_time() -> None:
    barrier = threading.Barrier(4, timeout=5)  # broken (an error) unless all four overlap
    done: list[str] = []

    def work(item: str) -> None:
        barrier.wait()
        done.append(item)

    run_keyed(["a", "b", "c", "d"], lambda item: {item}, work, concurrency=4)
    assert sorted(done) == ["a", "b", "c", "d"]


def test_items_sharing_a_key_run_in_order_and_never_overlap() -> None:
    items = [(n, {"case-1"} if n % 2 == 0 else {f"other-{n}", "case-2"}) for n in range(20)]
    events: list[tuple[str, int]] = []
    lock = threading.Lock()

    def work(item: tuple[int, set[str]]) -> None:
        with lock:
            events.append(("start", item[0]))
        time.sleep(0.005)
        with lock:
            events.append(("end", item[0]))

    run_keyed(items, lambda item: item[1], work, concurrency=8)
    for parity in (0, 1):
        group = [n for n, _ in items if n % 2 == parity]
        starts = [n for kind, n in events if kind == "start" and n in group]
        assert starts == group  # in arrival order
        for earlier, later in zip(group, group[1:], strict=False):
            assert events.index(("end", earlier)) < events.index(("start", later))


def test_an_item_sharing_keys_with_two_chains_waits_for_both() -> None:
    order: list[str] = []
    slow = threading.Event()

    def work(item: tuple[str, set[str]]) -> None:
        if item[0] == "a":
            slow.wait(0.2)
        order.append(item[0])

    items = [("a", {"x"}), ("b", {"y"}), ("c", {"x", "y"})]
    run_keyed(items, lambda item: item[1], work, concurrency=3)
    assert order.index("c") > order.index("a") and order.index("c") > order.index("b")


def test_concurrency_one_is_sequential_and_errors_surface() -> None:
    seen: list[int] = []
    run_keyed([1, 2, 3], lambda item: set(), seen.append, concurrency=1)
    assert seen == [1, 2, 3]

    def boom(item: int) -> None:
        if item == 2:
            raise RuntimeError("bug in a handler")
        seen.append(item)

    with pytest.raises(RuntimeError, match="bug in a handler"):
        run_keyed([1, 2, 3], lambda item: set(), boom, concurrency=3)
    assert seen[-2:] in ([1, 3], [3, 1])  # the others still ran


def test_shared_holders_overlap_and_an_exclusive_holder_waits_for_them() -> None:
    barrier = threading.Barrier(2, timeout=5)  # the two issue events must overlap
    order: list[str] = []
    lock = threading.Lock()

    def work(item: tuple[str, Keys]) -> None:
        if item[0] in ("label-1", "label-2"):
            barrier.wait()
            time.sleep(0.02)
        with lock:
            order.append(item[0])

    project = frozenset({"project:p"})
    items = [
        ("label-1", Keys(frozenset({"issue-1"}), project)),
        ("label-2", Keys(frozenset({"issue-2"}), project)),
        ("release", Keys(project)),
        ("label-3", Keys(frozenset({"issue-3"}), project)),
    ]
    run_keyed(items, lambda item: item[1], work, concurrency=4)
    assert set(order[:2]) == {"label-1", "label-2"}
    assert order[2:] == ["release", "label-3"]
