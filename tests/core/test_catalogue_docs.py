"""docs/messages.md lists every catalogue row and every retired type, as the code has them."""

from __future__ import annotations

import pytest

from bridge.core.catalogue import CATALOGUE, MessageSpec
from bridge.core.vocab.legacy import RETIRED
from tests.paths import REPO

PAGE = (REPO / "docs" / "messages.md").read_text(encoding="utf-8")


def _row(first_cell: str) -> str:
    rows = [line for line in PAGE.splitlines() if line.startswith(f"| {first_cell} |")]
    assert len(rows) == 1, f"{first_cell}: {len(rows)} rows"
    return rows[0]


@pytest.mark.parametrize("spec", CATALOGUE, ids=lambda s: str(s.type))
def test_every_message_has_its_row(spec: MessageSpec) -> None:
    row = _row(f"`{spec.type.value}`")
    assert f"`{spec.activity}({spec.object})`" in row
    assert spec.description in row
    for change in spec.changes:
        assert str(change) in row


@pytest.mark.parametrize("retired", sorted(RETIRED))
def test_every_retired_type_is_listed(retired: str) -> None:
    assert f"`{RETIRED[retired][0]}`" in _row(f"`{retired}`")


def test_cli_output_format_is_documented() -> None:
    assert "FILE: OK <message type> <shape> [N warnings]" in PAGE
    assert "FILE: INVALID <reason>" in PAGE
