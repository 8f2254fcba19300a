"""``vultron-bridge action``: one GitHub Actions run of the bridge (see ``docs/action.md``).

Reads ``GITHUB_EVENT_NAME``, ``GITHUB_EVENT_PATH``, ``GITHUB_API_URL``, ``GITHUB_REPOSITORY``,
``GITHUB_STEP_SUMMARY``, ``GITHUB_OUTPUT``, ``RUNNER_TEMP`` and the inputs (``INPUT_TOKEN``,
``INPUT_CONFIG``, ``INPUT_ACTOR-KEY``, ``INPUT_DRY-RUN``). Exit status 0 when the run did
its work, 1 when it could not (the step summary and an ``::error::`` line say why).

Heavy modules (PyGithub, SQLAlchemy, httpx) are imported only once the command runs.
"""

from __future__ import annotations

import sys

import click


def _emit(line: str) -> None:
    click.echo(line)


@click.command("action")
@click.option("--print-actor", is_flag=True,
              help="Print the actor document for the actor-key input (to host it statically).")
def action(print_actor: bool) -> None:
    """Run the bridge for the current GitHub Actions event."""
    if print_actor:
        _print_actor()
        return
    from bridge.action.env import ActionEnv, escape_data
    from bridge.core.errors import BridgeError

    try:
        env = ActionEnv.from_env()
    except BridgeError as exc:
        _emit(f"::error title=vultron-bridge::{escape_data(exc.reason)}")
        sys.exit(1)
    from bridge.action.runner import run

    sys.exit(run(env, _emit))


def _print_actor() -> None:
    import json
    import os
    from pathlib import Path

    from bridge.action.env import DEFAULT_CONFIG, config_env, input_value
    from bridge.config import BridgeConfig, ConfigError, load_config
    from bridge.core.errors import BridgeError
    from bridge.httpsig.keys import load_private_pem, public_key_document

    pem = input_value(os.environ, "actor-key")
    if not pem:
        raise click.ClickException("the actor-key input (INPUT_ACTOR-KEY) is empty")
    path = input_value(os.environ, "config") or DEFAULT_CONFIG
    try:
        # read as a run reads it (the github tracker is the run's own)
        config = (load_config(path, env=config_env(os.environ)) if Path(path).is_file()
                  else BridgeConfig())
        key = load_private_pem(pem)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    except BridgeError as exc:
        raise click.ClickException(exc.reason) from None
    actor_id = f"{config.actor.base_url}/actors/{config.actor.name}"
    document = {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "type": "Service", "id": actor_id, "name": config.actor.display_name or
        config.actor.name, "inbox": f"{actor_id}/inbox/", "outbox": f"{actor_id}/outbox",
        "publicKey": public_key_document(actor_id, key),
    }
    click.echo(json.dumps(document, indent=2))
