"""GitLab's issue closing patterns in merge request descriptions (pure).

Mirrors GitLab's default ``issue_closing_pattern``: a keyword (``Close``, ``Closes``, ``Closed``,
``Closing``, ``Fix``, ``Fixes``, ``Fixed``, ``Fixing``, ``Resolve``, ``Resolves``, ``Resolved``,
``Resolving``, ``Implement``, ``Implements``, ``Implemented``, ``Implementing``; first letter in
either case, optional colon) followed by one or more issue references separated by commas or
``and``: ``#12``, ``project#12``, ``group/project#3``, or an issue URL of the same instance
(``https://gitlab.example/g/p/-/issues/4``). References to other hosts are not ours to resolve.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_REF = r"(?:https?://[^\s,;]+?/(?:-/)?(?:issues|work_items)/\d+|(?:[\w.-]+/)*[\w.-]*#\d+)"
_KEYWORD = (
    r"\b(?:[Cc]los(?:e[sd]?|ing)|[Ff]ix(?:e[sd]|ing)?|[Rr]esolv(?:e[sd]?|ing)"
    r"|[Ii]mplement(?:s|ed|ing)?)"
)
_PATTERN = re.compile(
    _KEYWORD
    + r":? +(?:issues? +)?("
    + _REF
    + r"(?:(?: *,? +and +| *, *| +)(?:issues? +)?"
    + _REF
    + r")*)"
)
_ONE_REF = re.compile(_REF)
MAX_REFS = 50
"""A description closing more issues than this is cut off (each one becomes an event)."""


def _resolve(ref: str, project: str, host: str | None) -> tuple[str, int] | None:
    if ref.startswith(("http://", "https://")):
        parts = urlsplit(ref)
        if host is None or (parts.hostname or "").lower() != host:
            return None
        segs = [s for s in parts.path.split("/") if s]
        if "-" in segs:
            i = segs.index("-")
            path, tail = segs[:i], segs[i + 1 :]
        else:
            path, tail = segs[:-2], segs[-2:]
        if len(path) < 2 or len(tail) != 2 or not tail[1].isdigit():
            return None
        return "/".join(path), int(tail[1])
    target, _, number = ref.rpartition("#")
    if not number.isdigit() or len(number) > 12:
        return None
    if not target:
        return project, int(number)
    if "/" not in target:
        namespace = project.rpartition("/")[0]
        return f"{namespace}/{target}", int(number)
    return target, int(number)


def closed_issues(description: str | None, project: str, host: str | None) -> list[tuple[str, int]]:
    """``(project path, iid)`` of every issue ``description`` closes, in order, without repeats.

    ``project`` is the merge request's target project (for ``#N``); ``host`` its web host.
    """
    if not description:
        return []
    found: list[tuple[str, int]] = []
    for match in _PATTERN.finditer(description):
        for ref in _ONE_REF.findall(match.group(1)):
            resolved = _resolve(ref, project, host)
            if resolved and resolved not in found:
                found.append(resolved)
                if len(found) >= MAX_REFS:
                    return found
    return found
