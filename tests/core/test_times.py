"""``bridge.core.times``: the one formatter of times people read (issue 20).

Two copies disagreed: for an embargo announced in force without an end (held as
``UNKNOWN_END``, the last representable moment), inbound comments said "not announced" while
``/vultron status`` and the breach comment printed ``9999-12-31T23:59:59.999999+00:00``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bridge.app import guard, mirror_texts
from bridge.core import times
from bridge.core.rules import texts
from bridge.core.states.em import EM, UNKNOWN_END, Embargo
from bridge.core.states.rm import RM

END = datetime(2030, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))


def test_when_for_people() -> None:
    assert times.when(None) == "not announced"
    assert times.when(UNKNOWN_END) == "not announced (in force until terminated)"
    assert times.when(END) == "2030-05-01T12:00:00+02:00 (2030-05-01T10:00:00+00:00 UTC)"
    assert times.when(END.astimezone(UTC)) == "2030-05-01T10:00:00+00:00"
    assert times.when(END.timestamp()) == "2030-05-01T10:00:00+00:00"


def test_stamp_for_tables() -> None:
    assert times.stamp(None) == "-"
    assert times.stamp(END.timestamp()) == "2030-05-01 10:00:00Z"


def test_the_service_formats_through_the_core() -> None:
    assert mirror_texts.when is times.when
    assert guard.when is times.when
    assert texts.when is times.when


def _no_end(text: str) -> None:
    assert "9999" not in text
    assert times.NO_END in text


def test_inbound_comments_say_an_unknown_end_is_not_announced() -> None:
    _no_end(mirror_texts.embargo_changed("case", "https://peer.example/a", "accepted",
                                         "ACTIVE", UNKNOWN_END))
    _no_end(mirror_texts.embargo_proposed("case", None, UNKNOWN_END, revision=False))


def test_status_and_breach_comments_say_an_unknown_end_is_not_announced() -> None:
    embargo = Embargo(EM.ACTIVE, UNKNOWN_END)
    _no_end(texts.status("case", RM.ACCEPTED, embargo, "Vfd.pxa"))
    _no_end(texts.breach("the issue was made public", None, UNKNOWN_END))
