"""``vultron-bridge serve``, ``worker`` and ``migrate``.

``serve`` runs the HTTP app with uvicorn and, unless ``--no-worker``, the processing and
delivery loops in background threads (the SQLite default: one process does everything).
With PostgreSQL run many ``serve --no-worker`` and many ``worker`` processes.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bridge.config import BridgeConfig, ConfigError, load_config

if TYPE_CHECKING:
    from bridge.app.runtime import Runtime

DEFAULT_CONFIG = "vultron-bridge.yml"


def _logging(config: BridgeConfig, level: str | None, fmt: str | None) -> None:
    from bridge.logs import configure

    configure(level or config.logging.level, fmt or config.logging.format)


def _config(path: str | None, database_url: str | None) -> BridgeConfig:
    if path is None and Path(DEFAULT_CONFIG).is_file():
        path = DEFAULT_CONFIG
    try:
        config = load_config(path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    url = database_url or os.environ.get("VULTRON_BRIDGE_DATABASE_URL")
    if url:
        config = config.model_copy(update={"database_url": url})
    return config


def _runtime(config: BridgeConfig, *, checked: bool = False) -> Runtime:
    """The runtime on the migrated store; ``checked``: also the local start-up checks (the
    actor key readable and valid), refusing to start otherwise."""
    from bridge.service.startup import StartupError, open_runtime, require_local

    try:
        rt = open_runtime(config)
        if checked:
            require_local(rt)
    except StartupError as exc:
        raise click.ClickException(f"cannot start: {exc}") from None
    return rt


def _start_workers(rt: Runtime, stop: threading.Event, name: str) -> list[threading.Thread]:
    from bridge.app.workers import start_workers

    return start_workers(rt, stop, name)


config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                             help=f"configuration file (default: ./{DEFAULT_CONFIG} if present)")
db_option = click.option("--database-url", help="overrides database_url "
                         "(e.g. postgresql+psycopg://user@host/db)")
level_option = click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]),
                            envvar="VULTRON_BRIDGE_LOG_LEVEL",
                            help="overrides logging.level (default info)")
format_option = click.option("--log-format", type=click.Choice(["text", "json"]),
                             envvar="VULTRON_BRIDGE_LOG_FORMAT",
                             help="overrides logging.format (default text)")


@click.command()
@config_option
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--no-worker", is_flag=True, help="only answer HTTP; run `worker` processes apart")
@level_option
@format_option
def serve(config_path: str | None, database_url: str | None, host: str, port: int,
          no_worker: bool, log_level: str | None, log_format: str | None) -> None:
    """Run the webhook receiver and protocol actor (SQLite by default)."""
    import uvicorn

    from bridge.service.app import create_app
    from bridge.service.httpserver import uvicorn_options

    config = _config(config_path, database_url)
    _logging(config, log_level, log_format)
    if "base_url" not in config.actor.model_fields_set:
        # no public URL configured: the actor lives where this process listens
        actor = config.actor.model_copy(update={"base_url": f"http://{host}:{port}"})
        config = config.model_copy(update={"actor": actor})
    rt = _runtime(config, checked=True)
    stop = threading.Event()
    if not no_worker:
        _start_workers(rt, stop, f"serve-{os.getpid()}")
    from bridge.mail.server import start_listener

    listener = start_listener(rt)  # mail.listen: SMTP/LMTP for the local MTA
    if listener is not None:
        click.echo(f"vultron-bridge taking mail ({config.mail.protocol}) on "
                   f"{listener.host}:{listener.port}")
    click.echo(f"vultron-bridge serving {rt.actor_id} on http://{host}:{port} "
               f"(database: {rt.engine.url.render_as_string(hide_password=True)})")
    try:
        uvicorn.run(create_app(rt), host=host, port=port, log_level="warning",
                    log_config=None, **uvicorn_options(config.server))
    finally:
        stop.set()
        if listener is not None:
            listener.stop()


@click.command()
@config_option
@db_option
@level_option
@format_option
def worker(config_path: str | None, database_url: str | None, log_level: str | None,
           log_format: str | None) -> None:
    """Process stored inputs and deliver the outbox (run several against PostgreSQL)."""
    import signal

    config = _config(config_path, database_url)
    _logging(config, log_level, log_format)
    rt = _runtime(config, checked=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threads = _start_workers(rt, stop, f"worker-{os.getpid()}")
    click.echo(f"vultron-bridge worker {os.getpid()} running")
    try:
        while not stop.is_set():
            stop.wait(0.5)
    except KeyboardInterrupt:
        stop.set()
    for thread in threads:
        thread.join(timeout=10)


@click.command()
@config_option
@db_option
def migrate(config_path: str | None, database_url: str | None) -> None:
    """Create or upgrade the database schema to the current version."""
    rt = _runtime(_config(config_path, database_url))
    from bridge.store.db import current_revision

    with rt.engine.connect() as conn:
        revision = current_revision(conn)
    click.echo(f"database {rt.engine.url.render_as_string(hide_password=True)} "
               f"at revision {revision}")
