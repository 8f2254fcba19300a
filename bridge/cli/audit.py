"""``vultron-bridge audit verify|export``: check and export the hash-chained audit log.

Exit codes: 0 intact (or exported), 1 the chain is broken (the first broken entry's seq is
printed), 2 the database cannot be used (missing file, never migrated, unreachable).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bridge.core.errors import BridgeError

DEFAULT_URL = "sqlite:///vultron-bridge.db"
F = TypeVar("F", bound=Callable[..., Any])


class DatabaseUnusable(click.ClickException):
    exit_code = 2


def database_url_option(func: F) -> F:
    """``--database-url`` (env ``VULTRON_BRIDGE_DATABASE_URL``) and ``--config``: the URL wins,
    then the configuration's ``database_url`` (``./vultron-bridge.yml`` when present), then
    the default."""
    func = click.option(
        "--database-url",
        envvar="VULTRON_BRIDGE_DATABASE_URL",
        help="SQLite file (sqlite:///PATH) or postgresql+psycopg://... "
        f"(env VULTRON_BRIDGE_DATABASE_URL; default: the configuration's, else {DEFAULT_URL}).",
    )(func)
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False),
        help="configuration file whose database_url to use (default: ./vultron-bridge.yml "
        "if present)",
    )(func)


def _url(config_path: str | None, database_url: str | None) -> str:
    if database_url:
        return database_url
    from pathlib import Path

    from bridge.config import ConfigError, load_config

    if config_path is None and Path("vultron-bridge.yml").is_file():
        config_path = "vultron-bridge.yml"
    if config_path is None:
        return DEFAULT_URL
    try:
        return load_config(config_path, allow_unset=True).database_url
    except ConfigError as exc:
        raise DatabaseUnusable(str(exc)) from None


@contextmanager
def _session(url: str) -> Iterator[Session]:
    from bridge.store.db import current_revision, make_engine, session_factory, sqlite_path

    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise DatabaseUnusable(f"no database file at {path}")
    try:
        engine = make_engine(url)
    except BridgeError as exc:
        raise DatabaseUnusable(exc.reason) from exc
    try:
        try:
            if current_revision(engine) is None:
                raise DatabaseUnusable(
                    "the database has no bridge schema; run `vultron-bridge migrate` first"
                )
        except SQLAlchemyError as exc:
            raise DatabaseUnusable(f"cannot open the database ({_why(exc)})") from exc
        with session_factory(engine, readonly=True)() as session, session.begin():
            yield session
    finally:
        engine.dispose()


def _why(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"{type(orig).__name__}: {first}"[:200]


@click.group()
def audit() -> None:
    """Verify or export the hash-chained audit log."""


@audit.command()
@database_url_option
def verify(config_path: str | None, database_url: str | None) -> None:
    """Check every entry's hash and link; exit 1 naming the first broken entry."""
    from bridge.store import audit as store_audit

    database_url = _url(config_path, database_url)
    try:
        with _session(database_url) as session:
            result = store_audit.check(session)
    except SQLAlchemyError as exc:
        raise DatabaseUnusable(f"cannot read the audit log ({_why(exc)})") from exc
    if result.broken_seq is None:
        click.echo(f"audit log intact: {result.entries} entries")
        return
    click.echo(f"audit log broken at seq {result.broken_seq}: {result.reason}", err=True)
    raise SystemExit(1)


@audit.command()
@database_url_option
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of standard output.")
@click.option("--since-seq", type=click.IntRange(min=0), default=0, show_default=True,
              help="Only entries after this sequence number.")
def export(config_path: str | None, database_url: str | None, output: str | None,
           since_seq: int) -> None:
    """Write the audit log as JSON lines, one entry per line, in sequence order."""
    from bridge.store import audit as store_audit

    url = _url(config_path, database_url)

    def dump(out: TextIO) -> int:
        count = 0
        with _session(url) as session:
            for entry in store_audit.export(session, since_seq):
                out.write(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n")
                count += 1
        return count

    try:
        if output is None:
            dump(sys.stdout)
            return
        with open(output, "w", encoding="utf-8") as fh:
            count = dump(fh)
    except SQLAlchemyError as exc:
        raise DatabaseUnusable(f"cannot read the audit log ({_why(exc)})") from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from exc
    click.echo(f"exported {count} entries to {output}", err=True)
