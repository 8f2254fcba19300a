"""Everything a request or a worker needs, built once from the configuration.

Clock, adapters and sender are injectable so tests drive the real code against fakes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bridge.app.supervise import Loops
from bridge.config import BridgeConfig
from bridge.config.schema import TrackerConfig
from bridge.core.effects import TrackerEffect
from bridge.core.errors import ConfigurationError
from bridge.core.retry import RetryPolicy
from bridge.core.rules import RuleSet
from bridge.core.tracker import TrackerAdapter
from bridge.store import db

AdapterFactory = Callable[[str, TrackerConfig], TrackerAdapter]


def build_adapter(name: str, tracker: TrackerConfig) -> TrackerAdapter:
    """The production adapter for a configured tracker (its SDK is imported only here)."""
    from adapters.registry import spec

    return spec(tracker.kind).connect(name, tracker)


@dataclass
class Runtime:
    config: BridgeConfig
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Callable[[], float] = time.time
    adapter_factory: AdapterFactory = build_adapter
    wake_process: threading.Event = field(default_factory=threading.Event)
    """Set when an input was stored: an in-process worker picks it up at once."""
    wake_deliver: threading.Event = field(default_factory=threading.Event)
    """Set when outbox rows were written: an in-process delivery loop sends at once."""
    loops: Loops = field(default_factory=Loops)
    """This process's supervised loops and their heartbeats (``/readyz``)."""
    _adapters: dict[str, TrackerAdapter] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_config(
        cls,
        config: BridgeConfig,
        *,
        migrate: bool = True,
        clock: Callable[[], float] = time.time,
        adapter_factory: AdapterFactory = build_adapter,
    ) -> Runtime:
        engine = db.make_engine(config.database_url)
        if migrate:
            db.migrate(engine)
        return cls(config, engine, db.session_factory(engine), clock=clock,
                   adapter_factory=adapter_factory)

    @cached_property
    def readers(self) -> sessionmaker[Session]:
        """Sessions for reads only: on SQLite they never take the write lock."""
        return db.session_factory(self.engine, readonly=True)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    @property
    def actor_id(self) -> str:
        return f"{self.config.actor.base_url}/actors/{self.config.actor.name}"

    @property
    def policy(self) -> RetryPolicy:
        r = self.config.delivery.retry
        return RetryPolicy(base=r.base, factor=r.factor, cap=r.cap, max_attempts=r.max_attempts)

    def adapter(self, name: str) -> TrackerAdapter:
        """The adapter for a configured tracker name, built on first use."""
        with self._lock:
            if name not in self._adapters:
                tracker = self.config.trackers.get(name)
                if tracker is None:
                    raise ConfigurationError(f"no tracker named {name!r} is configured")
                self._adapters[name] = self.adapter_factory(name, tracker)
            return self._adapters[name]

    def apply_effects(self, tracker: str, effects: Sequence[TrackerEffect]) -> None:
        """``bridge.app.effects.apply_effects`` on this runtime: the applier handed to
        code below the service (``bridge.coord.reconcile``)."""
        from bridge.app.effects import apply_effects

        apply_effects(self, tracker, effects)

    def rules(self, tracker: str) -> RuleSet:
        cfg = self.config.trackers.get(tracker)
        return RuleSet.from_config(
            self.config.rules.labels,
            close_policy=self.config.rules.close_policy,
            bot_login=cfg.bot_login if cfg else None,
            requirements=self.config.publication.requirement_table(),
        )
