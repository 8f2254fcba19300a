"""What a workflow run hands the action: GitHub's environment variables and the inputs.

Inputs reach the process as ``INPUT_<NAME>`` variables (GitHub keeps the dash in
``INPUT_ACTOR-KEY``; ``action.yml`` also passes ``INPUT_ACTOR_KEY`` for shells that cannot).
Secrets are masked in the log (``::add-mask::``) before anything else is printed, and never
printed again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bridge.core.errors import ConfigurationError

DEFAULT_CONFIG = ".github/vultron-bridge.yml"
TRUE = {"1", "true", "yes", "on"}
FALSE = {"", "0", "false", "no", "off"}


def config_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment the configuration is read with: the ``github`` tracker is the run's
    own, so it need not be listed (its API URL and token come from the run)."""
    return {**environ, "VULTRON_BRIDGE__TRACKERS__GITHUB__KIND": "github"}


def input_value(env: Mapping[str, str], name: str) -> str:
    for key in (f"INPUT_{name.upper()}", f"INPUT_{name.upper().replace('-', '_')}"):
        value = env.get(key)
        if value is not None and value.strip():
            return value.strip()
    return ""


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = input_value(env, name).lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigurationError(f"input {name} must be true or false")


@dataclass(frozen=True)
class ActionEnv:
    event_name: str
    event_path: Path
    api_url: str
    repository: str
    token: str = field(repr=False)
    actor_key: str = field(repr=False)
    config_path: Path | None
    dry_run: bool
    summary_path: Path | None
    output_path: Path | None
    temp_dir: Path
    run_id: str
    run_attempt: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ActionEnv:
        env = os.environ if env is None else env
        missing = [n for n in ("GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_REPOSITORY")
                   if not env.get(n)]
        if missing:
            raise ConfigurationError(
                f"{', '.join(missing)} not set: run this inside a GitHub Actions workflow"
            )
        token = input_value(env, "token")
        if not token:
            raise ConfigurationError(
                "the token input is empty: pass a fine-grained token or an App token "
                "(see docs/action.md for the permissions each feature needs)"
            )
        config = input_value(env, "config") or DEFAULT_CONFIG
        config_path: Path | None = Path(config)
        if config == DEFAULT_CONFIG and not Path(config).is_file():
            config_path = None  # the default file is optional: defaults apply
        temp = env.get("RUNNER_TEMP") or env.get("TMPDIR") or "/tmp"  # noqa: S108
        return cls(
            event_name=env["GITHUB_EVENT_NAME"].strip(),
            event_path=Path(env["GITHUB_EVENT_PATH"]),
            api_url=(env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
            repository=env["GITHUB_REPOSITORY"].strip(),
            token=token,
            actor_key=input_value(env, "actor-key"),
            config_path=config_path,
            dry_run=_flag(env, "dry-run"),
            summary_path=Path(env["GITHUB_STEP_SUMMARY"]) if env.get("GITHUB_STEP_SUMMARY")
            else None,
            output_path=Path(env["GITHUB_OUTPUT"]) if env.get("GITHUB_OUTPUT") else None,
            temp_dir=Path(temp),
            run_id=env.get("GITHUB_RUN_ID") or "local",
            run_attempt=env.get("GITHUB_RUN_ATTEMPT") or "1",
        )

    def secrets(self) -> list[str]:
        """Every secret value, each line of a PEM on its own (GitHub masks line by line)."""
        out = [self.token]
        out += [line.strip() for line in self.actor_key.splitlines()
                if line.strip() and not line.startswith("-----")]
        return [s for s in out if len(s) >= 4]


def mask(secrets: list[str], emit: Callable[[str], None]) -> None:
    """Ask the runner to mask each secret in the log (workflow command ``::add-mask::``)."""
    for secret in secrets:
        emit(f"::add-mask::{escape_data(secret)}")


def escape_data(text: str) -> str:
    """Escape a workflow command's data part (``%``, CR, LF) so text cannot end the command
    early or start another one."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
