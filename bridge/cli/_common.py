"""Shared helpers of the coordinator commands (``link``, ``links``, ``status``, ``metrics``...).

``--config`` (default ``./vultron-bridge.yml`` when present) and ``--database-url`` (env
``VULTRON_BRIDGE_DATABASE_URL``; default: the configuration's ``database_url``, itself
``sqlite:///vultron-bridge.db`` unless set). The store is opened with migrations applied.
A ``${VAR}`` in the file whose variable is not set is left out (these commands use few of the
secrets); a command that needs it says so where it uses it.
Errors the user can fix become one-line ``click.ClickException`` messages (exit 1).
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from bridge.config import BridgeConfig, ConfigError, load_config

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from bridge.app.runtime import Runtime
    from bridge.coord.linking import RefSyntax

DEFAULT_CONFIG = "vultron-bridge.yml"
DEFAULT_URL = "sqlite:///vultron-bridge.db"
F = TypeVar("F", bound=Callable[..., Any])


def options(func: F) -> F:
    """``--config`` and ``--database-url``."""
    func = click.option(
        "--database-url", envvar="VULTRON_BRIDGE_DATABASE_URL",
        help="SQLite file (sqlite:///PATH) or postgresql+psycopg://... "
        f"(env VULTRON_BRIDGE_DATABASE_URL; default: the configuration's, else {DEFAULT_URL})",
    )(func)
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False),
        help=f"configuration file (default: ./{DEFAULT_CONFIG} if present)",
    )(func)


def default_by() -> str:
    """Who is linking when ``--by`` is not given: the login name, else ``cli``."""
    try:
        return getpass.getuser() or "cli"
    except (KeyError, OSError):
        return "cli"


def load(config_path: str | None, database_url: str | None) -> BridgeConfig:
    if config_path is None and Path(DEFAULT_CONFIG).is_file():
        config_path = DEFAULT_CONFIG
    try:
        # these commands use few of the secrets: an unset ${VAR} leaves its key out
        config = load_config(config_path, allow_unset=True)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if database_url:
        config = config.model_copy(update={"database_url": database_url})
    return config


def syntax(config: BridgeConfig) -> RefSyntax:
    from bridge.coord.linking import RefSyntax

    return RefSyntax(config.tracker_kinds(), config.web_hosts())


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the bridge's errors into one-line messages (never a traceback, never input)."""
    from sqlalchemy.exc import SQLAlchemyError

    from bridge.core.errors import BridgeError

    try:
        yield
    except BridgeError as exc:
        raise click.ClickException(exc.reason) from None
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None) or exc
        raise click.ClickException(f"database error ({type(orig).__name__})") from None


def runtime(config_path: str | None, database_url: str | None, **kwargs: Any) -> Runtime:
    """A Runtime on the migrated store (``kwargs`` go to ``Runtime``: clock, adapters)."""
    from bridge.service.startup import StartupError, open_runtime

    config = load(config_path, database_url)
    try:
        return open_runtime(config, key_check=False, **kwargs)
    except StartupError as exc:  # names the database (no password) and the driver's reason
        raise click.ClickException(str(exc)) from None


def progressbar(length: int, label: str, *, show_pos: bool = True) -> ProgressBar[int]:
    """A ``click.progressbar`` on standard error (drawn only when stderr is a terminal)."""
    bar: ProgressBar[int] = click.progressbar(
        length=max(length, 0), label=label, file=sys.stderr, show_pos=show_pos,
        show_percent=True)
    return bar
