"""CVD metrics computed from a store's audit log; table, JSON, CSV and the PNG chart."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bridge.coord import chart
from bridge.coord import metrics as m
from bridge.core.errors import InputError
from bridge.store import audit
from bridge.store.db import transaction
from tests.store.dbutil import Database

US = "http://127.0.0.1:8000/actors/vendor"
DAY = 86400.0


def seed_log(database: Database) -> None:
    """Twelve reports over three months, two trackers, two vendors."""
    with transaction(database.factory) as s:
        for i in range(12):
            start = datetime(2025, 1 + i % 3, 5 + i, tzinfo=UTC).timestamp()
            subject = f"https://finder.example/reports/{i}"
            tracker = "github" if i % 2 else "gitlab"
            audit.append(s, "mirror.report", subject, {
                "ref": f"{tracker}:acme/widget#{i + 1}", "created": True,
                "finder": "https://finder.example/actors/f"}, start)
            if i % 4 == 3:  # another vendor's triage arrives as a message
                key = f"https://other.example/activities/{i}"
                audit.append(s, "inbox.accepted", key, {
                    "type": "Accept", "actor": "https://other.example/actors/v"},
                    start + (i + 1) * 3600 - 5)
                audit.append(s, "mirror.applied", subject, {
                    "message": "RV", "activity": key}, start + (i + 1) * 3600)
            else:
                audit.append(s, "rules.decided", subject, {
                    "event": "labeled", "ref": f"{tracker}:acme/widget#{i + 1}",
                    "sent": ["RV"]}, start + (i + 1) * 3600)
            audit.append(s, "rules.decided", subject, {"sent": ["EA"]}, start + DAY)
            audit.append(s, "rules.decided", subject, {"sent": ["CV", "CF"]},
                         start + (2 + i) * DAY)
            if i < 9:
                audit.append(s, "rules.decided", subject, {"sent": ["ET"]}, start + 30 * DAY)
                audit.append(s, "rules.decided", subject, {"sent": ["CP"]}, start + 31 * DAY)


def test_metrics_from_the_audit_log(db: Database) -> None:
    seed_log(db)
    with db.reader() as s:
        report = m.compute(s, US)
    overall = {x.metric: x for x in report.summaries if x.group == "all"}
    assert report.subjects == 12
    assert overall["triage"].count == 12
    assert overall["triage"].median == pytest.approx(6.5 * 3600)
    assert overall["fix_ready"].median == pytest.approx(7.5 * DAY)
    assert overall["embargo"].count == 9 and overall["embargo"].median == pytest.approx(29 * DAY)
    assert overall["publication"].count == 9
    vendors = {x.key for x in report.summaries if x.group == "vendor"}
    assert vendors == {US, "https://other.example/actors/v"}
    assert {x.key for x in report.summaries if x.group == "tracker"} == {"github", "gitlab"}
    assert {x.key for x in report.summaries if x.group == "month"} == {
        "2025-01", "2025-02", "2025-03"}
    since = datetime(2025, 2, 1, tzinfo=UTC).timestamp()
    with db.reader() as s:
        later = m.compute(s, US, since)
    assert later.subjects == 8
    assert all(d.month != "2025-01" for d in later.durations)


def test_output_formats(sqlite_db: Database) -> None:
    seed_log(sqlite_db)
    with sqlite_db.reader() as s:
        report = m.compute(s, US)
    rows = list(csv.DictReader(io.StringIO(report.as_csv())))
    assert tuple(rows[0]) == m.CSV_COLUMNS
    assert len(rows) == len(report.summaries)
    table = report.as_table()
    assert table.splitlines()[0].split() == ["metric", "by", "key", "n", "median", "p90"]
    assert "triage" in table and "6h 30m" in table
    data = report.as_json()
    assert data["subjects"] == 12 and len(data["durations"]) == len(report.durations)
    assert m.from_entries([], US).as_table() == "no measurable durations in the audit log"


def test_chart_is_a_png(sqlite_db: Database, tmp_path: Path) -> None:
    seed_log(sqlite_db)
    with sqlite_db.reader() as s:
        report = m.compute(s, US)
    out = tmp_path / "metrics.png"
    chart.draw(report.summaries, out)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    empty = tmp_path / "empty.png"
    chart.draw([], empty)
    assert empty.read_bytes()[:4] == b"\x89PNG"


def test_chart_into_a_missing_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot write"):
        chart.draw([], tmp_path / "no" / "such" / "dir.png")


def test_chart_without_matplotlib_says_how_to_install(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    import builtins

    real = builtins.__import__

    def no_matplotlib(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(InputError, match=r"vultron-bridge\[charts\]"):
        chart.draw([], tmp_path / "x.png")
