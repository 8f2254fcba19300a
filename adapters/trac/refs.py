"""How Trac references are spelled: ``NAME:PROJECT#N`` (``trac:security#12``), PROJECT being
the Trac environment's name — the last path segment it is served under. Web URLs
``https://HOST[/PREFIX]/PROJECT/ticket/N`` map to the same ref when HOST is the tracker's
configured ``web_host``."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bridge.core.refs import RefForm, bad_ref, ref_number

_PROJECT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}", re.ASCII)


def _path(text: str, segs: Sequence[str]) -> tuple[str, int | None, str | None]:
    if len(segs) >= 3 and segs[-2] == "ticket":
        return segs[-3], ref_number(text, segs[-1]), None
    raise bad_ref(text, "not the URL of a Trac ticket (.../PROJECT/ticket/N)")


FORM = RefForm("trac", _PROJECT, "a Trac project is the environment's name (one path segment)",
               _path)
