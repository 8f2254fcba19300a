"""Loading the YAML configuration: line numbers in errors, environment overrides for secrets.

Environment overrides: ``VULTRON_BRIDGE__A__B__C=value`` sets key ``a.b.c`` (lower-cased path,
``__`` between levels), so secrets never need to be in the file. A value ``${NAME}`` in the
file is replaced by the environment variable NAME (an unset variable is an error naming it).
Error messages name keys and lines, never secret values.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bridge.config.schema import BridgeConfig

ENV_PREFIX = "VULTRON_BRIDGE__"
_VAR = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_LIST_KEYS = {"webhook_secrets", "signing_keys", "poll", "allow_networks"}


class ConfigError(Exception):
    """The configuration is wrong; the message names the file, key and line."""


def _lines(node: yaml.Node, path: tuple[str, ...], out: dict[tuple[str, ...], int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _lines(value, (*path, str(key.value)), out)
            out.setdefault((*path, str(key.value)), key.start_mark.line + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*path, str(i)), out)


class _Unset:
    """An unset ``${NAME}`` when unset variables are allowed: the key (or list item) holding it
    is left out, as if it were not in the file."""


_UNSET = _Unset()


def _interpolate(value: Any, env: Mapping[str, str], path: str, allow_unset: bool = False) -> Any:
    if isinstance(value, dict):
        pairs = ((k, _interpolate(v, env, f"{path}.{k}" if path else str(k), allow_unset))
                 for k, v in value.items())
        return {k: v for k, v in pairs if v is not _UNSET}
    if isinstance(value, list):
        items = (_interpolate(v, env, f"{path}[{i}]", allow_unset) for i, v in enumerate(value))
        return [v for v in items if v is not _UNSET]
    if isinstance(value, str):
        m = _VAR.match(value.strip())
        if m:
            if m.group(1) not in env:
                if allow_unset:
                    return _UNSET
                raise ConfigError(f"{path}: environment variable {m.group(1)} is not set")
            return env[m.group(1)]
    return value


def _apply_env(data: dict[str, Any], env: Mapping[str, str]) -> None:
    for name, value in sorted(env.items()):
        if not name.startswith(ENV_PREFIX):
            continue
        keys = [k.lower() for k in name[len(ENV_PREFIX) :].split("__") if k]
        if not keys:
            continue
        node = data
        for key in keys[:-1]:
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                raise ConfigError(f"{name}: {'.'.join(keys)} does not name a section")
            node = child
        leaf = keys[-1]
        node[leaf] = [v for v in value.split(",") if v] if leaf in _LIST_KEYS else value


def load_config_text(
    text: str, *, source: str = "<config>", env: Mapping[str, str] | None = None,
    allow_unset: bool = False,
) -> BridgeConfig:
    """Parse and validate configuration text; raise ConfigError naming key and line.

    ``allow_unset``: a ``${NAME}`` whose variable is not set leaves its key out instead of
    being an error — for commands that never use most secrets (``links``, ``metrics``…): a
    command that does need the value then fails where it uses it, saying what is missing."""
    env = dict(os.environ) if env is None else env
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "error"
        raise ConfigError(f"{source}:{where} not valid YAML ({problem})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys")
    lines: dict[tuple[str, ...], int] = {}
    if node is not None:
        _lines(node, (), lines)
    data = _interpolate(data, env, "", allow_unset)
    _apply_env(data, env)
    try:
        return BridgeConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(str(p) for p in err["loc"])
            line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
            key = ".".join(loc) or "(top level)"
            where = f"line {line}: " if line else ""
            problems.append(f"{where}{key}: {err['msg']}")
        raise ConfigError(f"{source}: " + "; ".join(problems)) from None


def load_config(path: str | Path | None, *, env: Mapping[str, str] | None = None,
                allow_unset: bool = False) -> BridgeConfig:
    """Load a configuration file; None (or a missing default file) gives the defaults."""
    if path is None:
        return load_config_text("", env=env, allow_unset=allow_unset)
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{p}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read it ({type(exc).__name__})") from None
    return load_config_text(text, source=str(p), env=env, allow_unset=allow_unset)
