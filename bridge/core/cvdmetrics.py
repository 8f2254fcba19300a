"""CVD metrics from audit entries: pure arithmetic over plain dicts (no store, no clock).

A subject's **timeline** collects, from the audit entries about it, the first time each
protocol message code was sent or received. Durations are measured from the subject's
**start** (its first ``RS``, else the first entry about it):

| metric | ends at the first |
|---|---|
| ``acknowledge`` | ``RK``, ``RV`` or ``RI`` |
| ``triage`` | ``RV`` or ``RI`` |
| ``fix_ready`` | ``CF`` or ``CD`` |
| ``publication`` | ``CP`` or ``CX`` |
| ``embargo`` | ``ET`` after the first ``EA`` / ``ADD_EMBARGO_TO_CASE`` (measured from that) |

Messages are read from ``rules.decided`` (``data.sent``: messages we sent, on a tracker
event), ``mirror.report`` (a report received: ``RS``, from ``data.finder``) and
``mirror.applied`` (``data.message``: a message received and mirrored; its sender is the
``actor`` of the ``inbox.accepted`` entry of ``data.activity``). The **vendor** of a subject
is the sender of its first ``RK``/``RV``/``RI``; the **tracker** is that of the first ``ref``
in its entries. Summaries give count, median and 90th percentile (linear interpolation
between closest ranks) overall and per tracker, vendor and month (UTC, of the start).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from math import floor
from typing import Any, Literal

METRICS = ("acknowledge", "triage", "fix_ready", "publication", "embargo")
Group = Literal["all", "tracker", "vendor", "month"]
GROUPS: tuple[Group, ...] = ("all", "tracker", "vendor", "month")

ENDS: dict[str, frozenset[str]] = {
    "acknowledge": frozenset({"RK", "RV", "RI"}),
    "triage": frozenset({"RV", "RI"}),
    "fix_ready": frozenset({"CF", "CD"}),
    "publication": frozenset({"CP", "CX"}),
}
EMBARGO_STARTS = frozenset({"EA", "ADD_EMBARGO_TO_CASE"})
EMBARGO_END = "ET"
VENDOR_CODES = ENDS["acknowledge"]
"""The sender of a subject's first acknowledgement or triage message is its vendor."""
_IGNORED_KINDS = frozenset({"webhook.accepted", "input.done", "input.failed",
                            "input.ignored", "mirror.ignored", "inbox.changed_duplicate"})
"""Entries not about a report or case (their subject is a delivery or activity id), or
about an input that changed nothing."""


@dataclass
class Timeline:
    subject: str
    first_seen: float
    tracker: str | None = None
    vendor: str | None = None
    rs: float | None = None
    first: dict[str, float] = field(default_factory=dict)
    """Message code → first time it was sent or received."""
    embargo_end: float | None = None

    @property
    def start(self) -> float:
        return self.rs if self.rs is not None else self.first_seen

    def add(self, code: str, at: float, actor: str | None) -> None:
        if code == "RS" and self.rs is None:
            self.rs = at
        if code not in self.first:
            self.first[code] = at
            if code in VENDOR_CODES and self.vendor is None and actor:
                self.vendor = actor
        begun = self.embargo_begin
        if code == EMBARGO_END and begun is not None and at >= begun and self.embargo_end is None:
            self.embargo_end = at

    @property
    def embargo_begin(self) -> float | None:
        times = [self.first[c] for c in EMBARGO_STARTS if c in self.first]
        return min(times) if times else None

    def duration(self, metric: str) -> float | None:
        if metric == "embargo":
            begun = self.embargo_begin
            if begun is None or self.embargo_end is None:
                return None
            return self.embargo_end - begun
        times = [self.first[c] for c in ENDS[metric] if c in self.first]
        if not times:
            return None
        return max(0.0, min(times) - self.start)


