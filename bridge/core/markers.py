"""Hidden markers: an HTML comment in every body the bridge writes.

The marker carries a stable token derived from the protocol object id, so that before creating
an issue an adapter can search for it: a crash between "create" and "record" never yields a
second issue. The token is one search-friendly word (``vb`` + 32 hex digits); the object id
itself is not written (ids can be long or contain ``--``, which would end an HTML comment).
"""

from __future__ import annotations

import hashlib
import re

_TOKEN = re.compile(r"<!--\s*vultron-bridge\s+(vb[0-9a-f]{32})\s*-->")


def marker_token(object_id: str) -> str:
    """The search token for a protocol object id."""
    return "vb" + hashlib.sha256(object_id.encode("utf-8")).hexdigest()[:32]


def marker_for(object_id: str) -> str:
    """The hidden HTML comment to embed in a body the bridge writes for ``object_id``."""
    return f"<!-- vultron-bridge {marker_token(object_id)} -->"


def with_marker(body: str, object_id: str) -> str:
    """``body`` with the object's marker appended (idempotent)."""
    marker = marker_for(object_id)
    if marker in body:
        return body
    return f"{body.rstrip()}\n\n{marker}\n"


def tokens_in(body: str | None) -> set[str]:
    """The marker tokens present in a body."""
    return set(_TOKEN.findall(body or ""))


def has_marker(body: str | None, object_id: str) -> bool:
    return marker_token(object_id) in tokens_in(body)


def written_by(author: str | None, bot: str) -> bool:
    """Whether an issue or advisory was created by the bridge's own identity ``bot`` (logins
    compare case-insensitively). A marker proves nothing: anyone who can file an issue (or a
    private vulnerability report) can copy it. Only what the bridge created itself is adopted
    when its marker is found; a marker on anything else was planted."""
    return bool(author) and bool(bot) and str(author).casefold() == bot.casefold()
