"""``vultron-bridge ingest-mail``: store one RFC 5322 message read from standard input (for
procmail, fetchmail, or an MTA's pipe transport), processed by the worker like any input.

Exit status (sysexits, as MTAs read them): 0 — stored (or already stored: the same
Message-ID) and committed; 65 (EX_DATAERR) — refused by a limit, the reason on standard
error, so the MTA bounces it; 75 (EX_TEMPFAIL) — it could not be stored now, so the MTA
keeps it and tries again.
"""

from __future__ import annotations

import sys

import click

from bridge.cli.serve import _config, config_option, db_option

EX_DATAERR = 65
EX_TEMPFAIL = 75


@click.command("ingest-mail")
@config_option
@db_option
@click.option("--sender", default=None, help="the envelope sender (Postfix pipe: ${sender})")
@click.option("--recipient", "recipients", multiple=True,
              help="an envelope recipient (Postfix pipe: ${recipient}); repeatable")
def ingest_mail(config_path: str | None, database_url: str | None, sender: str | None,
                recipients: tuple[str, ...]) -> None:
    """Store one mail from standard input (exit 0 only once it is stored)."""
    config = _config(config_path, database_url)
    limit = config.mail.limits.max_bytes
    raw = sys.stdin.buffer.read(limit + 1)
    from bridge.mail.intake import MailRefused, check, store_mail

    try:
        check(raw, config.mail.limits)
    except MailRefused as exc:
        click.echo(f"vultron-bridge: refused: {exc.reason}", err=True)
        sys.exit(EX_DATAERR)
    try:
        from bridge.app.runtime import Runtime

        rt = Runtime.from_config(config)
        try:
            stored = store_mail(rt, raw, channel="stdin", envelope_from=sender,
                                recipients=recipients)
        finally:
            rt.engine.dispose()
    except MailRefused as exc:  # pragma: no cover - checked above
        click.echo(f"vultron-bridge: refused: {exc.reason}", err=True)
        sys.exit(EX_DATAERR)
    except Exception as exc:  # noqa: BLE001 - any failure to store: the MTA must retry
        click.echo(f"vultron-bridge: could not store the mail ({type(exc).__name__}); "
                   "try again later", err=True)
        sys.exit(EX_TEMPFAIL)
    what = "already stored" if stored.duplicate else "stored"
    click.echo(f"vultron-bridge: {what} as input #{stored.id}")
