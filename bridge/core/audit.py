"""Hash-chain arithmetic for the audit log: pure functions over plain mappings.

Each entry is hashed together with the hash of the entry before it, so editing, inserting,
reordering or deleting an entry changes every hash after it. The store
(``bridge.store.audit``) persists entries and calls these functions; nothing here touches
a database or a clock.

An entry is a mapping with the hashed fields ``seq`` (1, 2, 3, ...), ``at`` (seconds since
the epoch, a float), ``kind``, ``subject`` (a string or None) and ``data`` (JSON-compatible),
plus ``prev_hash`` and ``hash`` once chained. Any other keys are ignored.

``hash = sha256(prev_hash + "\\n" + canonical_json(hashed fields))`` in lower-case hex; the
first entry's ``prev_hash`` is ``GENESIS`` (64 zeros).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry."""

HASHED_FIELDS = ("seq", "at", "kind", "subject", "data")
"""The fields covered by an entry's hash (``prev_hash`` is mixed in separately)."""


def canonical_json(entry: Mapping[str, Any]) -> str:
    """The canonical text of an entry's hashed fields: sorted keys, no spaces, UTF-8 kept.

    Raises ValueError for values JSON cannot carry exactly (NaN, infinities) and for
    a missing hashed field.
    """
    missing = [name for name in HASHED_FIELDS if name not in entry]
    if missing:
        raise ValueError(f"audit entry lacks {', '.join(missing)}")
    picked = {name: entry[name] for name in HASHED_FIELDS}
    return json.dumps(picked, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of ``prev_hash`` and the canonical JSON of ``entry``."""
    text = prev_hash + "\n" + canonical_json(entry)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain(prev_hash: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``entry``'s hashed fields with ``prev_hash`` and ``hash`` filled in."""
    out = {name: entry[name] for name in HASHED_FIELDS}
    out["prev_hash"] = prev_hash
    out["hash"] = entry_hash(prev_hash, entry)
    return out


def link_ok(expected_seq: int, expected_prev: str, entry: Mapping[str, Any]) -> bool:
    """Whether ``entry`` is the valid successor of the entry with ``expected_prev`` hash."""
    try:
        return (
            entry.get("seq") == expected_seq
            and entry.get("prev_hash") == expected_prev
            and entry.get("hash") == entry_hash(expected_prev, entry)
        )
    except (ValueError, TypeError):
        return False


def verify_chain(
    entries: Iterable[Mapping[str, Any]], *, start_seq: int = 1, start_hash: str = GENESIS
) -> int | None:
    """The index (0-based) of the first entry that breaks the chain, or None when intact.

    An entry breaks the chain when its ``seq`` is not the next number, its ``prev_hash`` is
    not the previous entry's ``hash`` (``start_hash`` for the first), or its ``hash`` does
    not match its content. ``start_seq`` / ``start_hash`` let a caller verify a suffix.
    """
    expected_seq, expected_prev = start_seq, start_hash
    for index, entry in enumerate(entries):
        if not link_ok(expected_seq, expected_prev, entry):
            return index
        expected_seq, expected_prev = expected_seq + 1, str(entry["hash"])
    return None
