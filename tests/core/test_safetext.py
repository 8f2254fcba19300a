"""``bridge.core.safetext``: peer text made inert, function by function."""

from __future__ import annotations

import pytest

from bridge.core.markers import marker_for, tokens_in
from bridge.core.safetext import block, code, defuse_commands, inline


@pytest.mark.parametrize("line", ["/close", "  /label ~x", "\t/move a/b", "/vultron validate",
                                  "\u00a0/close"])
def test_lines_starting_with_a_slash_are_defused(line: str) -> None:
    out = block(f"text\n{line}\nmore")
    assert not any(x.lstrip(" \t\u00a0").startswith("/") for x in out.split("\n"))
    assert out.split("\n")[1].lstrip(" \t\u00a0").startswith("\\/")  # renders as "/"


def test_only_line_starts_are_touched() -> None:
    assert defuse_commands("see a/b and /close") == "see a/b and /close"
    assert block("one\r/close\u2028/label") == "one\n\\/close\n\\/label"


def test_html_markers_images_and_mentions_are_inert() -> None:
    out = block(f"<img src=x> <details> {marker_for('urn:x')} ![p](https://e/p.gif) @alice "
                "mail@example.org")
    assert "<" not in out and tokens_in(out) == set()
    assert "&lt;img src=x>" in out and "!\\[p]" in out
    assert "@\u200balice" in out and "mail@example.org" in out


def test_inline_is_one_line_for_tables() -> None:
    assert inline("a\nb | c") == "a b \\| c"
    assert len(inline("x" * 1000, 10)) < 60


@pytest.mark.parametrize("value", ["plain", "a`b", "``two``", "`start", "end`", " both ", "x|y"])
def test_code_spans_hold_the_whole_value(value: str) -> None:
    out = code(value)
    fence = out[: len(out) - len(out.lstrip("`"))]
    inner = out[len(fence):-len(fence)]
    assert "`" * len(fence) not in inner  # the fence cannot be closed from inside
    stripped = inner[1:-1] if inner.startswith(" ") and inner.endswith(" ") and \
        inner.strip() else inner
    assert stripped == value


def test_code_breaks_markers_and_escapes_table_pipes() -> None:
    assert tokens_in(code(marker_for("urn:x"))) == set()
    assert code("a|b", table=True) == "`a\\|b`"
    assert code("") == "—" and "\n" not in code("a\nb")


def test_language_maps_and_limits() -> None:
    assert block({"en": "hello"}) == "hello"
    assert block(None) == ""
    assert block("y" * 50, 10).startswith("y" * 10 + "\n\n… (truncated")


def test_the_quoting_policies_have_one_home() -> None:
    """What of an input may be quoted in an error lives in ``bridge.core.quoting`` (issue 20):
    the states, the vocabulary and both adapters import it rather than keeping copies."""
    from adapters.github import normalize as github
    from adapters.gitlab import normalize as gitlab
    from bridge.core import quoting
    from bridge.core.states import common
    from bridge.core.vocab import enums

    assert common.shown is quoting.shown and enums.safe_name is quoting.safe_name
    assert github.shown is quoting.word and gitlab.shown is quoting.word
    assert quoting.word("opened") == "'opened'" and quoting.word("Opened!") == "<unrecognised>"
    assert quoting.safe_name("Offer") == "Offer" and quoting.safe_name("<x>") == \
        "<unrecognised value>"
    assert quoting.shown("x" * 49) == "a string of 49 characters"
