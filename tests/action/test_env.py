"""Reading the workflow's environment: inputs, defaults, masking, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.action.env import ActionEnv, escape_data, mask
from bridge.cli.main import cli
from bridge.core.errors import ConfigurationError

BASE = {"GITHUB_EVENT_NAME": "schedule", "GITHUB_EVENT_PATH": "/tmp/e.json",
        "GITHUB_REPOSITORY": "acme/widget", "INPUT_TOKEN": "tok-123456"}


def test_inputs_with_dashes_or_underscores() -> None:
    env = ActionEnv.from_env({**BASE, "INPUT_ACTOR-KEY": "k", "INPUT_DRY-RUN": "TRUE"})
    assert env.actor_key == "k" and env.dry_run is True
    env = ActionEnv.from_env({**BASE, "INPUT_ACTOR_KEY": "k2", "INPUT_DRY_RUN": "false"})
    assert env.actor_key == "k2" and env.dry_run is False
    assert env.api_url == "https://api.github.com" and env.summary_path is None
    assert "tok-123456" not in repr(env)


def test_missing_pieces_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="token input is empty"):
        ActionEnv.from_env({**BASE, "INPUT_TOKEN": " "})
    with pytest.raises(ConfigurationError, match="GITHUB_EVENT_PATH"):
        ActionEnv.from_env({k: v for k, v in BASE.items() if k != "GITHUB_EVENT_PATH"})
    with pytest.raises(ConfigurationError, match="dry-run must be true or false"):
        ActionEnv.from_env({**BASE, "INPUT_DRY-RUN": "maybe"})


def test_masking_escapes_workflow_command_data() -> None:
    lines: list[str] = []
    mask(["a%b\nc"], lines.append)
    assert lines == ["::add-mask::a%25b%0Ac"]
    assert escape_data("x\r\ny") == "x%0D%0Ay"


def test_cli_outside_a_workflow_is_one_error_line() -> None:
    result = CliRunner().invoke(cli, ["action"], env={"GITHUB_EVENT_NAME": ""})
    assert result.exit_code == 1
    assert result.output.startswith("::error title=vultron-bridge::")
    assert "Traceback" not in result.output


def test_unreadable_config_is_a_clear_error(tmp_path: Path) -> None:
    event = tmp_path / "e.json"
    event.write_text("{}")
    bad = tmp_path / "c.yml"
    bad.write_text("actor: [\n")
    result = CliRunner().invoke(cli, ["action"], env={
        **BASE, "GITHUB_EVENT_PATH": str(event), "INPUT_CONFIG": str(bad),
        "RUNNER_TEMP": str(tmp_path), "GITHUB_STEP_SUMMARY": str(tmp_path / "s.md")})
    assert result.exit_code == 1
    assert "not valid YAML" in (tmp_path / "s.md").read_text()
    assert "::error title=vultron-bridge::" in result.output
