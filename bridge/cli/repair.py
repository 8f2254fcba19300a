"""``vultron-bridge inputs list|show|retry|drop`` and ``deliveries list|show|retry|drop``.

What an operator needs when something did not go through, without SQL: the stored inputs and
outbox rows with their status, attempts and last error; ``retry`` to requeue a failed input or
a dead letter once the cause is fixed (processed, or sent, once more); ``drop`` to give up.
Every change is audited (``operator.*``, with ``--by``, default your login name, and
``--reason``). ``--json`` prints JSON. Exit codes: 0 done, 1 a row could not be changed (the
reason is printed) or the store is unusable, 2 usage errors.

Bodies are never printed unless asked (``show --body``): they hold report content.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from bridge.cli import _common as common
from bridge.core.times import stamp as when

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bridge.store.repair import Change

_AGE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd]?)$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_age(value: str | None) -> float | None:
    """``90``, ``90s``, ``15m``, ``2h``, ``3d`` → seconds."""
    if value is None:
        return None
    found = _AGE.match(value.strip().lower())
    if not found:
        raise click.BadParameter("an age like 90s, 15m, 2h or 3d", param_hint="--older-than")
    return float(found.group(1)) * _UNIT[found.group(2)]


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows)


def _short(text: str | None, limit: int = 60) -> str:
    if not text:
        return "-"
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def _change(rt_changes: list[Change], as_json: bool, noun: str) -> None:
    if as_json:
        click.echo(json.dumps([{"id": c.id, "changed": c.changed, "status": c.status,
                                "reason": c.reason} for c in rt_changes], indent=2))
    else:
        for c in rt_changes:
            if c.changed:
                click.echo(f"{noun} {c.id}: now {c.status}")
            else:
                click.echo(f"{noun} {c.id}: unchanged ({c.reason})", err=True)
    if not all(c.changed for c in rt_changes):
        raise SystemExit(1)


def _apply(config_path: str | None, database_url: str | None, ids: Sequence[int],
           change: Callable[..., Change], by: str | None, reason: str | None) -> list[Change]:
    from bridge.store import db

    rt = common.runtime(config_path, database_url)
    out = []
    with common.user_errors():
        for one in ids:
            with db.transaction(rt.sessions) as session:
                out.append(change(session, one, now=rt.clock(), by=by or common.default_by(),
                                  reason=reason))
    return out


def _read(config_path: str | None, database_url: str | None,
          read: Callable[[Session, float], Any]) -> Any:
    rt = common.runtime(config_path, database_url)
    with common.user_errors(), rt.readers() as session:
        return read(session, rt.clock())


by_option = click.option("--by", help="who does it (default: your login name); audited")
reason_option = click.option("--reason", help="why (audited)")
json_option = click.option("--json", "as_json", is_flag=True, help="print JSON")
ids_argument = click.argument("ids", nargs=-1, required=True, type=int, metavar="ID...")


@click.group()
def inputs() -> None:
    """Stored inputs (webhooks, inbox activities, mail): list, show, retry, drop."""


@inputs.command("list")
@common.options
@click.option("--status", type=click.Choice(["pending", "done", "failed", "ignored"]))
@click.option("--source", help="a source (inbox:vendor, webhook:github) or its kind (inbox)")
@click.option("--older-than", help="received at least this long ago (90s, 15m, 2h, 3d)")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@json_option
def list_inputs(config_path: str | None, database_url: str | None, status: str | None,
                source: str | None, older_than: str | None, limit: int, as_json: bool) -> None:
    """List inputs, newest first."""
    from bridge.store import repair

    age = parse_age(older_than)
    rows = _read(config_path, database_url, lambda s, now: repair.list_inputs(
        s, now=now, status=status, source=source, older_than=age, limit=limit))
    if as_json:
        click.echo(json.dumps([r.as_json() for r in rows], indent=2))
        return
    if not rows:
        click.echo("no inputs")
        return
    click.echo(_table([("id", "source", "status", "attempts", "received", "last error")] + [
        (str(r.id), r.source, r.status, str(r.attempts), when(r.received_at),
         _short(r.last_error)) for r in rows]))


@inputs.command("show")
@common.options
@click.argument("input_id", type=int, metavar="ID")
@click.option("--body", "with_body", is_flag=True,
              help="also print the stored body (it may hold embargoed report content)")
@json_option
def show_input(config_path: str | None, database_url: str | None, input_id: int,
               with_body: bool, as_json: bool) -> None:
    """Show one input: status, attempts, times, last error (and the body with --body)."""
    from bridge.store import repair

    def read(session: Session, now: float) -> tuple[Any, bytes | None]:
        row = repair.get_input(session, input_id)
        return row, repair.input_body(session, input_id) if with_body else None

    row, body = _read(config_path, database_url, read)
    data = row.as_json()
    if body is not None:
        data["body"] = body.decode("utf-8", "replace")
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for key, value in data.items():
        shown = when(value) if key.endswith(("_at", "_until")) and value is not None else value
        if key != "body":
            click.echo(f"{key}: {'-' if shown is None else shown}")
    if body is not None:
        click.echo("body:")
        click.echo(data["body"])


@inputs.command("retry")
@common.options
@ids_argument
@by_option
@reason_option
@json_option
def retry_inputs(config_path: str | None, database_url: str | None, ids: tuple[int, ...],
                 by: str | None, reason: str | None, as_json: bool) -> None:
    """Requeue failed (or ignored) inputs: the worker processes each once more."""
    from bridge.store import repair

    _change(_apply(config_path, database_url, ids, repair.retry_input, by, reason), as_json,
            "input")


@inputs.command("drop")
@common.options
@ids_argument
@by_option
@reason_option
@json_option
def drop_inputs(config_path: str | None, database_url: str | None, ids: tuple[int, ...],
                by: str | None, reason: str | None, as_json: bool) -> None:
    """Give up on pending or failed inputs (they become ignored, with the reason)."""
    from bridge.store import repair

    _change(_apply(config_path, database_url, ids, repair.drop_input, by, reason), as_json,
            "input")


@click.group()
def deliveries() -> None:
    """Outbox rows (messages to peers): list, show, retry dead letters, drop."""


@deliveries.command("list")
@common.options
@click.option("--status", type=click.Choice(["pending", "delivered", "dead"]))
@click.option("--recipient", help="a recipient actor id or inbox URL")
@click.option("--older-than", help="queued at least this long ago (90s, 15m, 2h, 3d)")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@json_option
def list_deliveries(config_path: str | None, database_url: str | None, status: str | None,
                    recipient: str | None, older_than: str | None, limit: int,
                    as_json: bool) -> None:
    """List outbox rows, newest first (``--status dead``: the dead letters)."""
    from bridge.store import repair

    age = parse_age(older_than)
    rows = _read(config_path, database_url, lambda s, now: repair.list_deliveries(
        s, now=now, status=status, recipient=recipient, older_than=age, limit=limit))
    if as_json:
        click.echo(json.dumps([r.as_json() for r in rows], indent=2))
        return
    if not rows:
        click.echo("no deliveries")
        return
    click.echo(_table([("id", "type", "recipient", "status", "attempts", "last", "last error")]
                      + [(str(r.id), r.activity_type or "-", _short(r.recipient, 50), r.status,
                          str(r.attempts), str(r.last_status or "-"), _short(r.last_error))
                         for r in rows]))


@deliveries.command("show")
@common.options
@click.argument("outbox_id", type=int, metavar="ID")
@click.option("--body", "with_body", is_flag=True,
              help="also print the activity (it may hold embargoed report content)")
@json_option
def show_delivery(config_path: str | None, database_url: str | None, outbox_id: int,
                  with_body: bool, as_json: bool) -> None:
    """Show one outbox row: recipient, inbox, attempts, last status and error."""
    from bridge.store import repair

    def read(session: Session, now: float) -> tuple[Any, dict[str, Any] | None]:
        row = repair.get_delivery(session, outbox_id)
        return row, repair.delivery_activity(session, outbox_id) if with_body else None

    row, activity = _read(config_path, database_url, read)
    data = row.as_json()
    if activity is not None:
        data["activity"] = activity
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for key, value in data.items():
        if key == "activity":
            continue
        shown = when(value) if key.endswith(("_at", "_until")) and value is not None else value
        click.echo(f"{key}: {'-' if shown is None else shown}")
    if activity is not None:
        click.echo("activity:")
        click.echo(json.dumps(activity, indent=2))


@deliveries.command("retry")
@common.options
@ids_argument
@by_option
@reason_option
@json_option
def retry_deliveries(config_path: str | None, database_url: str | None, ids: tuple[int, ...],
                     by: str | None, reason: str | None, as_json: bool) -> None:
    """Requeue dead letters with a fresh attempt budget (each keeps its place in order)."""
    from bridge.store import repair

    _change(_apply(config_path, database_url, ids, repair.retry_delivery, by, reason),
            as_json, "delivery")


@deliveries.command("drop")
@common.options
@ids_argument
@by_option
@reason_option
@json_option
def drop_deliveries(config_path: str | None, database_url: str | None, ids: tuple[int, ...],
                    by: str | None, reason: str | None, as_json: bool) -> None:
    """Give up on pending rows: dead, never sent (they stop holding back their queue)."""
    from bridge.store import repair

    _change(_apply(config_path, database_url, ids, repair.drop_delivery, by, reason),
            as_json, "delivery")
