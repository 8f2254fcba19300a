"""Issue references mentioned in free text (release notes): ``#12``, ``owner/repo#3``,
``group/sub/project#4``, and issue URLs of the tracker's web host.

Used to find the linked issues a release "names"; pure and conservative: code spans and
fenced blocks are skipped, and only references into known projects count (the caller
intersects the result with the issues that are actually linked).
"""

from __future__ import annotations

import re

from bridge.core.refs import TrackerRef

_FENCE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`", re.S)
_SHORT = re.compile(
    r"(?<![\w/#])(?:(?P<project>[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+))?#(?P<n>[1-9]\d{0,9})\b"
)
_URL = re.compile(
    r"https?://(?P<host>[A-Za-z0-9.-]+(?::\d+)?)/"
    r"(?P<project>[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+?)"
    r"(?:/-)?/(?:issues|pull|work_items)/(?P<n>[1-9]\d{0,9})\b"
)


def mentioned_refs(
    text: str | None, tracker: str, project: str, web_hosts: tuple[str, ...] = ()
) -> list[TrackerRef]:
    """The issue references in ``text``, relative to ``project`` on ``tracker``, in order."""
    if not text:
        return []
    plain = _FENCE.sub(" ", text)
    found: dict[TrackerRef, None] = {}
    for m in _URL.finditer(plain):
        if m.group("host").lower() in web_hosts:
            found[TrackerRef(tracker, m.group("project"), int(m.group("n")))] = None
    for m in _SHORT.finditer(_URL.sub(" ", plain)):
        found[TrackerRef(tracker, m.group("project") or project, int(m.group("n")))] = None
    return list(found)
