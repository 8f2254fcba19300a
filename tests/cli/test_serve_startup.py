"""``serve`` and ``worker`` find misconfiguration at start: a garbage ``actor.key_file``, a
mistyped path (no silent new identity), a missing database directory, a port out of range —
each one line naming what to fix, nothing started and nothing created.

On the old code a garbage key killed the delivery thread two minutes later while /healthz
and /readyz said 200; a mistyped path created directories and a new key; ``--port 99999``
printed a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bridge.cli.main import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_a_garbage_key_file_stops_the_start(tmp_path: Path, command: str) -> None:
    key = tmp_path / "key.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n")
    config = tmp_path / "c.yml"
    config.write_text(f'actor: {{key_file: "{key}"}}\n'
                      f'database_url: "sqlite:///{tmp_path / "b.db"}"\n')
    result = run(command, "--config", str(config))
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: cannot start: actor key: actor.key_file {key}: "
                                     "the actor key is not a readable PEM private key")
    assert not (tmp_path / "b.db").exists()  # refused before anything was opened


def test_a_mistyped_key_path_is_no_new_identity(tmp_path: Path) -> None:
    key = tmp_path / "keys" / "typo" / "key.pem"
    config = tmp_path / "c.yml"
    config.write_text(f'actor: {{key_file: "{key}"}}\n'
                      f'database_url: "sqlite:///{tmp_path / "b.db"}"\n')
    result = run("serve", "--config", str(config))
    assert result.exit_code == 1
    assert "its directory does not exist" in result.output
    assert f"vultron-bridge keygen {key}" in result.output
    assert not (tmp_path / "keys").exists()


def test_a_missing_database_directory_is_named(tmp_path: Path) -> None:
    result = run("serve", "--database-url", f"sqlite:///{tmp_path / 'nope' / 'b.db'}")
    assert result.exit_code == 1
    assert f"the directory {tmp_path / 'nope'} does not exist" in result.output


def test_a_port_out_of_range_is_a_usage_error(tmp_path: Path) -> None:
    result = run("serve", "--port", "99999")
    assert result.exit_code == 2 and "99999 is not in the range" in result.output
    assert "Traceback" not in result.output


def test_keygen_makes_a_key_once(tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    made = run("keygen", str(key), "--actor", "https://bridge.example/actors/vendor")
    assert made.exit_code == 0 and '"owner": "https://bridge.example/actors/vendor"' in made.output
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    again = run("keygen", str(key))
    assert again.exit_code == 1 and "exists; it is an identity" in again.output
