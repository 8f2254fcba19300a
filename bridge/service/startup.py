"""Finding misconfiguration at start, not two minutes later in a background thread.

``open_runtime`` opens (and migrates) the store and turns a failure into a ``StartupError``
that says *what* failed and *where* (the URL without its password, the driver's own first
line — e.g. ``unable to open database file``, ``connection refused``), instead of a bare
exception type. ``local_checks`` is what ``serve`` and ``worker`` run before they start
anything and what ``vultron-bridge check`` runs first: the store answers at the current schema
revision and the actor key is readable and valid. A configured ``actor.key_file`` that does
not exist is an error (a new identity only through ``vultron-bridge keygen``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bridge.app.runtime import Runtime
from bridge.config import BridgeConfig
from bridge.core.errors import BridgeError
from bridge.store import db
from bridge.store.health import shown_url

MAX_DETAIL = 200


class StartupError(Exception):
    """The bridge cannot start; the message says what to fix (no secret in it)."""


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


def database_problem(exc: BaseException) -> str:
    """The driver's first line for a database failure, cut short; the type when none."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    if not text or "password" in text.lower():
        return type(orig).__name__
    return f"{type(orig).__name__}: {text[:MAX_DETAIL]}"


def open_runtime(config: BridgeConfig, *, key_check: bool = True, **kwargs: Any) -> Runtime:
    """``Runtime.from_config`` with failures turned into one clear ``StartupError``; with
    ``key_check``, a configured key that cannot be used is refused first (nothing is created
    then)."""
    key = configured_key(config) if key_check else None
    if key is not None and not key.ok:
        raise StartupError(f"{key.name}: {key.detail}")
    url = shown_url(config.database_url)
    sqlite = db.sqlite_path(config.database_url) if "://" in config.database_url else None
    if sqlite is not None and not sqlite.parent.is_dir():
        raise StartupError(f"cannot open the database {url}: the directory {sqlite.parent} "
                           "does not exist")
    try:
        return Runtime.from_config(config, **kwargs)
    except BridgeError as exc:
        raise StartupError(exc.reason) from None
    except SQLAlchemyError as exc:
        raise StartupError(f"cannot open the database {url}: {database_problem(exc)}") from None
    except OSError as exc:
        raise StartupError(f"cannot open the database {url}: {type(exc).__name__}: "
                           f"{exc.strerror or exc}") from None


def configured_key(config: BridgeConfig) -> Check | None:
    """The configured key (``key_pem`` / ``key_file``) checked before anything is opened;
    None when neither is configured (the key is then generated next to the database)."""
    from bridge.httpsig.keys import load_key_file, load_private_pem

    actor = config.actor
    try:
        if actor.key_pem is not None:
            key = load_private_pem(actor.key_pem.get_secret_value())
            return Check("actor key", True, f"{type(key).__name__.lstrip('_')} from "
                         "actor.key_pem")
        if actor.key_file:
            key = load_key_file(Path(actor.key_file))
            return Check("actor key", True, f"{type(key).__name__.lstrip('_')} from "
                         f"{actor.key_file}")
    except BridgeError as exc:
        return Check("actor key", False, exc.reason)
    return None


def check_key(rt: Runtime) -> Check:
    from bridge.app.delivery import actor_key

    try:
        key = actor_key(rt)
    except BridgeError as exc:
        return Check("actor key", False, exc.reason)
    source = ("actor.key_pem" if rt.config.actor.key_pem is not None
              else rt.config.actor.key_file or "generated next to the database")
    return Check("actor key", True, f"{type(key).__name__.lstrip('_')} from {source}")


def check_database(rt: Runtime) -> Check:
    url = shown_url(rt.config.database_url)
    try:
        with rt.engine.connect() as conn:
            revision = db.current_revision(conn)
    except SQLAlchemyError as exc:
        return Check("database", False, f"{url}: {database_problem(exc)}")
    if revision is None:
        return Check("database", False, f"{url}: no bridge schema (run `vultron-bridge migrate`)")
    return Check("database", True, f"{url} at revision {revision}")


def local_checks(rt: Runtime) -> list[Check]:
    return [check_database(rt), check_key(rt)]


def require_local(rt: Runtime) -> None:
    """Raise ``StartupError`` naming every failed local check."""
    failed = [c for c in local_checks(rt) if not c.ok]
    if failed:
        raise StartupError("; ".join(f"{c.name}: {c.detail}" for c in failed))
