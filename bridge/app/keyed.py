"""Run work items concurrently while items that share a key keep their order.

The processing worker claims a batch of inputs and hands them to ``run_keyed``: each input
carries the keys of what it touches (the protocol objects it names, the tracker project and
the cases and reports linked to its issues). An input starts only after every earlier input
of the batch sharing one of its keys has finished, so two messages about one case are handled
in the order they arrived, while inputs about unrelated reports overlap their tracker calls.

A key can also be held *shared*: holders of a shared key overlap one another, but wait for
the last earlier exclusive holder, and the next exclusive holder waits for all of them (a
project-wide webhook event waits for the issue events of that project before it, which may
run side by side).

No deadlock: the pool takes tasks first in, first out and a task only waits for tasks
submitted before it, which have therefore started already (or finished).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Keys:
    """What one item touches: ``exclusive`` keys order it against every other holder,
    ``shared`` keys only against exclusive holders."""

    exclusive: frozenset[str] = frozenset()
    shared: frozenset[str] = frozenset()


@dataclass
class _Chain:
    exclusive: Future[None] | None = None
    shared: list[Future[None]] = field(default_factory=list)
    """Shared holders since the last exclusive one."""


def _prerequisites(chains: dict[str, _Chain], keys: Keys) -> set[Future[None]]:
    before: set[Future[None]] = set()
    for key in keys.exclusive | keys.shared:
        chain = chains.get(key)
        if chain is None:
            continue
        if chain.exclusive is not None:
            before.add(chain.exclusive)
        if key in keys.exclusive:
            before.update(chain.shared)
    return before


def _register(chains: dict[str, _Chain], keys: Keys, future: Future[None]) -> None:
    for key in keys.exclusive:
        chains[key] = _Chain(exclusive=future)
    for key in keys.shared - keys.exclusive:
        chains.setdefault(key, _Chain()).shared.append(future)


def _after(before: Collection[Future[None]], work: Callable[[T], None], item: T) -> None:
    if before:
        wait(before)
    work(item)


def run_keyed(
    items: Sequence[T],
    keys: Callable[[T], Keys | Collection[str]],
    work: Callable[[T], None],
    *,
    concurrency: int,
    name: str = "process",
) -> None:
    """``work(item)`` for every item, at most ``concurrency`` at once, items sharing a key in
    order (``keys`` may return plain strings: all exclusive). ``work`` is expected to handle
    its own errors; one that escapes is raised here once every item has run."""
    if concurrency <= 1 or len(items) <= 1:
        for item in items:
            work(item)
        return
    chains: dict[str, _Chain] = {}
    futures: list[Future[None]] = []
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items)),
                            thread_name_prefix=name) as pool:
        for item in items:
            found = keys(item)
            item_keys = found if isinstance(found, Keys) else Keys(frozenset(found))
            future = pool.submit(_after, _prerequisites(chains, item_keys), work, item)
            _register(chains, item_keys, future)
            futures.append(future)
    for future in futures:
        future.result()
