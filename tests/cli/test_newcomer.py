"""CLI papercuts a newcomer met: unset secrets the command never uses, a database error that
says only its type, ``audit`` without ``--config``, ``reconcile`` exiting 0 when it could
check nothing, no way to list cases (and a linked case shown as a "report").

Each test fails on the old code: ``links`` demanded ``${GITHUB_WEBHOOK_SECRET}``; the error
was ``cannot open the database (OperationalError)``; ``audit verify --config`` was a usage
error; ``reconcile`` with a refused token exited 0; there was no ``cases`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bridge.cli.main import cli
from bridge.store import db, links, state
from tests.cli.test_status import CASE, END, seed
from tests.fakes.github.harness import GitHubHarness, github_harness

SECRETS_CONFIG = """
trackers:
  github: {kind: github, token: "${GITHUB_TOKEN}", webhook_secrets: ["${GITHUB_WEBHOOK_SECRET}"]}
notifier: {webhook_url: "${SLACK_HOOK}"}
database_url: "sqlite:///{db}"
"""


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env or {})


def test_coordinator_commands_do_not_demand_secrets_they_never_use(tmp_path: Path) -> None:
    config = tmp_path / "c.yml"
    config.write_text(SECRETS_CONFIG.replace("{db}", str(tmp_path / "b.db")), encoding="utf-8")
    for args in (["links", CASE], ["metrics"], ["cases"], ["inputs", "list"]):
        result = run(*args, "--config", str(config))
        assert result.exit_code == 0, (args, result.output)
    strict = run("serve", "--config", str(config), "--port", "0")
    assert strict.exit_code == 1 and "GITHUB_TOKEN is not set" in strict.output


def test_a_database_error_names_the_database_and_why(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'b.db'}"
    result = run("links", CASE, "--database-url", url)
    assert result.exit_code == 1
    assert "does not exist" in result.output and str(tmp_path / "no" / "such") in result.output
    pg = run("links", CASE, "--database-url",
             "postgresql+psycopg://nobody:s3cret@127.0.0.1:1/x?connect_timeout=2")
    assert pg.exit_code == 1 and "127.0.0.1" in pg.output and "s3cret" not in pg.output
    assert "OperationalError:" in pg.output  # the driver's reason follows, not just the type


def test_audit_reads_the_database_from_the_configuration(tmp_path: Path) -> None:
    config = tmp_path / "c.yml"
    config.write_text(SECRETS_CONFIG.replace("{db}", str(tmp_path / "b.db")), encoding="utf-8")
    assert run("links", CASE, "--config", str(config)).exit_code == 0  # creates the store
    verified = run("audit", "verify", "--config", str(config))
    assert verified.exit_code == 0 and "audit log intact" in verified.output
    assert run("audit", "export", "--config", str(config)).exit_code == 0


@pytest.fixture
def github() -> GitHubHarness:
    with github_harness() as harness:
        yield harness  # type: ignore[misc]


def test_reconcile_exits_1_when_issues_could_not_be_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubHarness) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vultron-bridge.yml").write_text(
        f"trackers:\n  github: {{kind: github, url: '{github.fake.base_url}', "
        "token: not-the-token}\n", encoding="utf-8")
    env = {"VULTRON_BRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'bridge.db'}"}
    seed(env, github, n=2)
    result = CliRunner().invoke(cli, ["reconcile", "--case", CASE], env=env)
    assert result.exit_code == 1, result.output
    assert "2 of 2 issues could not be checked" in result.output
    assert "error" in result.output


def test_cases_lists_cases_and_a_linked_case_is_a_case(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    assert run("links", CASE, "--database-url", url).exit_code == 0
    engine = db.make_engine(url)
    with db.transaction(db.session_factory(engine)) as s:
        state.put_case(s, CASE, em_state="ACTIVE", cs_state="VFd.pxa", embargo_end=END,
                       data={"kind": "case"}, now=1.0)
        links.add_link(s, CASE, "github:acme/widget#1", "tracks", "t", 1.0)
        links.add_link(s, "https://coord.example/cases/only-links", "github:acme/widget#2",
                       "tracks", "t", 1.0)
        links.add_link(s, "https://finder.example/reports/9", "github:acme/sec#3", "mirrors",
                       "inbox", 1.0)
    engine.dispose()
    listed = json.loads(run("cases", "--database-url", url, "--json").output)
    assert [(r["id"], r["kind"], r["issues"]) for r in listed] == [
        (CASE, "case", 1), ("https://coord.example/cases/only-links", "case", 1)]
    assert listed[0]["em_state"] == "ACTIVE" and listed[0]["embargo_end"].startswith("2026-03-01")
    every = json.loads(run("cases", "--all", "--database-url", url, "--json").output)
    assert ("https://finder.example/reports/9", "report") in [(r["id"], r["kind"])
                                                             for r in every]
    table = run("cases", "--database-url", url).output
    assert "embargo ends" in table and "2026-03-01 12:00Z" in table
    status = run("status", "https://coord.example/cases/only-links", "--database-url", url)
    assert status.output.startswith("case https://coord.example/cases/only-links"), status.output
