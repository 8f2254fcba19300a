"""``vultron-bridge metrics``: CVD metrics from the audit log (see docs/coordinators.md).

Medians and 90th percentiles of the time to acknowledge, triage, fix ready, publication and
the time in embargo — overall and per tracker, vendor and month — as a table, JSON or CSV,
and optionally drawn into a PNG (``--chart``, needs the ``charts`` extra: matplotlib).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from bridge.cli import _common as common


@click.command()
@common.options
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
              help="only reports that arrived on or after this date (UTC)")
@click.option("--json", "fmt", flag_value="json", help="print JSON")
@click.option("--csv", "fmt", flag_value="csv", help="print CSV (one row per summary)")
@click.option("--chart", type=click.Path(dir_okay=False, writable=True),
              help="also draw the metrics into this PNG file")
def metrics(config_path: str | None, database_url: str | None, since: datetime | None,
            fmt: str | None, chart: str | None) -> None:
    """Time to acknowledge, triage, fix ready, publication and time in embargo."""
    from bridge.coord import metrics as compute

    rt = common.runtime(config_path, database_url)
    start = since.replace(tzinfo=UTC).timestamp() if since else None
    with common.user_errors():
        with rt.sessions() as session:
            report = compute.compute(session, rt.actor_id, start)
        if chart:
            from bridge.coord.chart import draw

            draw(report.summaries, chart)
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), indent=2, sort_keys=True))
    elif fmt == "csv":
        click.echo(report.as_csv(), nl=False)
    else:
        click.echo(report.as_table())
    if chart:
        click.echo(f"chart written to {chart}", err=True)
