"""``vultron-bridge serve``, ``worker`` and ``migrate``.

``serve`` runs the HTTP app with uvicorn and, unless ``--no-worker``, the processing and
delivery loops in background threads (the SQLite default: one process does everything).
With PostgreSQL run many ``serve --no-worker`` and many ``worker`` processes.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bridge.config import BridgeConfig, ConfigError, load_config

if TYPE_CHECKING:
    from bridge.service.runtime import Runtime

DEFAULT_CONFIG = "vultron-bridge.yml"


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


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


def _runtime(config: BridgeConfig) -> Runtime:
    from bridge.core.errors import BridgeError
    from bridge.service.runtime import Runtime

    try:
        return Runtime.from_config(config)
    except BridgeError as exc:
        raise click.ClickException(exc.reason) from None
    except Exception as exc:  # noqa: BLE001 - e.g. the database is unreachable: say so, no traceback
        raise click.ClickException(f"cannot open the database ({type(exc).__name__})") from None


def _start_workers(rt: Runtime, stop: threading.Event, name: str) -> list[threading.Thread]:
    from bridge.service import delivery, guard, process

    # Import what the worker threads would import lazily, here, before they start: two
    # threads importing one package's cyclic modules at once can each see the other's
    # half-initialised module (ImportError at start-up, found by bench/soak_webhooks.py).
    del guard
    process._load_handlers()

    threads = [
        threading.Thread(target=process.run_forever, args=(rt, f"{name}-process", stop),
                         daemon=True, name="process"),
        threading.Thread(target=delivery.run_delivery, args=(rt, f"{name}-deliver", stop),
                         daemon=True, name="deliver"),
    ]
    for thread in threads:
        thread.start()
    return threads


config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                             help=f"configuration file (default: ./{DEFAULT_CONFIG} if present)")
db_option = click.option("--database-url", help="overrides database_url "
                         "(e.g. postgresql+psycopg://user@host/db)")


@click.command()
@config_option
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="only answer HTTP; run `worker` processes apart")
def serve(config_path: str | None, database_url: str | None, host: str, port: int,
          no_worker: bool) -> None:
    """Run the webhook receiver and protocol actor (SQLite by default)."""
    import uvicorn

    from bridge.service.app import create_app

    _logging()
    config = _config(config_path, database_url)
    if "base_url" not in config.actor.model_fields_set:
        # no public URL configured: the actor lives where this process listens
        actor = config.actor.model_copy(update={"base_url": f"http://{host}:{port}"})
        config = config.model_copy(update={"actor": actor})
    rt = _runtime(config)
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
        uvicorn.run(create_app(rt), host=host, port=port, log_level="warning")
    finally:
        stop.set()
        if listener is not None:
            listener.stop()


@click.command()
@config_option
@db_option
def worker(config_path: str | None, database_url: str | None) -> None:
    """Process stored inputs and deliver the outbox (run several against PostgreSQL)."""
    import signal

    _logging()
    rt = _runtime(_config(config_path, database_url))
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
