"""The vultron label set and exclusive groups."""

from __future__ import annotations

from bridge.core.labels import BY_NAME, LABELS, exclusive_with, resolve_labels


def test_names_colours_and_descriptions() -> None:
    assert len(BY_NAME) == len(LABELS)
    for spec in LABELS:
        assert spec.name.startswith("vultron:")
        assert len(spec.color) == 6 and int(spec.color, 16) >= 0
        assert spec.description


def test_adding_a_group_label_removes_its_siblings() -> None:
    add, remove = resolve_labels({"vultron:received", "bug"}, ["vultron:valid"], [])
    assert add == {"vultron:valid"} and remove == {"vultron:received"}


def test_two_labels_of_one_group_the_later_wins() -> None:
    add, remove = resolve_labels(set(), ["vultron:valid", "vultron:accepted"], [])
    assert add == {"vultron:accepted"} and remove == set()


def test_minimal_changes() -> None:
    assert resolve_labels({"vultron:valid"}, ["vultron:valid"], []) == (set(), set())
    assert resolve_labels({"x"}, [], ["x", "y"]) == (set(), {"x"})


def test_ungrouped_labels_exclude_nothing() -> None:
    assert exclusive_with("vultron:fix-ready") == ()
    assert exclusive_with("not-ours") == ()
