"""Building one run: configuration (the service's schema), GitHub client, throwaway store.

The configuration file is the service's (``bridge.config``); the action fills in what the
workflow knows: the ``github`` tracker (API URL and token from the run), the actor key from
the ``actor-key`` input, the store (a fresh SQLite file under ``$RUNNER_TEMP``) and, when no
``destinations.default`` is configured, the repository itself: a draft advisory when it is
public, an issue when it is private.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from adapters.github.adapter import GitHubAdapter
from adapters.github.client import make_github
from adapters.github.session import Session
from bridge.action.adapter import ActionAdapter, Journal
from bridge.action.env import ActionEnv, config_env
from bridge.action.homes import Homes
from bridge.action.seal import sealer
from bridge.action.statestore import StateStore
from bridge.action.summary import Report
from bridge.app.runtime import Runtime, build_adapter
from bridge.config import BridgeConfig, load_config
from bridge.config.schema import ActorConfig, DestinationConfig, TrackerConfig
from bridge.core.effects import Destination, DestinationMode
from bridge.core.refs import TrackerKind
from bridge.core.tracker import TrackerAdapter
from bridge.httpsig.keys import PrivateKey, load_private_pem
from bridge.store import db
from bridge.store.schema import create_fresh


@dataclass
class Run:
    env: ActionEnv
    rt: Runtime
    adapter: ActionAdapter
    homes: Homes
    destination: Destination
    store: StateStore
    report: Report
    key: PrivateKey | None
    workdir: Path

    def close(self) -> None:
        self.rt.engine.dispose()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _tracker_name(config: BridgeConfig, api_url: str) -> str:
    for name, tracker in config.trackers.items():
        if tracker.kind == TrackerKind.GITHUB and tracker.api_url() == api_url:
            return name
    return "github"


def configure(env: ActionEnv, base: BridgeConfig, db_url: str) -> tuple[BridgeConfig, str]:
    """The run's configuration and the name of the repository's tracker in it."""
    name = _tracker_name(base, env.api_url)
    old = base.trackers.get(name)
    tracker = TrackerConfig(
        kind=TrackerKind.GITHUB, url=env.api_url, token=SecretStr(env.token),
        web_host=old.web_host if old else None, bot_login=old.bot_login if old else None,
    )
    if old is not None:  # who counts is the configuration's choice, not the run's
        tracker = tracker.model_copy(update={
            "min_permission": old.min_permission,
            "permission_cache_seconds": old.permission_cache_seconds})
    actor = base.actor
    if env.actor_key:
        actor = ActorConfig.model_validate({**actor.model_dump(), "key_pem": env.actor_key})
    config = base.model_copy(update={
        "trackers": {**base.trackers, name: tracker}, "database_url": db_url, "actor": actor,
    })
    return config, name


def build(env: ActionEnv, report: Report) -> Run:
    """Everything one run needs; the caller closes it."""
    overrides = config_env(os.environ)
    base = load_config(env.config_path, env=overrides) if env.config_path else BridgeConfig()
    env.temp_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="vultron-bridge-", dir=env.temp_dir))
    config, name = configure(env, base, f"sqlite:///{workdir / 'state.db'}")
    engine = db.make_engine(config.database_url)
    create_fresh(engine)
    tracker = config.trackers[name]
    gh = make_github(env.api_url, token=env.token, timeout=int(config.delivery.timeout_seconds))
    inner = GitHubAdapter(gh, name=name, bot_login=tracker.bot_login,
                          min_permission=tracker.min_permission,
                          permission_ttl=tracker.permission_cache_seconds)
    homes = Homes(gh, Session(gh, time.time), name, bot=inner.bot_identity)
    journal = Journal()
    adapter = ActionAdapter(inner, homes, dry_run=env.dry_run, journal=journal)
    default = config.destinations.get("default")
    if default is None:
        private = Session(gh, time.time).repo_is_private(env.repository)
        mode = DestinationMode.PRIVATE_ISSUE if private else DestinationMode.ADVISORY
        default = DestinationConfig(tracker=name, project=env.repository, mode=mode)
        config = config.model_copy(update={
            "destinations": {**config.destinations, "default": default}})
    def factory(tracker_name: str, other: TrackerConfig) -> TrackerAdapter:
        return adapter if tracker_name == name else build_adapter(tracker_name, other)

    rt = Runtime(config, engine, db.session_factory(engine), adapter_factory=factory)
    key = load_private_pem(env.actor_key) if env.actor_key else None
    seal, unseal = sealer(key) if key is not None else (None, None)
    destination = Destination(tracker=default.tracker, project=default.project,
                              mode=default.mode)
    store = StateStore(rt, homes, adapter, destination.project, report, env.dry_run,
                       seal=seal, unseal=unseal,
                       allow_unsealed=config.action.allow_unsealed_state)
    adapter.before_write = store.flush
    return Run(env, rt, adapter, homes, destination, store, report, key, workdir)
