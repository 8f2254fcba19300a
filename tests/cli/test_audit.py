"""``vultron-bridge audit verify|export`` on a temporary SQLite file (exit codes, output)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from bridge.cli.main import cli
from bridge.store import audit
from bridge.store.db import make_engine, migrate, session_factory, transaction


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'bridge.db'}"
    engine = make_engine(url)
    try:
        migrate(engine)
        with transaction(session_factory(engine)) as s:
            for i in range(5):
                audit.append(s, "inbound.accepted", f"urn:act:{i}", {"i": i, "ü": "ok"},
                             1_700_000_000.5 + i)
    finally:
        engine.dispose()
    return url


def _tamper(url: str, sql: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def test_verify_an_intact_log_exits_0(url: str) -> None:
    result = CliRunner().invoke(cli, ["audit", "verify", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "audit log intact: 5 entries" in result.output


def test_verify_reads_the_url_from_the_environment(url: str) -> None:
    result = CliRunner().invoke(cli, ["audit", "verify"],
                                env={"VULTRON_BRIDGE_DATABASE_URL": url})
    assert result.exit_code == 0 and "5 entries" in result.output


def test_verify_a_tampered_log_exits_1_naming_the_entry(url: str) -> None:
    _tamper(url, """UPDATE audit_log SET data = '{"i": 100}' WHERE seq = 3""")
    result = CliRunner().invoke(cli, ["audit", "verify", "--database-url", url])
    assert result.exit_code == 1
    assert "broken at seq 3" in result.output
    assert "Traceback" not in result.output


def test_export_writes_json_lines_that_verify(url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["audit", "export", "--database-url", url])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["seq"] for e in lines] == [1, 2, 3, 4, 5]
    assert lines[0]["data"] == {"i": 0, "ü": "ok"}
    from bridge.core.audit import verify_chain

    assert verify_chain(lines) is None
    out = tmp_path / "audit.jsonl"
    result = CliRunner().invoke(cli, ["audit", "export", "--database-url", url, "-o", str(out),
                                      "--since-seq", "3"])
    assert result.exit_code == 0, result.output
    assert [json.loads(x)["seq"] for x in out.read_text().splitlines()] == [4, 5]
    assert "exported 2 entries" in result.output


def test_a_missing_database_file_exits_2_without_creating_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    for cmd in ("verify", "export"):
        result = CliRunner().invoke(cli, ["audit", cmd, "--database-url", f"sqlite:///{missing}"])
        assert result.exit_code == 2
        assert "no database file" in result.output and "Traceback" not in result.output
    assert not missing.exists()


def test_an_unmigrated_database_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    result = CliRunner().invoke(cli, ["audit", "verify", "--database-url", f"sqlite:///{path}"])
    assert result.exit_code == 2 and "vultron-bridge migrate" in result.output


def test_a_bad_url_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["audit", "verify", "--database-url", "mysql://x/y"])
    assert result.exit_code == 2 and "unsupported database" in result.output


def test_an_unwritable_output_is_a_one_line_error(url: str, tmp_path: Path) -> None:
    target = tmp_path / "no-such-dir" / "out.jsonl"
    result = CliRunner().invoke(cli, ["audit", "export", "--database-url", url,
                                      "--output", str(target)])
    assert result.exit_code == 1 and "cannot write" in result.output
