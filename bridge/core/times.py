"""Times for people (pure): the one formatter of every time a person reads.

``when(value)`` — what comments, alarms and notices print for a time (an embargo's end above
all): ISO 8601 with its offset, plus UTC when the offset is not UTC. An embargo announced in
force **without an end** is held with the end ``bridge.core.states.em.UNKNOWN_END`` (the last
representable moment); it reads "not announced (in force until terminated)", never
``9999-12-31…``. No time at all reads "not announced".

``stamp(ts)`` — a time in an operator's table (CLI listings): UTC to the second,
``2025-01-31 12:00:00Z``; ``-`` when there is none.
"""

from __future__ import annotations

from datetime import UTC, datetime

NOT_ANNOUNCED = "not announced"
NO_END = "not announced (in force until terminated)"


def when(value: datetime | float | None) -> str:
    """A time for people: ISO 8601 with its offset, plus UTC when the offset is not UTC."""
    if value is None:
        return NOT_ANNOUNCED
    moment = value if isinstance(value, datetime) else datetime.fromtimestamp(value, UTC)
    if moment.year == datetime.max.year:
        return NO_END
    text = moment.isoformat()
    utc = moment.astimezone(UTC)
    if moment.utcoffset() != utc.utcoffset():
        text += f" ({utc.isoformat()} UTC)"
    return text


def stamp(ts: float | None) -> str:
    """A time in an operator's table: UTC to the second, ``-`` when there is none."""
    return "-" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
