"""Text from peers made inert before a tracker sees it (pure): the one place for that fact.

Everything a peer supplies — a report's name and content, a note, an actor or case id, an
embargo's name, anything from an inbound activity — is untrusted. Written verbatim into a
GitHub or GitLab body it could act:

* **commands**: GitLab runs a line starting with ``/`` (``/label``, ``/close``, ``/move``…) as a
  quick action *as the bot*; our own ``/vultron`` lines are commands too. Every line that starts
  with ``/`` after optional blanks gets a backslash (``\\/close`` renders as ``/close``);
* **HTML**: raw ``<img>``, ``<details>``, ``<!-- … -->`` (which would forge the bridge's hidden
  markers and state block). Every ``<`` becomes ``&lt;`` — no tag, comment or autolink can
  start without one (``>`` and ``&`` cannot open anything and are left alone). Markdown
  images (``![…](…)``, a tracking pixel) lose their ``!`` role the same way (``!\\[``);
* **mentions**: ``@name`` pings people; a zero-width space after the ``@`` keeps it readable
  and silent;
* **code spans**: a backtick in an actor id must not end the span early: :func:`code` fences
  with a backtick run longer than any inside.

``block`` is for multi-line text, ``inline`` for one line (titles, tables, lists), ``code`` for
an id shown as code. Inside fenced code a ``<`` shows as ``&lt;`` and a leading ``/`` as
``\\/``: the price of not depending on how each tracker parses fences.
"""

from __future__ import annotations

import re
from typing import Any

MAX_FIELD = 20_000
TRUNCATED = "\n\n… (truncated by vultron-bridge)"
_NEWLINES = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_COMMAND = re.compile(r"^([^\S\n]*)/", re.MULTILINE)
_MENTION = re.compile(r"(?<![\w`])@(?=[A-Za-z0-9])")
_TICKS = re.compile(r"`+")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):  # a language map: {"en": "..."}
        value = next(iter(value.values()), "")
    text = _NEWLINES.sub("\n", str(value))
    return _CONTROL.sub("", text)


def _cap(text: str, limit: int) -> str:
    return text[:limit] + TRUNCATED if len(text) > limit else text


def defuse_commands(text: str) -> str:
    """Every line starting with ``/`` (after blanks) escaped: no quick action, no
    ``/vultron`` command."""
    return _COMMAND.sub(r"\1\\/", text)


def block(value: Any, limit: int = MAX_FIELD) -> str:
    """Untrusted multi-line text made inert for a Markdown body (see the module)."""
    text = _cap(_text(value), limit)
    text = text.replace("<", "&lt;").replace("![", "!\\[")
    text = _MENTION.sub("@\u200b", text)
    return defuse_commands(text)


def inline(value: Any, limit: int = 300) -> str:
    """One line of untrusted text for titles, table cells and list items."""
    return block(value, limit).replace("\n", " ").replace("|", "\\|").strip()


def code(value: Any, limit: int = 300, *, table: bool = False) -> str:
    """Untrusted text as one inline code span. Inside a span nothing renders (HTML, mentions)
    and no line starts with ``/``; what remains: backticks (the fence is longer than any run
    inside), ``<!--`` (the marker search reads raw text: a zero-width space breaks it),
    newlines (folded) and, in a table cell (``table``), ``|`` (escaped)."""
    text = _text(value).replace("\n", " ")
    if len(text) > limit:
        text = text[:limit] + "…"
    text = text.replace("<!--", "<\u200b!--").replace("-->", "--\u200b>")
    if table:
        text = text.replace("|", "\\|")
    if not text.strip():
        return "—"
    fence = "`" * (max((len(m) for m in _TICKS.findall(text)), default=0) + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" or (text[0] == " " and text[-1] == " ") \
        else ""
    return f"{fence}{pad}{text}{pad}{fence}"
