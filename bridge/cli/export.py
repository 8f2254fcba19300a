"""``vultron-bridge export CASE --format cve|csaf|osv``: one publication record of a case.

The record is built from the case's fields in the store and validated (CVE: the CNA
container schema; CSAF 2.0: schema and mandatory tests; OSV: the OSV schema) before it is
printed or written. Exit codes: 0 done; 1 the record cannot be built (the message lists
what is missing), does not validate, the case is unknown, or the store is unusable.

Before publication only ``--format csaf`` works, and it gives the **interim TLP:AMBER**
advisory (a note on standard error says so): share it with the case's participants only.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from bridge.cli import _common as common


@click.command()
@common.options
@click.argument("case")
@click.option("--format", "fmt", type=click.Choice(["cve", "csaf", "osv"]), required=True,
              help="cve: CVE JSON 5 CNA container; csaf: CSAF 2.0; osv: OSV")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="write the record to this file instead of standard output")
def export(config_path: str | None, database_url: str | None, case: str, fmt: str,
           output: str | None) -> None:
    """Print (or write) CASE's CVE, CSAF or OSV record, validated."""
    from bridge.publish import export as records

    rt = common.runtime(config_path, database_url)
    with common.user_errors():
        with rt.readers() as session:
            src = records.source(session, case, rt.config.publication, rt.now())
        record = records.build(fmt, src)
    if fmt == "csaf" and not src.meta.public:
        click.echo("note: the case is not public: this is the interim TLP:AMBER advisory, "
                   "for the case's participants only", err=True)
    text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
