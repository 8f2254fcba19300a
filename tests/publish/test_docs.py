"""docs/publication.md's examples work as written: every YAML block is a valid configuration,
every ``/vultron`` edit in it parses, every ``vultron-bridge`` line names a real command."""

from __future__ import annotations

import re

import pytest

from bridge.cli.main import COMMANDS
from bridge.config import load_config_text
from bridge.core.records.edit import VERBS, parse_edit
from tests.paths import REPO

DOC = (REPO / "docs" / "publication.md").read_text(encoding="utf-8")
YAML = re.findall(r"```yaml\n(.+?)```", DOC, flags=re.S)
SHELL = re.findall(r"```sh\n(.+?)```", DOC, flags=re.S)
PLACEHOLDERS = {"<text>": "Some text", "<commit URL>": "https://example.org/commit/abc1234",
                "<URL>": "https://example.org/releases/1.4.2"}
SYNTAX = ("\\|", "<value>", "<field>")
"""Marks of a syntax summary (``set title\\|description <value>``), not an example."""
EDITS = sorted({e for e in re.findall(r"`/vultron ((?:set|add|unset) [^`]+)`", DOC)
                if not any(mark in e for mark in SYNTAX)})


def test_the_page_has_examples() -> None:
    assert len(YAML) >= 2 and SHELL and len(EDITS) >= 10


@pytest.mark.parametrize("block", YAML)
def test_yaml_examples_are_valid_configuration(block: str) -> None:
    load_config_text(block)


@pytest.mark.parametrize("line", EDITS)
def test_edit_examples_parse(line: str) -> None:
    verb, _, rest = line.partition(" ")
    assert verb in VERBS
    for placeholder, value in PLACEHOLDERS.items():
        rest = rest.replace(placeholder, value)
    parse_edit(verb, rest)


def test_shell_examples_name_real_commands_and_formats() -> None:
    for line in "".join(SHELL).splitlines():
        words = line.split()
        assert words[0] == "vultron-bridge" and words[1] in COMMANDS, line
        assert words[words.index("--format") + 1] in ("cve", "csaf", "osv")


SSVC_EXAMPLES = re.findall(r"`/vultron ssvc ([^`]+)`", DOC)


def test_ssvc_examples_parse_and_the_last_one_is_complete() -> None:
    from bridge.core.records import ssvc
    examples = [e for e in SSVC_EXAMPLES if "<" not in e and "…" not in e]
    assert len(examples) >= 3
    answers: dict[str, str] = {}
    for example in examples:
        answers = ssvc.answer(answers, example)
    assert ssvc.outcome(answers) == "coordinate"
