"""Text the bridge writes into Trac wiki fields (descriptions, comments), written verbatim.

Report content comes from outside: rendered as wiki markup, a macro (``[[Image(...)]]``, a
``TicketQuery``) or a processor would run for every reader. So every body is one
preformatted block, and the hidden marker sits in a ``#!comment`` block, which Trac never
renders.
"""

from __future__ import annotations

import re

_CLOSE = re.compile(r"\}\}\}")


def verbatim(text: str) -> str:
    """``text`` as one preformatted block; a ``}}}`` inside cannot end it early."""
    return "{{{\n" + _CLOSE.sub("} }}", text.rstrip("\n")) + "\n}}}"


def hidden(line: str) -> str:
    """A block Trac keeps in the source and never renders."""
    return "{{{#!comment\n" + _CLOSE.sub("} }}", line) + "\n}}}"
