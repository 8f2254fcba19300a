"""Helpers shared by the state-machine tests: corpus value collection, hypothesis settings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, settings

from tests.paths import VULTRON_CORPUS

PROPERTY = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def corpus_values(field: str) -> list[Any]:
    """Every value of ``field`` anywhere in the Vultron corpus JSON files (bodies included)."""
    found: list[Any] = []
    for path in sorted(VULTRON_CORPUS.rglob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        found.extend(value for key, value in _walk(document) if key == field)
    return found


def test_the_corpus_walk_finds_state_fields_in_bodies_and_examples() -> None:
    # Both the legacy examples and the reference server's captured bodies carry states.
    assert "REPORT_MANAGEMENT_RECEIVED" in corpus_values("rmState")
    assert "RECEIVED" in corpus_values("rmState")
    assert len(corpus_values("vfdState")) >= 20
