"""Make a scratch Trac environment with the vultron-bridge plugin (run as a subprocess: Trac's
components register in the process that imports them, which is never the test process).

    python envtool.py create PATH CONFIG_JSON   # initenv + plugin + upgrade + permissions
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

LOADER = "import adapters.trac.plugin  # noqa: F401\n"


def create(path: str, config: dict[str, object]) -> None:
    from trac.env import Environment
    from trac.perm import PermissionSystem

    options = [(section, key, str(value)) for section, values in config["ini"].items()
               for key, value in values.items()]
    Environment(path, create=True, options=options).shutdown()
    # docs/trac.md: the plugin is loaded by a one-line module in the environment's plugins/
    (Path(path) / "plugins" / "vultron_bridge.py").write_text(LOADER)
    env = Environment(path)
    env.upgrade()
    perms = PermissionSystem(env)
    for user, actions in config["grants"].items():
        for action in actions:
            perms.grant_permission(user, action)
    for user, actions in config.get("revokes", {}).items():
        for action in actions:
            perms.revoke_permission(user, action)
    env.shutdown()


def change(path: str, number: str, author: str, spec: dict[str, str]) -> None:
    """A person changes a ticket through Trac's own model (listeners run, as for the web UI)."""
    from trac.env import Environment
    from trac.ticket.model import Ticket

    env = Environment(path)
    ticket = Ticket(env, int(number))
    comment = spec.pop("comment", None)
    for name, value in spec.items():
        ticket[name] = value
    ticket.save_changes(author=author, comment=comment)
    env.shutdown()


if __name__ == "__main__":
    if sys.argv[1] == "create":
        create(sys.argv[2], json.loads(sys.argv[3]))
    elif sys.argv[1] == "change":
        change(sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5]))
    else:
        raise SystemExit(f"unknown command {sys.argv[1]!r}")
