"""Run work items concurrently while items that share a key keep their order.

The processing worker claims a batch of inputs and hands them to ``run_keyed``: each input
carries the keys of what it touches (the protocol objects it names, the tracker project and
the cases and reports linked to its issues). An input starts only after every earlier input
of the batch sharing one of its keys has finished, so two messages about one case are handled
in the order they arrived, while inputs about unrelated reports overlap their tracker calls.

No deadlock: the pool takes tasks first in, first out and a task only waits for tasks
submitted before it, which have therefore started already (or finished).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")


def _after(before: Collection[Future[None]], work: Callable[[T], None], item: T) -> None:
    if before:
        wait(before)
    work(item)


def run_keyed(
    items: Sequence[T],
    keys: Callable[[T], Collection[str]],
    work: Callable[[T], None],
    *,
    concurrency: int,
    name: str = "process",
) -> None:
    """``work(item)`` for every item, at most ``concurrency`` at once, items sharing a key in
    order. ``work`` is expected to handle its own errors; one that escapes is raised here
    once every item has run."""
    if concurrency <= 1 or len(items) <= 1:
        for item in items:
            work(item)
        return
    last: dict[str, Future[None]] = {}
    futures: list[Future[None]] = []
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items)),
                            thread_name_prefix=name) as pool:
        for item in items:
            item_keys = set(keys(item))
            before = {last[k] for k in item_keys if k in last}
            future = pool.submit(_after, before, work, item)
            for key in item_keys:
                last[key] = future
            futures.append(future)
    for future in futures:
        future.result()
