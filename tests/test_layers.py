"""The layers as a tested rule (issue 20; ``docs/architecture.md`` draws them).

Every module of ``bridge/`` and ``adapters/`` is parsed (``ast``, nothing is imported) and
each import is checked against three rules:

1. **core**: ``bridge/core`` imports nothing from ``bridge`` outside ``bridge/core`` (and
   nothing from ``adapters``);
2. **sqlalchemy**: only ``bridge/store`` imports SQLAlchemy. The handles the store hands out
   (``Session``, ``sessionmaker``, ``Engine``) and its error classes (``sqlalchemy.exc``) may be
   named anywhere — passing a session or catching a database error is not querying;
3. **layer**: each package sits on one of four layers (``LAYERS``) and imports nothing from a
   layer above its own: the pure core; the store, delivery, signatures, configuration and the
   tracker adapters; the use cases (``bridge/app``, ``bridge/mail``, ``bridge/publish``,
   ``bridge/coord``); the edges (``bridge/service``'s HTTP routes, ``bridge/action``,
   ``bridge/cli``). Every module of the packages is on a layer
   (``test_every_module_is_on_a_layer``).

What breaks a rule today is in ``EXCEPTIONS``, each with its reason; the list may only
shrink: an exception that no longer matches a real import fails too (remove it), and any new
violation fails. ``test_a_new_violation_fails`` proves the checker bites on synthetic modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest

from tests.paths import REPO

PACKAGES = ("bridge", "adapters")
SQLALCHEMY_HANDLES = frozenset({
    "sqlalchemy.orm.Session", "sqlalchemy.orm.sessionmaker", "sqlalchemy.Engine",
})

# (path prefix, layer): a module is on the layer of the longest prefix of its path
LAYERS: tuple[tuple[str, int], ...] = (
    ("bridge/__init__.py", 0), ("bridge/core/", 0), ("bridge/data/", 0),
    ("bridge/store/", 1), ("bridge/migrations/", 1), ("bridge/delivery/", 1),
    ("bridge/httpsig/", 1), ("bridge/config/", 1), ("bridge/metrics.py", 1),
    ("bridge/logs.py", 1), ("adapters/", 1),
    ("bridge/app/", 2), ("bridge/mail/", 2), ("bridge/publish/", 2), ("bridge/coord/", 2),
    ("bridge/service/", 3), ("bridge/action/", 3), ("bridge/cli/", 3),
)
LAYER_NAMES = ("core", "store, delivery and adapters", "use cases", "edges")


def layer_of(path: str) -> int | None:
    """The layer of a module path (``bridge/app/guard.py``), None if it is on none."""
    best = max((prefix for prefix, _ in LAYERS if path.startswith(prefix)), key=len, default=None)
    return None if best is None else dict(LAYERS)[best]


def layer_of_name(name: str) -> int | None:
    """The layer of an imported dotted name (``bridge.app.guard.to_ref``): the first of its
    prefixes that is a module or package path of ours."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        stem = "/".join(parts[:end])
        for candidate in (stem + ".py", stem + "/"):
            if (REPO / candidate).exists():
                return layer_of(candidate)
    return None


EXCEPTIONS: dict[tuple[str, str, str], str] = {
    # (rule, module path, imported name) -> why it is allowed for now
    ("core", "bridge/core/records/csaf.py", "bridge.__version__"):
        "the product version, a constant in the package root (which imports nothing)",
    **{("sqlalchemy", path, name): "Alembic migrations are the store's schema history; "
       "Alembic needs them in their own package"
       for path, name in [
           ("bridge/migrations/env.py", "sqlalchemy.Connection"),
           ("bridge/migrations/versions/0001_initial_schema.py", "sqlalchemy"),
           ("bridge/migrations/versions/0002_inbound_raw_sha256.py", "sqlalchemy"),
       ]},
}


