"""One adapter shape: every registered tracker has the same modules and entry points, and
nothing outside ``adapters/`` branches on a tracker's kind (docs/adding-a-tracker.md)."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from adapters.registry import TRACKERS, spec
from adapters.spec import TrackerSpec
from bridge.core.errors import ConfigurationError
from bridge.core.tracker import TrackerAdapter
from tests.paths import REPO

SHAPE = ("__init__", "webhooks", "signature", "normalize", "errors", "session", "adapter")
"""The modules every adapter package has (what each holds: docs/adding-a-tracker.md)."""
KINDS = sorted(TRACKERS)


def test_every_tracker_is_registered_once_under_its_own_kind() -> None:
    assert {"github", "gitlab"} <= set(KINDS)
    for kind, declared in TRACKERS.items():
        assert isinstance(declared, TrackerSpec) and declared.kind == kind
        package = importlib.import_module(f"adapters.{kind}")
        assert package.TRACKER is declared


@pytest.mark.parametrize("kind", KINDS)
def test_the_adapter_package_has_the_shape(kind: str) -> None:
    folder = REPO / "adapters" / kind
    missing = [m for m in SHAPE if not (folder / f"{m}.py").is_file()]
    assert not missing, f"adapters/{kind} lacks {missing}"


@pytest.mark.parametrize("kind", KINDS)
def test_the_webhook_entries_have_one_signature(kind: str) -> None:
    webhooks = importlib.import_module(f"adapters.{kind}.webhooks")
    declared = TRACKERS[kind]
    assert declared.verify_and_parse is webhooks.verify_and_parse
    assert declared.parse_trusted is webhooks.parse_trusted
    reference = inspect.signature(importlib.import_module("adapters.github.webhooks")
                                  .verify_and_parse)
    for fn in (webhooks.verify_and_parse, webhooks.parse_trusted):
        assert inspect.signature(fn) == reference


@pytest.mark.parametrize("kind", KINDS)
def test_the_adapter_class_declares_its_kind(kind: str) -> None:
    adapter = importlib.import_module(f"adapters.{kind}.adapter")
    classes = [c for _, c in inspect.getmembers(adapter, inspect.isclass)
               if c.__module__ == adapter.__name__ and getattr(c, "kind", None) == kind]
    assert len(classes) == 1, f"adapters/{kind}/adapter.py defines no class of kind {kind!r}"
    assert isinstance(classes[0].capabilities, frozenset)
    assert all(hasattr(classes[0], name) for name in dir(TrackerAdapter)
               if not name.startswith("_"))


def test_an_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(ConfigurationError) as err:
        spec("jira")
    assert all(kind in err.value.reason for kind in KINDS)


def _kind_branches(path: Path) -> list[int]:
    """Lines comparing something's ``kind`` with a tracker kind (enum member or literal)."""
    kinds = {k.upper() for k in KINDS} | set(KINDS)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        names_kind = any(isinstance(s, ast.Attribute) and s.attr == "kind" for s in sides)
        names_tracker = any(
            (isinstance(s, ast.Attribute) and s.attr in kinds)
            or (isinstance(s, ast.Constant) and s.value in kinds) for s in sides)
        if names_kind and names_tracker:
            found.append(node.lineno)
    return found


BRANCH_FREE = ("bridge/service", "bridge/cli", "bridge/config", "bridge/coord", "bridge/store")


@pytest.mark.parametrize(
    "path", sorted(p for d in BRANCH_FREE for p in (REPO / d).rglob("*.py")),
    ids=lambda p: str(p.relative_to(REPO)))
def test_nothing_outside_the_adapters_branches_on_the_kind(path: Path) -> None:
    lines = _kind_branches(path)
    assert not lines, f"{path.relative_to(REPO)}:{lines} branches on a tracker kind: ask " \
        "adapters.registry instead"


def test_the_branch_check_can_fail(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("if cfg.kind is TrackerKind.GITHUB:\n    pass\nok = cfg.kind == 'gitlab'\n")
    assert _kind_branches(sample) == [1, 3]
