"""Meta tests: the codebase's own conventions (pure core, small modules, typed package)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.paths import REPO

CORE = REPO / "bridge" / "core"
FORBIDDEN_IN_CORE = {
    "fastapi", "starlette", "httpx", "sqlalchemy", "alembic", "github", "gitlab", "uvicorn",
    "requests", "socket", "urllib.request", "http.client", "subprocess", "asyncio", "psycopg",
    "time", "random", "os", "tenacity", "prometheus_client", "bridge.store", "bridge.service",
    "bridge.app", "bridge.delivery", "adapters",
}
MAX_LINES = 450


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _forbidden(name: str) -> bool:
    return any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_IN_CORE)


CORE_FILES = sorted(CORE.rglob("*.py"))


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_core_module_imports_no_io_library(path: Path) -> None:
    bad = sorted(n for n in _imports(path) if _forbidden(n))
    assert not bad, f"{path.relative_to(REPO)} imports {bad}: the core must stay pure"


def test_the_purity_check_can_fail(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import httpx\nfrom sqlalchemy.orm import Session\nimport time\n")
    assert {n for n in _imports(sample) if _forbidden(n)} == {"httpx", "sqlalchemy.orm", "time"}


def test_core_has_modules() -> None:
    assert len(CORE_FILES) >= 5


@pytest.mark.parametrize(
    "path",
    sorted((REPO / "bridge").rglob("*.py")) + sorted((REPO / "adapters").rglob("*.py")),
    ids=lambda p: str(p.relative_to(REPO)),
)
def test_modules_stay_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(REPO)} has {lines} lines; split it"


def test_packages_are_typed() -> None:
    assert (REPO / "bridge" / "py.typed").is_file()
    assert (REPO / "adapters" / "py.typed").is_file()
