"""The ``vultron-bridge`` command: a click group whose subcommands load lazily.

Each subcommand lives in its own module under ``bridge.cli`` and exports a click command
named in ``COMMANDS``; nothing heavy (FastAPI, SQLAlchemy, SDKs) is imported until a command
that needs it runs, which keeps ``validate`` and the GitHub Action's cold start fast.
Errors the user can fix are printed as one line naming the problem, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from bridge import __version__

#: command name -> "module:attribute"
COMMANDS: dict[str, str] = {
    "validate": "bridge.cli.validate:validate",
    "explain": "bridge.cli.validate:explain",
    "translate": "bridge.cli.translate:translate",
    "serve": "bridge.cli.serve:serve",
    "worker": "bridge.cli.serve:worker",
    "ingest-mail": "bridge.cli.mail:ingest_mail",
    "migrate": "bridge.cli.serve:migrate",
    "keygen": "bridge.cli.keygen:keygen",
    "check": "bridge.cli.check:check",
    "inputs": "bridge.cli.repair:inputs",
    "deliveries": "bridge.cli.repair:deliveries",
    "audit": "bridge.cli.audit:audit",
    "link": "bridge.cli.links:link",
    "unlink": "bridge.cli.links:unlink",
    "links": "bridge.cli.links:links",
    "import-links": "bridge.cli.links:import_links",
    "status": "bridge.cli.status:status",
    "cases": "bridge.cli.cases:cases",
    "reconcile": "bridge.cli.status:reconcile",
    "metrics": "bridge.cli.metrics:metrics",
    "action": "bridge.cli.action:action",
    "export": "bridge.cli.export:export",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vultron-bridge")
def cli() -> None:
    """Bridge GitHub and GitLab issue trackers to the Vultron CVD protocol."""


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name="vultron-bridge")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
