"""The README's two setup commands stay true: CI runs the test command verbatim."""

from __future__ import annotations

import re

from tests.paths import REPO


def _commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    head = text.split("## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", head, flags=re.S)


def test_readme_opens_with_exactly_two_commands() -> None:
    cmds = _commands()
    assert len(cmds) == 2, cmds
    assert all("\n" not in c for c in cmds)


def test_first_command_installs_and_serves_on_sqlite_default() -> None:
    first = _commands()[0]
    assert "pip install" in first and first.rstrip().endswith("vultron-bridge serve")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    second = _commands()[1]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert second in ci
    assert "set -euo pipefail" in ci
