"""CVD metrics from the store's audit log (the arithmetic is in ``bridge.core.cvdmetrics``).

Output formats: a text table, JSON (summaries and per-subject durations) and CSV (one row per
summary). The log is read in batches; memory grows with the number of subjects, not entries.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bridge.core import cvdmetrics as cm
from bridge.store import audit

CSV_COLUMNS = ("metric", "group", "key", "count", "median_seconds", "p90_seconds")


@dataclass
class Report:
    since: float | None
    durations: list[cm.Duration]
    summaries: list[cm.Summary]
    subjects: int

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "subjects": self.subjects,
            "summaries": [s.as_json() for s in self.summaries],
            "durations": [
                {"metric": d.metric, "subject": d.subject, "seconds": d.seconds,
                 "tracker": d.tracker, "vendor": d.vendor, "month": d.month}
                for d in self.durations
            ],
        }

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for s in self.summaries:
            writer.writerow([s.metric, s.group, s.key, s.count, f"{s.median:.0f}",
                             f"{s.p90:.0f}"])
        return out.getvalue()

    def as_table(self) -> str:
        if not self.summaries:
            return "no measurable durations in the audit log"
        rows = [("metric", "by", "key", "n", "median", "p90")]
        rows += [(s.metric, s.group, _clip(s.key), str(s.count), cm.human(s.median),
                  cm.human(s.p90)) for s in self.summaries]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                         for r in rows)


def _clip(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def from_entries(entries: Iterable[dict[str, Any]], our_actor: str | None,
                 since: float | None = None) -> Report:
    lines = cm.timelines(entries, our_actor)
    items = list(cm.durations(lines, since))
    subjects = sum(1 for line in lines if since is None or line.start >= since)
    return Report(since, items, cm.summarise(items), subjects)


def compute(session: Session, our_actor: str | None, since: float | None = None) -> Report:
    """Metrics over the whole audit log; subjects that started before ``since`` left out."""
    return from_entries(audit.export(session), our_actor, since)
