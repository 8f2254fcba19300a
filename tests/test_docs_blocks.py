"""Every YAML and shell example in ``docs/`` works as written.

* every ``yaml`` block parses; one that is a configuration (its top-level keys are
  configuration sections) loads with the project's own loader and schema — every ``${VAR}``
  set — the Action's with the Action's reading (its ``github`` tracker is implicit);
* every ``sh``/``bash`` block, and the ``$ `` lines of ``console`` blocks, are valid bash
  (``bash -n``) and assign no variable whose name the shell cannot take
  (``INPUT_ACTOR-KEY=… cmd`` runs a command of that name and prints the value in its error);
* every ``vultron-bridge …`` command in them names a real command and options it takes
  (parsed by the CLI itself, nothing run).

The old docs/configuration.md example (``[${GITHUB_WEBHOOK_SECRET}]``) was invalid YAML, and
docs/action.md's ``INPUT_ACTOR-KEY="$(cat key.pem)" vultron-bridge action --print-actor`` was
not valid shell; both fail here.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import textwrap
from pathlib import Path

import click
import pytest
import yaml

from bridge.action.env import config_env
from bridge.cli.main import cli
from bridge.config import load_config_text
from bridge.config.schema import BridgeConfig
from tests.paths import REPO

DOCS = REPO / "docs"
_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>[A-Za-z]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.S | re.M)
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_BAD_ASSIGNMENT = re.compile(r"(?:^|[;&|(]\s*|\s)([A-Za-z_][A-Za-z0-9_]*-[A-Za-z0-9_-]*)=")


def blocks(*langs: str) -> list[tuple[str, int, str, str]]:
    found = []
    for path in sorted(DOCS.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        for m in _FENCE.finditer(text):
            if m.group("lang") in langs:
                line = text[: m.start()].count("\n") + 1
                found.append((str(path.relative_to(REPO)), line, m.group("lang"),
                              textwrap.dedent(m.group("body"))))
    return found


def _id(block: tuple[str, int, str, str]) -> str:
    return f"{block[0]}:{block[1]}"


YAML = blocks("yaml", "yml")
SHELL = blocks("sh", "bash", "console")


def test_the_docs_have_examples() -> None:
    assert len(YAML) >= 5 and len(SHELL) >= 10


@pytest.mark.parametrize("block", YAML, ids=_id)
def test_yaml_blocks_parse_and_configurations_load(block: tuple[str, int, str, str]) -> None:
    where, _, _, text = block
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not set(data) <= set(BridgeConfig.model_fields):
        return  # YAML, but not a configuration (a workflow, a fragment of something else)
    env = {name: "example-value" for name in _VAR.findall(text)}
    if where.endswith("action.md"):
        env = config_env(env)
    load_config_text(text, source=where, env=env)


def _commands(lang: str, text: str) -> list[str]:
    if lang != "console":
        return [text]
    out: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("$ "):
            command = line[2:]
            j = i
            while command.endswith("\\") and j + 1 < len(lines):
                j += 1
                command = command[:-1] + " " + lines[j].strip()
            out.append(command)
    return out


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("block", SHELL, ids=_id)
def test_shell_blocks_are_valid_bash(block: tuple[str, int, str, str]) -> None:
    _, _, lang, text = block
    for command in _commands(lang, text):
        checked = subprocess.run(["bash", "-n"], input=command, text=True,
                                 capture_output=True, check=False)
        assert checked.returncode == 0, checked.stderr
        for line in command.splitlines():
            code = line.split("#", 1)[0]
            bad = _BAD_ASSIGNMENT.search(code)
            assert bad is None, f"{bad.group(1)}= is not an assignment the shell makes: {line}"


def _words(command: str) -> list[list[str]]:
    """The ``vultron-bridge`` invocations in a command line (split at pipes, ``&&``, ``;`` and a
    background ``&``)."""
    joined = command.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        code = line.split(" #", 1)[0].strip()
        if not code or code.startswith("#"):
            continue
        for part in re.split(r"\s*(?:&&|\|\||\||;|&)\s*", code):
            try:
                words = shlex.split(part)
            except ValueError:
                continue
            while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
                words = words[1:]  # VAR=value before the command
            if words and words[0].endswith("vultron-bridge"):
                args: list[str] = []
                skip = False
                for word in words[1:]:
                    if word in (">", "<", ">>", "2>"):
                        skip = True  # a redirection and its target are not arguments
                    elif not skip and not word.startswith((">", "<")):
                        args.append(word)
                    else:
                        skip = False
                found.append(args)
    return found


INVOCATIONS = [(f"{_id(b)}", words) for b in SHELL for c in _commands(b[2], b[3])
               for words in _words(c)]


@pytest.mark.parametrize(("where", "args"), INVOCATIONS, ids=[w for w, _ in INVOCATIONS])
def test_every_vultron_bridge_command_in_the_docs_exists(where: str, args: list[str]) -> None:
    command: click.Command = cli
    ctx = click.Context(cli, info_name="vultron-bridge")
    rest = list(args)
    while isinstance(command, click.Group) and rest:
        sub = command.get_command(ctx, rest[0])
        assert sub is not None, f"{where}: no command {rest[0]!r}"
        command, rest = sub, rest[1:]
        ctx = click.Context(command, info_name=command.name, parent=ctx)
    params = [p for p in command.params if isinstance(p, click.Argument)]
    for param in params:  # arguments that must exist on disk would need the example's files
        param.type = click.STRING if isinstance(param.type, click.Path) else param.type
    command.make_context(command.name or "", rest, parent=ctx.parent)


def test_the_checks_can_fail(tmp_path: Path) -> None:
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load("webhook_secrets: [${GITHUB_WEBHOOK_SECRET}]")
    assert _BAD_ASSIGNMENT.search('INPUT_ACTOR-KEY="$(cat key.pem)" vultron-bridge action')
    assert not _BAD_ASSIGNMENT.search('INPUT_ACTOR_KEY="$(cat k)" vultron-bridge action')
    with pytest.raises(click.UsageError):
        test_every_vultron_bridge_command_in_the_docs_exists("x", ["inputs", "list", "--nope"])
