"""``vultron-bridge metrics``: table, JSON, CSV, --since and --chart on a temporary store."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bridge.cli.main import cli
from bridge.store import audit
from bridge.store.db import make_engine, migrate, session_factory, transaction

DAY = 86400.0
JAN = 1_736_000_000.0  # 2025-01-04
MAR = 1_741_000_000.0  # 2025-03-03


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'bridge.db'}"
    engine = make_engine(url)
    try:
        migrate(engine)
        with transaction(session_factory(engine)) as s:
            for i, start in enumerate([JAN, JAN + DAY, MAR]):
                subject = f"https://finder.example/reports/{i}"
                audit.append(s, "mirror.report", subject, {"finder": "f"}, start)
                audit.append(s, "rules.decided", subject, {
                    "ref": f"github:o/r#{i + 1}", "sent": ["RK"]}, start + 3600 * (i + 1))
                audit.append(s, "rules.decided", subject, {"sent": ["CF"]}, start + 5 * DAY)
    finally:
        engine.dispose()
    return {"VULTRON_BRIDGE_DATABASE_URL": url}


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def test_table(env: dict[str, str]) -> None:
    out = run(env, "metrics")
    assert out.exit_code == 0, out.output
    rows = [line.split() for line in out.stdout.splitlines()]
    assert rows[0] == ["metric", "by", "key", "n", "median", "p90"]
    assert ["acknowledge", "all", "all", "3", "2h", "0m", "2h", "48m"] in rows
    assert ["fix_ready", "tracker", "github", "3", "5d", "0h", "5d", "0h"] in rows


def test_json_and_since(env: dict[str, str]) -> None:
    data = json.loads(run(env, "metrics", "--json", "--since", "2025-02-01").stdout)
    assert data["subjects"] == 1
    assert {d["month"] for d in data["durations"]} == {"2025-03"}
    assert data["summaries"][0] == {"metric": "acknowledge", "group": "all", "key": "all",
                                    "count": 1, "median_seconds": 3 * 3600.0,
                                    "p90_seconds": 3 * 3600.0}


def test_csv(env: dict[str, str]) -> None:
    rows = list(csv.DictReader(io.StringIO(run(env, "metrics", "--csv").stdout)))
    months = {r["key"] for r in rows if r["group"] == "month"}
    assert months == {"2025-01", "2025-03"}
    assert all(r["median_seconds"].isdigit() for r in rows)


def test_chart(env: dict[str, str], tmp_path: Path) -> None:
    out = run(env, "metrics", "--chart", str(tmp_path / "m.png"))
    assert out.exit_code == 0, out.output
    assert (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG"
    assert "chart written to" in out.stderr


def test_bad_date_is_a_usage_error(env: dict[str, str]) -> None:
    assert run(env, "metrics", "--since", "last tuesday").exit_code == 2


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    out = run({"VULTRON_BRIDGE_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x"},
              "metrics")
    assert out.exit_code == 1
    assert out.output.strip().startswith(
        "Error: cannot open the database postgresql+psycopg://nobody@127.0.0.1:1/x: ")
    assert "Connection refused" in out.output and len(out.output.strip().splitlines()) == 1
    assert "Traceback" not in out.output