def _messages(entry: dict[str, Any], our_actor: str | None,
              senders: dict[str, str]) -> list[tuple[str, str | None]]:
    data = entry.get("data") or {}
    kind = entry.get("kind")
    if kind == "rules.decided":
        sent = data.get("sent") or []
        return [(str(c), our_actor) for c in sent if isinstance(c, str)]
    if kind == "mirror.report":
        finder = data.get("finder")
        return [("RS", finder if isinstance(finder, str) else None)]
    if kind == "mirror.applied" and isinstance(data.get("message"), str):
        activity = data.get("activity")
        actor = senders.get(activity) if isinstance(activity, str) else None
        return [(data["message"], actor)]
    return []


def _tracker_of(data: dict[str, Any]) -> str | None:
    ref = data.get("ref")
    if isinstance(ref, str) and ":" in ref and not ref.startswith(("http://", "https://")):
        return ref.partition(":")[0]
    return None


def timelines(entries: Iterable[dict[str, Any]], our_actor: str | None = None) -> list[Timeline]:
    """One timeline per subject, in order of first appearance (entries in ``seq`` order)."""
    found: dict[str, Timeline] = {}
    senders: dict[str, str] = {}
    """Inbound activity id → its actor (from ``inbox.accepted``)."""
    for entry in entries:
        subject = entry.get("subject")
        kind = entry.get("kind")
        if kind == "inbox.accepted":
            actor = (entry.get("data") or {}).get("actor")
            if isinstance(subject, str) and isinstance(actor, str):
                senders[subject] = actor
            continue
        if not isinstance(subject, str) or kind in _IGNORED_KINDS:
            continue
        at = float(entry["at"])
        line = found.get(subject)
        if line is None:
            line = found[subject] = Timeline(subject, at)
        data = entry.get("data") or {}
        if line.tracker is None:
            line.tracker = _tracker_of(data)
        for code, actor in _messages(entry, our_actor, senders):
            line.add(code, at, actor)
    return list(found.values())


@dataclass(frozen=True, slots=True)
class Duration:
    metric: str
    subject: str
    seconds: float
    tracker: str
    vendor: str
    month: str

    def key(self, group: Group) -> str:
        return "all" if group == "all" else str(getattr(self, group))


def durations(lines: Iterable[Timeline], since: float | None = None) -> Iterator[Duration]:
    """Every measurable duration of every timeline that started at or after ``since``."""
    for line in lines:
        if since is not None and line.start < since:
            continue
        month = datetime.fromtimestamp(line.start, UTC).strftime("%Y-%m")
        for metric in METRICS:
            seconds = line.duration(metric)
            if seconds is not None:
                yield Duration(metric, line.subject, seconds, line.tracker or "(none)",
                               line.vendor or "(unknown)", month)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of sorted ``values``, interpolating between closest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError("q must be between 0 and 1")
    pos = (len(values) - 1) * q
    low = floor(pos)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (pos - low)


@dataclass(frozen=True, slots=True)
class Summary:
    metric: str
    group: str
    key: str
    count: int
    median: float
    p90: float

    def as_json(self) -> dict[str, Any]:
        return {"metric": self.metric, "group": self.group, "key": self.key,
                "count": self.count, "median_seconds": self.median, "p90_seconds": self.p90}


def summarise(items: Iterable[Duration], groups: Iterable[Group] = GROUPS) -> list[Summary]:
    """Count, median and p90 per metric and group key, ordered by metric, group, key."""
    wanted = tuple(groups)
    buckets: dict[tuple[str, str, str], list[float]] = {}
    for item in items:
        for wanted_group in wanted:
            bucket = (item.metric, str(wanted_group), item.key(wanted_group))
            buckets.setdefault(bucket, []).append(item.seconds)
    order = {m: i for i, m in enumerate(METRICS)}
    gorder: dict[str, int] = {g: i for i, g in enumerate(GROUPS)}
    out = []
    for (metric, group, key), values in sorted(
        buckets.items(), key=lambda kv: (order[kv[0][0]], gorder[kv[0][1]], kv[0][2])
    ):
        values.sort()
        out.append(Summary(metric, group, key, len(values), percentile(values, 0.5),
                           percentile(values, 0.9)))
    return out


def human(seconds: float) -> str:
    """``3d 4h``, ``5h 10m``, ``42s``: durations for tables."""
    seconds = max(0.0, seconds)
    days, rest = divmod(int(round(seconds)), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"
