"""CVD metrics arithmetic: timelines from audit entries, durations, percentiles, grouping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.core import cvdmetrics as cm

US = "https://vendor.example/actors/vendor"
DAY = 86400.0
T0 = datetime(2025, 1, 10, tzinfo=UTC).timestamp()


def entry(at: float, subject: str, kind: str, **data: Any) -> dict[str, Any]:
    return {"at": at, "subject": subject, "kind": kind, "data": data}


def sent(at: float, subject: str, *codes: str, ref: str | None = None) -> dict[str, Any]:
    return entry(at, subject, "rules.decided", event="labeled", ref=ref, sent=list(codes))


def received(at: float, subject: str, code: str, actor: str) -> list[dict[str, Any]]:
    """An activity accepted at the inbox, then mirrored (as the service audits them)."""
    key = f"{actor}/activities/{code}-{at}"
    return [entry(at - 1, key, "inbox.accepted", type="Accept", actor=actor, auth="trusted"),
            entry(at, subject, "mirror.applied", source="inbox:vendor", activity=key,
                  message=code, effects=["set_labels"])]


def test_one_report_through_every_milestone() -> None:
    entries = [
        entry(T0, "r1", "mirror.report", ref="gitlab:g/p#1", finder="https://f.example/a/f"),
        sent(T0 + DAY, "r1", "RK", ref="gitlab:g/p#1"),
        sent(T0 + 2 * DAY, "r1", "RV"),
        sent(T0 + 3 * DAY, "r1", "EA"),
        sent(T0 + 10 * DAY, "r1", "CV", "CF"),
        sent(T0 + 20 * DAY, "r1", "ET"),
        *received(T0 + 21 * DAY, "r1", "CP", "https://coord.example/actors/c"),
        sent(T0 + 22 * DAY, "r1", "RV"),  # later repeats do not move the first time
    ]
    (line,) = cm.timelines(entries, US)
    assert line.tracker == "gitlab" and line.vendor == US and line.start == T0
    assert {m: line.duration(m) for m in cm.METRICS} == {
        "acknowledge": DAY, "triage": 2 * DAY, "fix_ready": 10 * DAY,
        "publication": 21 * DAY, "embargo": 17 * DAY}
    (only,) = {d.month for d in cm.durations([line])}
    assert only == "2025-01"


def test_start_falls_back_to_the_first_entry_and_ignores_webhook_entries() -> None:
    entries = [
        entry(T0 - 5, "delivery-1", "webhook.accepted", source="webhook:github"),
        entry(T0, "c1", "link.added", ref="github:o/r#1"),
        *received(T0 + 100, "c1", "RV", "https://other.example/actors/v2"),
        entry(T0 + 200, "c1", "mirror.ignored", message="CF"),
    ]
    lines = cm.timelines(entries, US)
    assert [line.subject for line in lines] == ["c1"]
    assert lines[0].duration("triage") == 100 and lines[0].vendor == (
        "https://other.example/actors/v2")
    assert lines[0].duration("fix_ready") is None and lines[0].duration("embargo") is None


def test_embargo_needs_a_start_and_an_end_after_it() -> None:
    (line,) = cm.timelines([sent(T0, "x", "ET"), sent(T0 + 5, "x", "EA")], US)
    assert line.duration("embargo") is None
    (line,) = cm.timelines([*received(T0, "x", "ADD_EMBARGO_TO_CASE", "a"),
                            sent(T0 + 50, "x", "ET")], US)
    assert line.duration("embargo") == 50


def test_bad_data_is_tolerated() -> None:
    entries = [entry(T0, "x", "mirror.report", finder=7),
               entry(T0 + 1, "x", "rules.decided", sent=[None, "RK"]),
               entry(T0 + 2, None, "rules.decided", sent=["RV"]),
               entry(T0 + 3, "x", "mirror.applied", message=5, activity="nope"),
               entry(T0 + 4, "x", "mirror.applied", message="RV", activity="unknown")]
    (line,) = cm.timelines(entries, None)
    assert line.duration("acknowledge") == 1 and line.vendor is None
    assert line.duration("triage") == 4


def test_since_filters_by_start() -> None:
    lines = cm.timelines([sent(T0, "a", "RS"), sent(T0 + 10, "a", "RV"),
                          sent(T0 + DAY, "b", "RS"), sent(T0 + DAY + 20, "b", "RV")], US)
    assert [d.subject for d in cm.durations(lines, since=T0 + 1)] == ["b", "b"]


@pytest.mark.parametrize(("values", "q", "expected"), [
    ([5.0], 0.5, 5.0), ([1.0, 3.0], 0.5, 2.0), ([1.0, 2.0, 3.0, 4.0], 0.9, 3.7),
    ([float(i) for i in range(1, 11)], 0.9, 9.1), ([1.0, 2.0, 3.0], 0.0, 1.0),
    ([1.0, 2.0, 3.0], 1.0, 3.0),
])
def test_percentile(values: list[float], q: float, expected: float) -> None:
    assert cm.percentile(values, q) == pytest.approx(expected)


def test_percentile_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        cm.percentile([], 0.5)
    with pytest.raises(ValueError):
        cm.percentile([1.0], 1.5)


@given(st.lists(st.floats(0, 1e9), min_size=1, max_size=50), st.floats(0, 1))
def test_percentile_lies_within_the_values(values: list[float], q: float) -> None:
    values.sort()
    assert values[0] <= cm.percentile(values, q) <= values[-1]


def test_summaries_group_by_tracker_vendor_and_month() -> None:
    feb = datetime(2025, 2, 3, tzinfo=UTC).timestamp()
    entries = []
    for i, (start, tracker, hours) in enumerate([(T0, "github", 1), (T0, "github", 3),
                                                 (feb, "gitlab", 10)]):
        subject = f"s{i}"
        entries += [sent(start, subject, "RS", ref=f"{tracker}:o/r#{i + 1}"),
                    sent(start + hours * 3600, subject, "RV")]
    summaries = cm.summarise(cm.durations(cm.timelines(entries, US)))
    triage = {(s.group, s.key): (s.count, s.median, s.p90) for s in summaries
              if s.metric == "triage"}
    assert triage[("all", "all")] == (3, 3 * 3600, pytest.approx(8.6 * 3600))
    assert triage[("tracker", "github")] == (2, 2 * 3600, pytest.approx(2.8 * 3600))
    assert triage[("month", "2025-02")] == (1, 36000, 36000)
    assert triage[("vendor", US)][0] == 3
    assert [s.metric for s in summaries][:1] == ["acknowledge"]
    assert summaries[0].as_json()["median_seconds"] == summaries[0].median


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (42.4, "42s"), (61, "1m 1s"), (3 * 3600 + 120, "3h 2m"), (2 * DAY + 3600, "2d 1h"),
    (-5, "0s"),
])
def test_human(seconds: float, text: str) -> None:
    assert cm.human(seconds) == text
