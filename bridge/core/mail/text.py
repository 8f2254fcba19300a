"""Mail text made readable and safe (pure): HTML reduced to text, quoted history trimmed,
``/vultron`` lines defused (a reporter's mail never issues commands)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from bridge.core.safetext import defuse_commands

__all__ = ["defuse_commands", "html_to_text", "quote", "trim_quoted"]

_BLOCK = frozenset({"p", "div", "br", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5",
                    "h6", "pre", "blockquote", "hr", "section", "article", "header", "footer"})
_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template"})
MAX_TEXT = 200_000


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.href: list[str | None] = []
        self.size = 0

    def _emit(self, text: str) -> None:
        if self.size < MAX_TEXT:
            self.out.append(text)
            self.size += len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCK:
            self._emit("\n")
        elif tag == "li":
            self._emit("\n- ")
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self._emit("\n")
        elif tag == "a" and self.href:
            href = self.href.pop()
            if href and href.startswith(("http://", "https://", "mailto:")):
                self._emit(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self._emit(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(html: str) -> str:
    """Readable text of an HTML mail part: blocks on their own lines, links with their URL,
    scripts and styles dropped."""
    parser = _Text()
    try:
        parser.feed(html[: MAX_TEXT * 4])
        parser.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was read
        pass
    lines = [line.strip() for line in "".join(parser.out).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


_ATTRIBUTION = re.compile(r"^(On .{0,300}wrote:|Am .{0,300}schrieb .{0,100}:"
                          r"|Le .{0,300}a écrit\s?:)$")
_ORIGINAL = re.compile(r"^-{2,}\s*(Original Message|Forwarded message|Ursprüngliche Nachricht)"
                       r"\s*-{2,}$", re.IGNORECASE)
_OUTLOOK = re.compile(r"^From: .+$")


def trim_quoted(text: str) -> tuple[str, int]:
    """``text`` without the quoted history at its end (the attribution line and the ``>``
    lines after the last new text, an ``Original Message`` tail, an Outlook header block);
    the number of lines removed. Quotes between new paragraphs are kept: they give the
    answers below them their context."""
    lines = text.replace("\r\n", "\n").split("\n")
    cut = len(lines)
    for n, line in enumerate(lines):
        stripped = line.strip()
        if _ORIGINAL.match(stripped) or (
                _OUTLOOK.match(stripped) and n + 1 < len(lines)
                and lines[n + 1].strip().startswith(("Sent:", "Date:"))):
            cut = n
            break
    end = cut
    while end > 0 and (lines[end - 1].strip().startswith(">") or not lines[end - 1].strip()):
        end -= 1
    if end < cut and end > 0 and _ATTRIBUTION.match(lines[end - 1].strip()):
        end -= 1
    if end == 0:  # the whole mail is a quote: keep it
        end = cut
    kept = "\n".join(lines[:end]).rstrip()
    return kept, len(lines) - end if end < len(lines) else 0


def quote(text: str) -> str:
    """Markdown block quote of ``text``."""
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))
