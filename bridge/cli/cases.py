"""``vultron-bridge cases``: every case the store knows, one line each.

State (EM, CS), embargo end, reports, linked issues and participants per case — the list a
coordinator starts from before ``status CASE``. Subjects known only from links count too (a
case a coordinator linked before any message arrived). ``--all`` adds the reports that are not
(yet) in a case; ``--json`` prints JSON. Exit 0 (an empty store prints "no cases").
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from bridge.cli import _common as common


def _rows(session: Any, with_reports: bool, limit: int) -> list[dict[str, Any]]:
    from bridge.coord import caseview
    from bridge.store import links, state

    subjects = list(dict.fromkeys(state.case_ids(session) + links.linked_subjects(session)))
    rows = []
    for subject in subjects:
        view = caseview.build(session, subject, "all")
        if view.kind != "case" and not with_reports:
            continue
        end = view.embargo_end
        rows.append({
            "id": subject, "kind": view.kind, "em_state": view.em_state,
            "cs_state": view.cs_state,
            "embargo_end": end.astimezone(UTC).isoformat() if end else None,
            "reports": len(view.reports), "issues": len(view.issues),
            "participants": len(view.participants),
        })
        if len(rows) >= limit:
            break
    return rows


@click.command()
@common.options
@click.option("--all", "with_reports", is_flag=True,
              help="also list reports that are not (yet) in a case")
@click.option("--limit", type=click.IntRange(1, 100_000), default=1000, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def cases(config_path: str | None, database_url: str | None, with_reports: bool, limit: int,
          as_json: bool) -> None:
    """List the cases: state, embargo end, reports, issues and participants."""
    rt = common.runtime(config_path, database_url)
    with common.user_errors(), rt.readers() as session:
        rows = _rows(session, with_reports, limit)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no cases")
        return
    table = [("case", "kind", "EM", "CS", "embargo ends", "reports", "issues", "participants")]
    for r in rows:
        end = (datetime.fromisoformat(r["embargo_end"]).strftime("%Y-%m-%d %H:%MZ")
               if r["embargo_end"] else "-")
        table.append((r["id"], r["kind"], r["em_state"], r["cs_state"], end,
                      str(r["reports"]), str(r["issues"]), str(r["participants"])))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