def imported_names(source: str) -> Iterator[str]:
    """Every absolute import as a dotted name: ``import a.b`` → ``a.b``, ``from a import b``
    → ``a.b`` (relative imports stay inside their package and are not layer crossings)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def violations(path: str, source: str) -> set[tuple[str, str, str]]:
    """``(rule, path, imported name)`` for each import in ``source`` that breaks a rule."""
    found: set[tuple[str, str, str]] = set()
    for name in imported_names(source):
        if path.startswith("bridge/core/") and (
                (_under(name, "bridge") and not _under(name, "bridge.core"))
                or _under(name, "adapters")):
            found.add(("core", path, name))
        if (_under(name, "sqlalchemy") and not path.startswith("bridge/store/")
                and name not in SQLALCHEMY_HANDLES and not _under(name, "sqlalchemy.exc")):
            found.add(("sqlalchemy", path, name))
        if (_under(name, "bridge") or _under(name, "adapters")) \
                and not path.startswith("bridge/core/"):  # the core rule is stricter
            mine, theirs = layer_of(path), layer_of_name(name)
            if mine is not None and theirs is not None and theirs > mine:
                found.add(("layer", path, name))
    return found


def _all_violations() -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    for package in PACKAGES:
        for file in sorted((REPO / package).rglob("*.py")):
            found |= violations(file.relative_to(REPO).as_posix(), file.read_text())
    return found


def test_no_import_breaks_a_layer() -> None:
    found = _all_violations()
    new = sorted(found - EXCEPTIONS.keys())
    assert new == [], "upward imports (fix them, or list them in EXCEPTIONS with a reason):\n" \
        + "\n".join(f"  {rule}: {path} imports {name}" for rule, path, name in new)


def test_every_exception_is_still_needed() -> None:
    stale = sorted(EXCEPTIONS.keys() - _all_violations())
    assert stale == [], f"fixed, so remove from EXCEPTIONS: {stale}"


def test_every_exception_has_a_reason() -> None:
    assert all(reason.strip() for reason in EXCEPTIONS.values())
    assert {rule for rule, _, _ in EXCEPTIONS} <= {"core", "sqlalchemy", "layer"}


def test_every_module_is_on_a_layer() -> None:
    unplaced = sorted(file.relative_to(REPO).as_posix() for package in PACKAGES
                      for file in (REPO / package).rglob("*.py")
                      if layer_of(file.relative_to(REPO).as_posix()) is None)
    assert unplaced == [], f"put these on a layer in LAYERS: {unplaced}"


CROSSINGS = [
    ("bridge/core/x.py", "from bridge.app.runtime import Runtime\n",
     ("core", "bridge.app.runtime.Runtime")),
    ("bridge/core/x.py", "import adapters.github\n", ("core", "adapters.github")),
    ("bridge/core/x.py", "import bridge.store.db\n", ("core", "bridge.store.db")),
    ("bridge/service/x.py", "from sqlalchemy import select\n",
     ("sqlalchemy", "sqlalchemy.select")),
    ("adapters/x.py", "import sqlalchemy\n", ("sqlalchemy", "sqlalchemy")),
    ("bridge/coord/x.py", "def f():\n    from bridge.service import app\n",
     ("layer", "bridge.service.app")),
    ("bridge/app/x.py", "from bridge.service.inbox import router\n",
     ("layer", "bridge.service.inbox.router")),
    ("bridge/store/x.py", "from bridge.app.runtime import Runtime\n",
     ("layer", "bridge.app.runtime.Runtime")),
    ("adapters/x.py", "from bridge.app import guard\n", ("layer", "bridge.app.guard")),
    ("bridge/delivery/x.py", "import bridge.cli.serve\n", ("layer", "bridge.cli.serve")),
]


@pytest.mark.parametrize(("path", "source", "found"), CROSSINGS)
def test_a_synthetic_module_crossing_a_layer_fails(path: str, source: str,
                                                    found: tuple[str, str]) -> None:
    assert violations(path, source) == {(found[0], path, found[1])}


def test_a_new_violation_fails() -> None:
    """The checker bites only where it should: modules that cross no layer pass."""
    # what is allowed
    assert violations("bridge/core/x.py", "from bridge.core.errors import InputError\n") == set()
    assert violations("bridge/store/x.py", "from sqlalchemy import select\n") == set()
    assert violations("bridge/service/x.py", "from sqlalchemy.orm import Session\n"
                      "from sqlalchemy.exc import SQLAlchemyError\n") == set()
    assert violations("bridge/service/x.py", "from bridge.coord import graph\n") == set()
    # a new violation in a real module is reported even with today's exceptions in place
    new = violations("bridge/coord/caseview.py", "from bridge.service.app import x\n")
    assert new and not new <= EXCEPTIONS.keys()
