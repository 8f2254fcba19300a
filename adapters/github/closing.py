"""GitHub's closing keywords in a pull request description (``fixes #12``).

GitHub closes an issue when a merged pull request's description says ``close``, ``closes``,
``closed``, ``fix``, ``fixes``, ``fixed``, ``resolve``, ``resolves`` or ``resolved`` followed by
an issue: ``#12``, ``owner/repo#3`` or the issue's URL. Each issue needs its own keyword
(``fixes #1, fixes #2``). Text inside fenced code blocks is not considered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bridge.core.refs import TrackerRef

_SEG = r"[A-Za-z0-9_.-]{1,100}"
_KEYWORD = re.compile(
    r"(?<![\w/#-])(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?[ \t]+"
    r"(?:(?P<url>https?://(?P<host>[A-Za-z0-9.-]+(?::\d+)?)/(?P<uo>"
    + _SEG
    + r")/(?P<ur>"
    + _SEG
    + r")/issues/(?P<un>[1-9][0-9]{0,11}))"
    r"|(?:(?P<o>" + _SEG + r")/(?P<r>" + _SEG + r"))?#(?P<n>[1-9][0-9]{0,11}))(?![\w/])",
    re.IGNORECASE,
)


def _unfenced(text: str) -> str:
    kept: list[str] = []
    fenced = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if not fenced:
            kept.append(line)
    return "\n".join(kept)


def closing_refs(
    text: str | None,
    project: str,
    *,
    tracker: str = "github",
    web_hosts: Sequence[str] = ("github.com",),
) -> list[TrackerRef]:
    """The issues a merged pull request in ``project`` closes, in order, without duplicates.

    URLs on hosts other than ``web_hosts`` are not this tracker's issues and are skipped.
    """
    if not text:
        return []
    hosts = {h.lower() for h in web_hosts}
    found: list[TrackerRef] = []
    for m in _KEYWORD.finditer(_unfenced(text)):
        if m.group("url"):
            if m.group("host").lower() not in hosts:
                continue
            ref = TrackerRef(tracker, f"{m.group('uo')}/{m.group('ur')}", int(m.group("un")))
        elif m.group("o"):
            ref = TrackerRef(tracker, f"{m.group('o')}/{m.group('r')}", int(m.group("n")))
        else:
            ref = TrackerRef(tracker, project, int(m.group("n")))
        if ref not in found:
            found.append(ref)
    return found
