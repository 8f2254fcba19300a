"""Bridge-managed sections of a repository security advisory's description (pure).

GitHub advisories have neither labels nor comments. The adapter keeps the ``vultron:*`` labels
in a small section at the end of the description, and appends private notes (the adapter's
"comments", written only while the advisory is a draft) to a notes section, each note carrying
its hidden marker so it is written once.
"""

from __future__ import annotations

import re

from bridge.core.errors import PermanentError
from bridge.core.markers import has_marker, with_marker

LABELS_START = "<!-- vultron-bridge:labels -->"
LABELS_END = "<!-- /vultron-bridge:labels -->"
NOTES_START = "<!-- vultron-bridge:notes -->"
NOTES_END = "<!-- /vultron-bridge:notes -->"
MAX_DESCRIPTION = 65535
"""GitHub's limit on an advisory description."""

_LABEL = re.compile(r"`([^`\n]{1,100})`")


def _section(text: str, start: str, end: str) -> tuple[int, int] | None:
    i = text.find(start)
    if i < 0:
        return None
    j = text.find(end, i)
    if j < 0:
        return None
    return i, j + len(end)


def read_labels(description: str | None) -> set[str]:
    """The labels recorded in the managed labels section."""
    text = description or ""
    span = _section(text, LABELS_START, LABELS_END)
    if span is None:
        return set()
    return set(_LABEL.findall(text[span[0] : span[1]]))


def write_labels(description: str | None, labels: set[str]) -> str:
    """``description`` with its labels section replaced (removed when ``labels`` is empty)."""
    text = description or ""
    span = _section(text, LABELS_START, LABELS_END)
    block = ""
    if labels:
        names = ", ".join(f"`{name}`" for name in sorted(labels))
        block = f"{LABELS_START}\n**Vultron status:** {names}\n{LABELS_END}"
    if span is not None:
        text = text[: span[0]].rstrip() + ("\n\n" + block if block else "") + text[span[1] :]
    elif block:
        text = f"{text.rstrip()}\n\n{block}\n"
    return _bounded(text)


def has_note(description: str | None, marker_id: str) -> bool:
    text = description or ""
    span = _section(text, NOTES_START, NOTES_END)
    return span is not None and has_marker(text[span[0] : span[1]], marker_id)


def append_note(description: str | None, body: str, marker_id: str | None) -> str:
    """``description`` with ``body`` appended to the notes section (marked when ``marker_id``)."""
    text = description or ""
    note = with_marker(body, marker_id).rstrip() if marker_id else body.rstrip()
    note = note.replace(NOTES_END, "").replace(NOTES_START, "")
    span = _section(text, NOTES_START, NOTES_END)
    if span is None:
        text = f"{text.rstrip()}\n\n{NOTES_START}\n### Coordination notes\n\n{note}\n{NOTES_END}\n"
    else:
        end_at = span[1] - len(NOTES_END)
        text = f"{text[:end_at].rstrip()}\n\n---\n\n{note}\n{text[end_at:]}"
    return _bounded(text)


def _bounded(text: str) -> str:
    if len(text) > MAX_DESCRIPTION:
        raise PermanentError(
            f"the advisory description would exceed GitHub's {MAX_DESCRIPTION} characters"
        )
    return text
