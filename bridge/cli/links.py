"""``vultron-bridge link``, ``unlink``, ``links`` and ``import-links``.

Exit codes: 0 done, 1 bad input (a bad reference: the message lists the accepted forms; a
rejected CSV row) or an unusable store, 2 usage errors (click's own).
"""

from __future__ import annotations

import json
import os

import click

from bridge.cli import _common as common
from bridge.core.times import stamp


@click.command()
@common.options
@click.argument("subject")
@click.argument("refs", nargs=-1, required=True, metavar="REF...")
@click.option("--relation", type=click.Choice(["tracks", "mirrors", "fixes"]),
              default="tracks", show_default=True, help="how the issues relate to the subject")
@click.option("--by", "by", help="who links (default: your login name)")
def link(config_path: str | None, database_url: str | None, subject: str, refs: tuple[str, ...],
         relation: str, by: str | None) -> None:
    """Link a report or case (SUBJECT) to tracker issues (REF: github:OWNER/REPO#N,
    gitlab:GROUP/PROJECT#IID, NAME:..., or an issue's web URL)."""
    from bridge.coord import linking
    from bridge.store import db

    rt = common.runtime(config_path, database_url)
    with common.user_errors():
        parsed = linking.parse_refs(common.syntax(rt.config), refs)
        with db.transaction(rt.sessions) as session:
            results = linking.link(session, subject, parsed, relation, by or common.default_by(),
                                   rt.clock())
    for r in results:
        click.echo(f"{'linked' if r.changed else 'already linked'}: {r.ref} ({r.relation})")


@click.command()
@common.options
@click.argument("subject")
@click.argument("ref")
@click.option("--relation", type=click.Choice(["tracks", "mirrors", "fixes"]),
              help="remove only this relation (default: every relation)")
@click.option("--by", "by", help="who unlinks (default: your login name)")
def unlink(config_path: str | None, database_url: str | None, subject: str, ref: str,
           relation: str | None, by: str | None) -> None:
    """Remove the link between SUBJECT and REF."""
    from bridge.coord import linking
    from bridge.store import db

    rt = common.runtime(config_path, database_url)
    with common.user_errors():
        parsed = common.syntax(rt.config).parse(ref)
        with db.transaction(rt.sessions) as session:
            results = linking.unlink(session, subject, parsed, relation,
                                     by or common.default_by(), rt.clock())
    if not results:
        click.echo(f"not linked: {parsed}")
    for r in results:
        click.echo(f"unlinked: {r.ref} ({r.relation})")


@click.command()
@common.options
@click.argument("subject_or_ref", metavar="SUBJECT_OR_REF")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.option("--depth", type=click.IntRange(1, 10), default=1, show_default=True,
              help="follow links this many hops (report → case → issues → other subjects…)")
def links(config_path: str | None, database_url: str | None, subject_or_ref: str,
          as_json: bool, depth: int) -> None:
    """List the issues linked to a subject, or the subjects linked to an issue."""
    from bridge.coord import graph, linking

    rt = common.runtime(config_path, database_url)
    syntax = common.syntax(rt.config)
    with common.user_errors():
        if syntax.looks_like_ref(subject_or_ref):
            kind: graph.NodeKind = "ref"
            start = str(syntax.parse(subject_or_ref))
        else:
            kind, start = "subject", linking.check_subject(subject_or_ref)
        with rt.sessions() as session:
            found = graph.walk(session, kind, start, depth)
    if as_json:
        click.echo(json.dumps(found.as_json(), indent=2, sort_keys=True))
        return
    if not found.links and not found.case_of:
        click.echo(f"no links for {start}")
        return
    distance = {(n.kind, n.id): n.distance for n in found.nodes}
    rows = [("hop", "subject", "relation", "ref", "linked by", "linked at")]
    for r in found.links:
        hop = max(distance.get(("subject", r.subject), 0), distance.get(("ref", r.ref), 0))
        rows.append((str(hop), r.subject, r.relation.value, r.ref, r.linked_by,
                     stamp(r.linked_at)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    for report, case in found.case_of:
        click.echo(f"report {report} belongs to case {case}")
    if found.truncated:
        click.echo(f"(stopped at {graph.MAX_NODES} nodes)", err=True)


@click.command("import-links")
@common.options
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--by", "by", help="linked_by for rows that leave it empty (default: login name)")
def import_links(config_path: str | None, database_url: str | None, file: str,
                 by: str | None) -> None:
    """Import links from a CSV file with the header subject,ref,relation,linked_by.

    All or nothing: any bad row (reported with its line number) and nothing is imported.
    """
    from bridge.coord import importer

    rt = common.runtime(config_path, database_url)
    size = os.path.getsize(file)
    with common.user_errors(), common.progressbar(size, "importing", show_pos=False) as bar:
        result = importer.import_links(rt.sessions, file, common.syntax(rt.config),
                                       by or common.default_by(), rt.clock(),
                                       progress=bar.update)
    if not result.ok:
        for rejected in result.rejected:
            click.echo(f"line {rejected.line}: {rejected.reason}", err=True)
        more = result.rejected_total - len(result.rejected)
        if more:
            click.echo(f"... and {more} more rejected rows", err=True)
        from bridge.core.refs import ACCEPTED_FORMS

        raise click.ClickException(
            f"{result.rejected_total} of {result.rows} rows rejected; nothing imported "
            f"(accepted reference forms: {ACCEPTED_FORMS})")
    click.echo(f"imported {result.rows} rows: {result.inserted} new links, "
               f"{result.existing} already linked (sha256 {result.sha256[:16]}…)")
