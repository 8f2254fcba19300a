"""``vultron-bridge keygen PATH``: create the actor's signing key (a new identity).

The only way the bridge creates a key for a configured ``actor.key_file``: ``serve`` refuses
to start on a missing or unreadable one instead of silently becoming someone new. Refuses to
overwrite an existing file; the directory must exist. The file is written with mode 0600; its
public half is printed as the ``publicKey`` peers will see.
"""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(["rsa", "ed25519"]), default="rsa", show_default=True,
              help="RSA-2048 (every peer verifies it) or Ed25519")
@click.option("--actor", help="print the publicKey document for this actor id")
def keygen(path: Path, kind: str, actor: str | None) -> None:
    """Generate a new actor key into PATH (never overwrites)."""
    from bridge.httpsig.keys import public_key_document, public_pem, write_new_key

    if not path.parent.is_dir():
        raise click.ClickException(f"{path}: the directory {path.parent} does not exist")
    try:
        key = write_new_key(path, kind=kind)
    except FileExistsError:
        raise click.ClickException(f"{path} exists; it is an identity: move it away "
                                   "first if you really mean to replace it") from None
    except OSError as exc:
        raise click.ClickException(f"{path}: {exc.strerror or type(exc).__name__}") from None
    click.echo(f"wrote a new {kind} key to {path} (mode 0600)", err=True)
    if actor:
        click.echo(json.dumps(public_key_document(actor, key), indent=2))
    else:
        click.echo(public_pem(key), nl=False)
