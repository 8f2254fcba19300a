"""Emit documents in the form the reference implementation accepts today.

``type`` (never ``asType``), camelCase field names, current enum spellings (``Vfd``,
``vendor``, ``RECEIVED``), ``null`` fields left out, unknown extra fields kept.
"""

from __future__ import annotations

import json
from typing import Any

from bridge.core.vocab.base import ASObject


def to_wire(model: ASObject) -> dict[str, Any]:
    """The JSON-ready dict for ``model`` (nested objects emitted whole, not as their base)."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True, serialize_as_any=True)


def to_json(model: ASObject) -> bytes:
    """Compact UTF-8 JSON for ``model``: the body to POST to an inbox."""
    return json.dumps(to_wire(model), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
