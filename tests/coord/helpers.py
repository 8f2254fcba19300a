"""Runtimes over a test database, and seeded cases, for the coordinator tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bridge.app.runtime import Runtime
from bridge.config import load_config_text
from bridge.config.schema import TrackerConfig
from bridge.core.tracker import TrackerAdapter
from bridge.store import db, links, state
from tests.store.dbutil import Database

ACTOR = "http://127.0.0.1:8000/actors/vendor"
NOW = 1_750_000_000.0


class Clock:
    def __init__(self, start: float = NOW) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def make_runtime(
    database: Database,
    config: str = "",
    adapters: dict[str, Any] | None = None,
    clock: Callable[[], float] | None = None,
) -> Runtime:
    cfg = load_config_text(config, env={})
    found = adapters or {}

    def factory(name: str, _tracker: TrackerConfig) -> TrackerAdapter:
        return found[name]  # type: ignore[no-any-return]

    return Runtime(cfg, database.engine, database.factory, clock=clock or Clock(),
                   adapter_factory=factory)


def seed_case(
    database: Database,
    case_id: str,
    *,
    em: str = "NONE",
    cs: str = "vfd.pxa",
    embargo_end: float | None = None,
    reports: tuple[str, ...] = (),
    participants: tuple[tuple[str, str], ...] = ((ACTOR, "ACCEPTED"),),
    kind: str = "case",
) -> None:
    with db.transaction(database.factory) as s:
        state.put_case(s, case_id, em_state=em, cs_state=cs, embargo_end=embargo_end,
                       data={"kind": kind, "reports": list(reports)}, now=NOW)
        for actor, rm in participants:
            state.put_participant(s, case_id, actor, rm_state=rm, em_consent=None,
                                  roles=["vendor"], now=NOW)
        for report in reports:
            state.put_case(s, report, em_state=em, cs_state=cs, embargo_end=embargo_end,
                           data={"kind": "report", "case_id": case_id}, now=NOW)


def seed_links(database: Database, subject: str, refs: list[str], relation: str = "tracks",
               ) -> None:
    with db.transaction(database.factory) as s:
        for ref in refs:
            links.add_link(s, subject, ref, relation, "test", NOW)


def put_issue(database: Database, ref: str, **data: Any) -> None:
    with db.transaction(database.factory) as s:
        state.put_object(s, f"issue:{ref}", "TrackerIssue", data, NOW)
