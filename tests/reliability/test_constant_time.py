"""A static check: secrets, tokens, signatures, digests and MACs are compared with
``hmac.compare_digest``, never with ``==`` / ``!=`` (whose early exit leaks, through timing,
how much of a guess was right).

An AST walk over every module in ``bridge/`` and ``adapters/``: a comparison is flagged when
either operand is named like a secret (a name segment such as ``secret``, ``token``,
``signature``, ``digest``, ``mac``) and the other operand is not a literal (comparing with
``""``, ``None`` or a number says nothing about the secret's value).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.paths import REPO
from tests.reliability.figures import figure

SENSITIVE = frozenset({
    "secret", "secrets", "token", "tokens", "signature", "signatures", "sig", "digest",
    "hexdigest", "mac", "hmac", "password", "bearer",
})
"""Name segments that mark a value as secret material."""

REVIEWED = {
    "bridge/store/inbound.py: row.body_sha256 == digest":
        "deduplication compares the SHA-256 of a body the sender already has: not a secret",
}
"""Flagged comparisons a person has reviewed as not involving secret material, with why."""

_SEGMENTS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def _segments(name: str) -> set[str]:
    return {s.lower() for s in _SEGMENTS.findall(name)}


def _name_of(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return _name_of(node.value)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("len", "type", "isinstance", "bool"):
            return None  # a length or a type is not the secret
        if isinstance(func, ast.Attribute) and func.attr in ("encode", "decode", "strip",
                                                             "lower", "get_secret_value"):
            return _name_of(func.value)
        return _name_of(func)
    return None


def _is_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return all(_is_literal(e) for e in node.elts)
    return isinstance(node, ast.Name) and node.id.isupper()  # a module constant


def _secretish(node: ast.expr) -> bool:
    name = _name_of(node)
    return name is not None and bool(_segments(name) & SENSITIVE)


def violations(path: Path, root: Path = REPO) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, operands[:-1], operands[1:], strict=True):
            if not isinstance(op, ast.Eq | ast.NotEq):
                continue
            if _is_literal(left) or _is_literal(right):
                continue
            if _secretish(left) or _secretish(right):
                found.append(f"{path.relative_to(root)}:{node.lineno}: "
                             f"{ast.unparse(node)[:80]}")
    return found


def _key(violation: str) -> str:
    where, _, code = violation.partition(": ")
    return f"{where.rsplit(':', 1)[0]}: {code}"


def _modules() -> list[Path]:
    return sorted(p for d in ("bridge", "adapters") for p in (REPO / d).rglob("*.py"))


def test_the_check_catches_a_plain_comparison(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def check(given, secret):\n"
        "    return given == secret\n"
        "def check2(sig, body, key):\n"
        "    return hmac.new(key, body, 'sha256').hexdigest() != sig\n"
        "def fine(token):\n"
        "    return token == '' or len(token) == 64 or token is None\n",
        encoding="utf-8",
    )
    assert [v.split(":")[1] for v in violations(bad, tmp_path)] == ["2", "4"]


def test_secret_comparisons_are_constant_time() -> None:
    modules = _modules()
    flagged = [v for p in modules for v in violations(p)]
    found = [v for v in flagged if _key(v) not in REVIEWED]
    assert len(flagged) - len(found) <= len(REVIEWED)
    calls = sum(p.read_text(encoding="utf-8").count("compare_digest(") for p in modules)
    assert not found, "use hmac.compare_digest:\n" + "\n".join(found)
    assert calls >= 5, "the constant-time comparisons themselves have disappeared"
    figure("constant-time static check", f"{len(modules)} modules, 0 secret comparisons with "
           f"==/!= ({len(flagged) - len(found)} reviewed non-secret digest comparison), "
           f"{calls} hmac.compare_digest calls")
