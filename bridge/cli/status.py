"""``vultron-bridge status CASE`` (the case view) and ``vultron-bridge reconcile``.

``status`` renders from the store; ``--live`` asks each tracker for its issues instead.
``reconcile`` exits 0 when it finished and checked every issue (drift found or not), 1 when
interrupted (run it again to continue after the last finished issue), when an issue could not be
checked (an ``error`` finding: a token, a permission, a URL) or on an error the user can fix.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from bridge.cli import _common as common

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from bridge.coord.caseview import CaseView
    from bridge.coord.reconcile import Result


def _zone(name: str | None) -> tzinfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter("not a known time zone (e.g. UTC, Europe/Berlin)",
                                 param_hint="--tz") from None


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]


def render(view: CaseView, tz: tzinfo) -> str:
    """The case view as text."""
    out = [f"{view.kind} {view.case_id}"]
    end = view.embargo_end.astimezone(tz) if view.embargo_end else None
    embargo = f", embargo ends {end.isoformat()} ({end.tzname()})" if end else ""
    out.append(f"  EM: {view.em_state}{embargo}")
    out.append(f"  CS: {view.cs_state}")
    ready = "yes" if view.fix_ready else "no"
    out.append(f"  fix-ready: {ready} ({view.fix_ready_count} of {len(view.issues)} issues; "
               f"policy: {view.policy})")
    if view.reports:
        out.append("  reports: " + ", ".join(view.reports))
    out.append(f"participants ({len(view.participants)})")
    if view.participants:
        out += _table([("actor", "RM", "EM consent", "roles")] + [
            (p.actor, p.rm_state, p.em_consent or "-", ",".join(p.roles) or "-")
            for p in view.participants])
    trackers = sorted({i.tracker for i in view.issues})
    out.append(f"issues ({len(view.issues)} in {len(trackers)} trackers: "
               f"{', '.join(trackers) or '-'})")
    if view.issues:
        out += _table([("ref", "state", "fix-ready", "relation", "labels", "from")] + [
            (i.ref, i.state, "yes" if i.fix_ready else "no", ",".join(i.relations),
             " ".join(i.labels) or "-", i.source + (f" ({i.error})" if i.error else ""))
            for i in view.issues])
    return "\n".join(out)


@click.command()
@common.options
@click.argument("case")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.option("--live", is_flag=True, help="ask the trackers now instead of the store")
@click.option("--tz", help="show times in this time zone (default UTC), e.g. Europe/Berlin")
def status(config_path: str | None, database_url: str | None, case: str, as_json: bool,
           live: bool, tz: str | None) -> None:
    """Show a case: its linked issues, every participant's state, embargo and CS state."""
    from bridge.coord import caseview, linking

    zone = _zone(tz)
    rt = common.runtime(config_path, database_url)
    with common.user_errors():
        reader = None
        if live:
            reader = caseview.live_reader(rt.adapter, common.syntax(rt.config).parse)
        with rt.sessions() as session:
            view = caseview.build(session, linking.check_subject(case),
                                  rt.config.rules.aggregate_policy, reader)
    if as_json:
        click.echo(json.dumps(view.as_json(zone), indent=2, sort_keys=True))
    else:
        click.echo(render(view, zone))


def _action(kind: str, repaired: bool, dry_run: bool) -> str:
    from bridge.coord.reconcile import REPAIRABLE

    if repaired:
        return "repaired"
    return "would repair" if dry_run and kind in REPAIRABLE else "reported"


def summary(result: Result) -> str:
    counts = result.counts()
    verb = "would repair" if result.dry_run else "repaired"
    lines = [f"reconcile {result.scope}: {result.checked} checked"
             + (f", {result.skipped} done by an earlier run" if result.skipped else "")
             + f", {result.repairs} {verb}"]
    if counts:
        lines += _table([("finding", "count")] + [(k, str(v)) for k, v in sorted(counts.items())])
        lines += _table([("ref", "finding", "detail", "action")] + [
            (f.ref, f.kind, f.detail, _action(f.kind, f.repaired, result.dry_run))
            for f in result.findings[:500]])
        if len(result.findings) > 500:
            lines.append(f"  ... {len(result.findings) - 500} more")
    else:
        lines.append("  no drift found")
    return "\n".join(lines)


@click.command()
@common.options
@click.option("--case", help="only this case (and its reports); default: every linked issue")
@click.option("--dry-run", is_flag=True, help="report drift, change nothing")
@click.option("--restart", is_flag=True, help="start from the first issue, ignoring the "
              "position an interrupted run left")
@click.option("--json", "as_json", is_flag=True, help="print the findings as JSON")
def reconcile(config_path: str | None, database_url: str | None, case: str | None,
              dry_run: bool, restart: bool, as_json: bool) -> None:
    """Compare linked issues with their trackers; repair or report the drift."""
    from bridge.coord import reconcile as rec

    rt = common.runtime(config_path, database_url)
    with ExitStack() as stack:
        bars: list[ProgressBar[int]] = []

        def start(total: int, done: int) -> None:
            bars.append(stack.enter_context(common.progressbar(total, "reconciling")))
            bars[0].update(done)

        def step(n: int) -> None:
            bars[0].update(n)

        with common.user_errors():
            result = rec.reconcile(rt, case, dry_run=dry_run, restart=restart, progress=step,
                                   on_total=start)
    if as_json:
        click.echo(json.dumps({
            "scope": result.scope, "checked": result.checked, "skipped": result.skipped,
            "dry_run": dry_run, "complete": result.complete, "interrupted": result.interrupted,
            "findings": [{"ref": f.ref, "kind": f.kind, "detail": f.detail,
                          "repaired": f.repaired} for f in result.findings],
        }, indent=2, sort_keys=True))
    else:
        click.echo(summary(result))
    if result.interrupted:
        raise click.ClickException(f"interrupted ({result.interrupted}); run reconcile again "
                                   "to continue after the last finished issue")
    errors = result.counts().get("error", 0)
    if errors:
        raise click.ClickException(f"{errors} of {result.checked} issues could not be checked "
                                   "(see the findings: a token, a permission, a URL)")
