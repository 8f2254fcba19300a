"""A published record attached to the case's issue as a private comment (pure).

The record is shown as JSON in a fenced block, equal to the record when parsed: the
characters that could act in a Markdown body — ``<`` and ``>`` (HTML), ``&``, a backtick (the
end of the fence), ``@`` (a mention) — appear only inside JSON strings, where each is written
as its ``\\u`` escape. A record too long for one comment (GitHub takes 65,536 characters) is
not attached; the comment says how to export it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

HEADER = "**vultron-bridge**"
MAX_BODY = 60_000
_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "`": "\\u0060", "@": "\\u0040"}
TITLES = {"cve": "CVE record (CNA container)", "csaf": "CSAF advisory", "osv": "OSV entry"}


def inert_json(value: Mapping[str, Any] | str) -> str:
    """The value as indented JSON with the characters above escaped (same value parsed)."""
    text = json.dumps(value, indent=2, ensure_ascii=True)
    for char, escape in _ESCAPES.items():
        text = text.replace(char, escape)
    return text


def attachment(fmt: str, name: str, record: Mapping[str, Any], case_id: str) -> str:
    """The comment body that attaches ``record`` (written as ``name``) to the issue."""
    title = f"{HEADER}: {TITLES.get(fmt, fmt)} `{name}`, as published"
    body = f"{title}\n\n```json\n{inert_json(record)}\n```\n"
    if len(body) <= MAX_BODY:
        return body
    return (f"{title}: too long to attach here ({len(body)} characters); "
            f"`vultron-bridge export {inert_json(case_id)[1:-1]} --format {fmt}` gives it\n")
