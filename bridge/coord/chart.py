"""``metrics --chart FILE.png``: the CVD metrics drawn with matplotlib (optional extra).

Left: median and 90th percentile of each metric over every subject, in days. Right: the
median of each metric per month (by the month the report arrived). matplotlib is imported
only here, with the non-interactive Agg backend; without it the error says how to install it.
"""

from __future__ import annotations

from pathlib import Path

from bridge.core import cvdmetrics as cm
from bridge.core.errors import InputError

DAY = 86400.0
LABELS = {"acknowledge": "acknowledge", "triage": "triage", "fix_ready": "fix ready",
          "publication": "publication", "embargo": "in embargo"}


def draw(summaries: list[cm.Summary], path: str | Path) -> None:
    """Write the chart as PNG to ``path``; InputError when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
    except ImportError:
        raise InputError("--chart needs matplotlib: pip install 'vultron-bridge[charts]'") \
            from None
    overall = {s.metric: s for s in summaries if s.group == "all"}
    months = sorted({s.key for s in summaries if s.group == "month"})
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5), dpi=110)
    try:
        names = [m for m in cm.METRICS if m in overall]
        xs = list(range(len(names)))
        medians = [overall[m].median / DAY for m in names]
        p90s = [overall[m].p90 / DAY for m in names]
        left.bar([x - 0.2 for x in xs], medians, width=0.4, label="median")
        left.bar([x + 0.2 for x in xs], p90s, width=0.4, label="90th percentile")
        for x, m in zip(xs, names, strict=True):
            left.annotate(f"n={overall[m].count}", (x, 0), xytext=(0, -28),
                          textcoords="offset points", ha="center", fontsize=8)
            for dx, value in ((-0.2, overall[m].median), (0.2, overall[m].p90)):
                left.annotate(cm.human(value), (x + dx, value / DAY), xytext=(0, 2),
                              textcoords="offset points", ha="center", fontsize=7)
        left.set_xticks(xs, [LABELS[m] for m in names])
        left.set_ylabel("days")
        left.set_title("Time to each milestone (all reports)")
        left.legend()
        left.grid(axis="y", alpha=0.3)
        for metric in cm.METRICS:
            by_month = {s.key: s.median / DAY for s in summaries
                        if s.group == "month" and s.metric == metric}
            if by_month:
                right.plot(months, [by_month.get(m, float("nan")) for m in months],
                           marker="o", label=LABELS[metric])
        right.set_ylabel("median, days")
        right.set_xlabel("month the report arrived (UTC)")
        right.set_title("Median per month")
        right.grid(alpha=0.3)
        if months:
            right.legend()
            right.tick_params(axis="x", labelrotation=45)
        if not names:
            left.text(0.5, 0.5, "no measurable durations", ha="center", transform=left.transAxes)
        fig.suptitle("vultron-bridge CVD metrics")
        fig.tight_layout()
        fig.savefig(str(path), format="png")
    except OSError as exc:
        raise InputError(f"cannot write {Path(path).name}: {exc.strerror}") from None
    finally:
        plt.close(fig)
