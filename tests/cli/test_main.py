"""``bridge/cli/main.py``: every command it lists loads, and loads only when asked for."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from bridge.cli.main import COMMANDS, cli


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_listed_command_loads(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert isinstance(command, click.Command)


def test_help_lists_every_command_and_an_unknown_one_is_an_error() -> None:
    runner = CliRunner()
    shown = runner.invoke(cli, ["--help"]).output
    assert all(name in shown for name in COMMANDS)
    result = runner.invoke(cli, ["no-such-command"])
    assert result.exit_code == 2 and "No such command 'no-such-command'" in result.output


def test_the_group_imports_no_command_module_until_one_runs() -> None:
    probe = ("import sys, bridge.cli.main; "
             "print(sorted(m for m in sys.modules if m.startswith(('bridge.cli.', 'fastapi', "
             "'sqlalchemy'))))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "['bridge.cli.main']"
