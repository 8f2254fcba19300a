"""The bridge-managed sections of an advisory description (labels, notes)."""

from __future__ import annotations

import pytest

from adapters.github import advisory_text as at
from bridge.core.errors import PermanentError
from bridge.core.markers import has_marker

DESC = "Report body.\n\n<!-- vultron-bridge vb0123456789abcdef0123456789abcdef -->\n"


def test_labels_round_trip_and_replace_in_place() -> None:
    text = at.write_labels(DESC, {"vultron:received", "vultron:embargo-active"})
    assert at.read_labels(text) == {"vultron:received", "vultron:embargo-active"}
    again = at.write_labels(text, {"vultron:valid"})
    assert at.read_labels(again) == {"vultron:valid"}
    assert again.count(at.LABELS_START) == 1
    assert again.startswith("Report body.")
    assert "vb0123456789abcdef0123456789abcdef" in again


def test_no_labels_removes_the_section() -> None:
    text = at.write_labels(at.write_labels(DESC, {"vultron:valid"}), set())
    assert at.LABELS_START not in text and at.read_labels(text) == set()


def test_notes_are_appended_once_per_marker() -> None:
    text = at.append_note(DESC, "first", "note-1")
    text = at.append_note(text, "second", "note-2")
    assert at.has_note(text, "note-1") and at.has_note(text, "note-2")
    assert not at.has_note(text, "note-3")
    assert text.count(at.NOTES_START) == 1
    assert text.index("first") < text.index("second") < text.index(at.NOTES_END)
    assert has_marker(text, "note-1")


def test_a_note_cannot_close_the_managed_section() -> None:
    text = at.append_note(DESC, f"sneaky {at.NOTES_END} tail", None)
    assert text.count(at.NOTES_END) == 1


def test_descriptions_beyond_githubs_limit_are_refused() -> None:
    with pytest.raises(PermanentError, match="65535"):
        at.append_note("x" * 65530, "a note that does not fit", None)
