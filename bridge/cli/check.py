"""``vultron-bridge check``: find misconfiguration before a report does.

One line per check, ``ok`` or ``FAIL`` with what to fix; exit 1 when any failed.

* **local** (also what ``serve``/``worker`` refuse to start without): the configuration loads
  (every ``${VAR}`` set), the database opens at the current schema revision (``check`` never
  migrates: a database behind is a FAIL saying ``run vultron-bridge migrate``), the actor key
  is readable and valid;
* **remote** (skipped with ``--local``): each tracker's token works (the bot identity), each
  destination is private *now* (the same check the adapter makes before writing a report),
  and each peer host (trusted prefixes, polled outboxes) resolves.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from functools import partial
from urllib.parse import urlsplit

import click

from bridge.config import BridgeConfig, ConfigError, load_config


def _check(name: str, run: Callable[[], str]) -> tuple[str, bool, str]:
    from bridge.core.errors import BridgeError

    try:
        return name, True, run()
    except BridgeError as exc:
        return name, False, f"{exc.kind}: {exc.reason}"
    except (OSError, ValueError) as exc:
        return name, False, f"{type(exc).__name__}: {exc}"[:200]


def _database(config: BridgeConfig) -> tuple[str, bool, str]:
    from sqlalchemy.exc import SQLAlchemyError

    from bridge.core.errors import BridgeError
    from bridge.service.startup import database_problem
    from bridge.store import db
    from bridge.store.health import shown_url

    url = shown_url(config.database_url)
    sqlite = db.sqlite_path(config.database_url)
    if sqlite is not None and not sqlite.is_file():
        return "database", False, f"{url}: no database file (run `vultron-bridge migrate`)"
    try:
        engine = db.make_engine(config.database_url)
    except BridgeError as exc:
        return "database", False, exc.reason
    try:
        current = db.current_revision(engine)
    except SQLAlchemyError as exc:
        return "database", False, f"{url}: {database_problem(exc)}"
    finally:
        engine.dispose()
    head = _head()
    if current != head:
        return "database", False, (f"{url} is at revision {current or 'none'}, the code needs "
                                   f"{head}: run `vultron-bridge migrate`")
    return "database", True, f"{url} at revision {current}"


def _head() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from bridge.store.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head()


def _key(config: BridgeConfig) -> tuple[str, bool, str]:
    from bridge.service.startup import configured_key

    found = configured_key(config)
    if found is None:
        return "actor key", True, "none configured: generated next to the database on first start"
    return found.name, found.ok, found.detail


def _remote(config: BridgeConfig) -> list[tuple[str, bool, str]]:
    from bridge.app.runtime import build_adapter
    from bridge.config.schema import DestinationConfig, TrackerConfig
    from bridge.core.effects import Destination
    from bridge.core.tracker import TrackerAdapter

    adapters: dict[str, TrackerAdapter] = {}

    def adapter(name: str) -> TrackerAdapter:
        if name not in adapters:
            adapters[name] = build_adapter(name, config.trackers[name])
        return adapters[name]

    def who(name: str, _: TrackerConfig) -> str:
        return f"writes as {adapter(name).bot_identity()}"

    def private(dest: DestinationConfig) -> str:
        adapter(dest.tracker).check_private(
            Destination(tracker=dest.tracker, project=dest.project, mode=dest.mode))
        return f"{dest.project} is private ({dest.mode.value})"

    def resolves(host: str) -> str:
        answers = socket.getaddrinfo(host, None)
        return f"resolves ({len({a[4][0] for a in answers})} addresses)"

    out = [_check(f"tracker {name}", partial(who, name, tracker))
           for name, tracker in config.trackers.items()]
    out += [_check(f"destination {key}", partial(private, dest))
            for key, dest in config.destinations.items()]
    hosts = {urlsplit(p.prefix).hostname for p in config.peers.trusted}
    hosts |= {urlsplit(u).hostname for u in config.peers.poll}
    out += [_check(f"peer {host}", partial(resolves, host))
            for host in sorted(h for h in hosts if h)]
    return out


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="configuration file (default: ./vultron-bridge.yml if present)")
@click.option("--database-url", envvar="VULTRON_BRIDGE_DATABASE_URL",
              help="overrides database_url")
@click.option("--local", "local_only", is_flag=True,
              help="only what needs no network: configuration, database, key")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def check(config_path: str | None, database_url: str | None, local_only: bool,
          as_json: bool) -> None:
    """Check the configuration, database, key, trackers, destinations and peers."""
    from pathlib import Path

    if config_path is None and Path("vultron-bridge.yml").is_file():
        config_path = "vultron-bridge.yml"
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        results = [("configuration", False, str(exc))]
    else:
        if database_url:
            config = config.model_copy(update={"database_url": database_url})
        results = [("configuration", True, config_path or "(defaults)"), _database(config),
                   _key(config)]
        if not local_only:
            results += _remote(config)
    if as_json:
        click.echo(json.dumps([{"check": n, "ok": ok, "detail": d} for n, ok, d in results],
                              indent=2))
    else:
        for name, ok, detail in results:
            click.echo(f"{'ok  ' if ok else 'FAIL'}  {name}: {detail}")
    if not all(ok for _, ok, _ in results):
        raise SystemExit(1)
