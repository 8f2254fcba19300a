"""CVD metrics on ``/metrics``: gauges (median, 90th percentile, count) and a histogram.

A custom collector on ``bridge.metrics.REGISTRY``, registered when the links API is
imported; it computes from the audit log of the runtime the app serves (attached by the
router's lifespan and by its requests), at most once a minute. Labels are the metric name
and the tracker name (``all`` for every tracker) — never ids, refs or actor URLs.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Protocol

from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session

from bridge.coord import metrics as compute
from bridge.metrics import REGISTRY


class Source(Protocol):
    """What the collector reads (the service's ``Runtime`` is one): sessions, a clock and
    our actor id."""

    def sessions(self) -> AbstractContextManager[Session]: ...
    def clock(self) -> float: ...
    @property
    def actor_id(self) -> str: ...

HOUR, DAY = 3600.0, 86400.0
BUCKETS = (HOUR, 6 * HOUR, DAY, 3 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 45 * DAY, 90 * DAY,
           180 * DAY, 365 * DAY)
CACHE_SECONDS = 60.0


class CvdCollector(Collector):
    def __init__(self) -> None:
        self._runtime: weakref.ReferenceType[Source] | None = None
        self._lock = threading.Lock()
        self._cached: tuple[float, compute.Report] | None = None

    def attach(self, rt: Source) -> None:
        with self._lock:
            if self._runtime is None or self._runtime() is not rt:
                self._runtime, self._cached = weakref.ref(rt), None

    def _report(self) -> compute.Report | None:
        with self._lock:
            rt = self._runtime() if self._runtime else None
            if rt is None:
                return None
            now = rt.clock()
            if self._cached is None or now - self._cached[0] > CACHE_SECONDS:
                with rt.sessions() as session:
                    self._cached = (now, compute.compute(session, rt.actor_id))
            return self._cached[1]

    def describe(self) -> Iterator[Metric]:
        yield from self._families(None)

    def collect(self) -> Iterator[Metric]:
        yield from self._families(self._report())

    def _families(self, report: compute.Report | None) -> Iterator[Metric]:
        labels = ["metric", "tracker"]
        median = GaugeMetricFamily("vultron_bridge_cvd_median_seconds",
                                   "Median time to a CVD milestone", labels=labels)
        p90 = GaugeMetricFamily("vultron_bridge_cvd_p90_seconds",
                                "90th percentile time to a CVD milestone", labels=labels)
        count = GaugeMetricFamily("vultron_bridge_cvd_subjects",
                                  "Reports/cases measured per CVD milestone", labels=labels)
        hist = HistogramMetricFamily("vultron_bridge_cvd_duration_seconds",
                                     "Times to CVD milestones", labels=["metric"])
        if report is not None:
            for s in report.summaries:
                if s.group in ("all", "tracker"):
                    key = [s.metric, "all" if s.group == "all" else s.key]
                    median.add_metric(key, s.median)
                    p90.add_metric(key, s.p90)
                    count.add_metric(key, s.count)
            by_metric: dict[str, list[float]] = {}
            for d in report.durations:
                by_metric.setdefault(d.metric, []).append(d.seconds)
            for metric, values in sorted(by_metric.items()):
                buckets = [(_le(b), float(sum(1 for v in values if v <= b))) for b in BUCKETS]
                buckets.append(("+Inf", float(len(values))))
                hist.add_metric([metric], buckets, sum(values))
        yield from (median, p90, count, hist)


def _le(bound: float) -> str:
    return f"{bound:.1f}"


COLLECTOR = CvdCollector()
_REGISTERED: list[bool] = []


def register() -> CvdCollector:
    """Add the collector to the shared registry (once per process)."""
    if not _REGISTERED:
        REGISTRY.register(COLLECTOR)
        _REGISTERED.append(True)
    return COLLECTOR
