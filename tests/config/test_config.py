"""Configuration: validated by pydantic, errors name key and line, secrets from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.config import BridgeConfig, ConfigError, load_config, load_config_text
from bridge.core.effects import DestinationMode

FULL = """
actor:
  name: acme-psirt
  base_url: https://bridge.acme.example/
trackers:
  github:
    kind: github
    token: ${GH_TOKEN}
    webhook_secrets: [old-secret, new-secret]
  corp-gitlab:
    kind: gitlab
    url: https://gitlab.acme.example
    web_host: gitlab.acme.example
destinations:
  default:
    tracker: github
    project: acme/widget
    mode: advisory
  firmware:
    tracker: corp-gitlab
    project: fw/boot/loader
    mode: confidential_issue
rules:
  close_policy: any
"""


def test_defaults_need_no_file() -> None:
    config = load_config(None, env={})
    assert config.database_url == "sqlite:///vultron-bridge.db"
    assert config.limits.max_body_bytes == 1_048_576
    assert config.rules.close_policy == "all"


def test_full_file_validates_and_interpolates_secrets() -> None:
    config = load_config_text(FULL, env={"GH_TOKEN": "ghs_example"})
    gh = config.trackers["github"]
    assert gh.token is not None and gh.token.get_secret_value() == "ghs_example"
    assert [s.get_secret_value() for s in gh.webhook_secrets] == ["old-secret", "new-secret"]
    assert config.actor.base_url == "https://bridge.acme.example"
    assert config.destinations["firmware"].mode is DestinationMode.CONFIDENTIAL_ISSUE
    assert config.tracker_kinds()["corp-gitlab"].kind == "gitlab"
    assert config.web_hosts()["gitlab.acme.example"] == "corp-gitlab"
    assert config.rules.close_policy == "any"


def test_error_names_key_and_line() -> None:
    text = "actor:\n  name: vendor\ntrackers:\n  github:\n    kind: githab\n"
    with pytest.raises(ConfigError) as err:
        load_config_text(text, source="bridge.yml", env={})
    assert "bridge.yml" in str(err.value)
    assert "line 5" in str(err.value)
    assert "trackers.github.kind" in str(err.value)


def test_unknown_key_is_refused_with_its_line() -> None:
    text = "actor:\n  name: vendor\n  colour: blue\n"
    with pytest.raises(ConfigError, match=r"line 3: actor\.colour"):
        load_config_text(text, env={})


def test_unset_environment_variable_is_named() -> None:
    with pytest.raises(ConfigError, match="GH_TOKEN is not set"):
        load_config_text(FULL, env={})


def test_environment_overrides_set_secrets_without_the_file() -> None:
    env = {
        "VULTRON_BRIDGE__TRACKERS__GITHUB__KIND": "github",
        "VULTRON_BRIDGE__TRACKERS__GITHUB__TOKEN": "tok",
        "VULTRON_BRIDGE__TRACKERS__GITHUB__WEBHOOK_SECRETS": "s1,s2",
    }
    config = load_config_text("", env=env)
    assert [s.get_secret_value() for s in config.trackers["github"].webhook_secrets] == ["s1", "s2"]


def test_secret_values_never_appear_in_errors_or_repr() -> None:
    text = "trackers:\n  github:\n    kind: github\n    token: hunter2-secret\n    bogus: 1\n"
    with pytest.raises(ConfigError) as err:
        load_config_text(text, env={})
    assert "hunter2-secret" not in str(err.value)
    text = "trackers:\n  github:\n    kind: github\n    token: hunter2-secret\n"
    config = load_config_text(text, env={})
    assert "hunter2-secret" not in repr(config)


def test_destination_must_name_a_configured_tracker_of_the_right_kind() -> None:
    text = "destinations:\n  default:\n    tracker: nowhere\n    project: a/b\n    mode: advisory\n"
    with pytest.raises(ConfigError, match="not under trackers"):
        load_config_text(text, env={})
    text = (
        "trackers:\n  gl:\n    kind: gitlab\n"
        "destinations:\n  default:\n    tracker: gl\n    project: a/b\n    mode: advisory\n"
    )
    with pytest.raises(ConfigError, match="confidential_issue"):
        load_config_text(text, env={})


def test_bad_yaml_and_wrong_top_level(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config_text("a: [1, 2\n", env={})
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config_text("- 1\n- 2\n", env={})
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "missing.yml", env={})


def test_config_is_frozen() -> None:
    config = BridgeConfig()
    with pytest.raises(Exception, match="frozen"):
        config.database_url = "x"  # type: ignore[misc]


def _keys(model: type, prefix: str = "") -> list[str]:
    """Every documented key path: ``trackers.<name>.kind``, ``peers.trusted[].prefix``…"""
    import typing

    from pydantic import BaseModel

    keys = []
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        path = f"{prefix}{name}"
        ann = field.annotation
        args = typing.get_args(ann)
        origin = typing.get_origin(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            keys.extend(_keys(ann, path + "."))
            continue
        keys.append(path)
        inner = next((a for a in reversed(args) if isinstance(a, type)), None)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            suffix = ".<name>." if origin is dict else "[]."
            keys.extend(_keys(inner, path + suffix))
    return keys


def test_every_top_level_and_nested_key_is_documented() -> None:
    from tests.paths import REPO

    doc = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [k for k in _keys(BridgeConfig) if f"`{k}" not in doc]
    assert not missing, f"undocumented configuration keys: {missing}"
