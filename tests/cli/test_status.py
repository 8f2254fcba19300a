"""``vultron-bridge status`` (the case view) and ``reconcile`` against the fake GitHub."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bridge.cli.main import cli
from bridge.store import db, links, peers, state
from tests.fakes.github.harness import PRIVATE_REPO, TOKEN, GitHubHarness, github_harness
from tests.fakes.github.model import Issue, Label, User
from tests.fakes.github.server import Fault

CASE = "https://coord.example/cases/1"
US = "http://127.0.0.1:8000/actors/vendor"
END = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()


@pytest.fixture
def github() -> Iterator[GitHubHarness]:
    with github_harness() as harness:
        yield harness


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        github: GitHubHarness) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vultron-bridge.yml").write_text(
        f"trackers:\n  github: {{kind: github, url: '{github.fake.base_url}', token: {TOKEN}}}\n"
        "rules: {aggregate_policy: any}\n", encoding="utf-8")
    return {"VULTRON_BRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'bridge.db'}"}


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def seed(env: dict[str, str], github: GitHubHarness, n: int = 3) -> list[str]:
    assert run(env, "links", CASE).exit_code == 0  # creates and migrates the store
    engine = db.make_engine(env["VULTRON_BRIDGE_DATABASE_URL"])
    refs = []
    with github.fake.lock:
        repo = github.fake.repos[PRIVATE_REPO]
        for name in ("vultron:accepted", "vultron:embargo-active", "vultron:fix-ready"):
            repo.labels[name] = Label(name, "ededed", None)
        for i in range(1, n + 1):
            labels = ["vultron:accepted", "vultron:embargo-active"]
            repo.issues[i] = Issue(i, f"secret title {i}", "b", User("m"), labels)
            refs.append(f"github:{PRIVATE_REPO}#{i}")
        repo.issues[1].labels.append("vultron:fix-ready")
    try:
        with db.transaction(db.session_factory(engine)) as s:
            state.put_case(s, CASE, em_state="ACTIVE", cs_state="VFd.pxa", embargo_end=END,
                           data={"kind": "case"}, now=1.0)
            state.put_participant(s, CASE, US, rm_state="ACCEPTED", em_consent="accepted",
                                  roles=["vendor"], now=1.0)
            for ref in refs:
                links.add_link(s, CASE, ref, "mirrors", "t", 1.0)
                state.put_object(s, f"issue:{ref}", "TrackerIssue", {
                    "state": "open", "labels": ["vultron:accepted", "vultron:embargo-active"]},
                    1.0)
    finally:
        engine.dispose()
    return refs


def test_status_from_the_store(env: dict[str, str], github: GitHubHarness) -> None:
    refs = seed(env, github)
    out = run(env, "status", CASE, "--tz", "Europe/Berlin")
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == f"case {CASE}"
    assert lines[1] == "  EM: ACTIVE, embargo ends 2026-03-01T13:00:00+01:00 (CET)"
    assert "fix-ready: no (0 of 3 issues; policy: any)" in out.output
    assert US in out.output and refs[0] in out.output
    assert "secret title" not in out.output  # the store view never shows titles
    data = json.loads(run(env, "status", CASE, "--json").output)
    assert data["embargo_end"] == "2026-03-01T12:00:00+00:00"
    assert data["aggregate"]["issues"] == 3 and data["participants"][0]["rm_state"] == "ACCEPTED"


def test_status_live_asks_the_tracker(env: dict[str, str], github: GitHubHarness) -> None:
    refs = seed(env, github)
    with github.fake.lock:
        del github.fake.repos[PRIVATE_REPO].issues[3]
    data = json.loads(run(env, "status", CASE, "--json", "--live").output)
    by_ref = {i["ref"]: i for i in data["issues"]}
    assert by_ref[refs[0]]["fix_ready"] and by_ref[refs[0]]["source"] == "live"
    assert by_ref[refs[2]]["state"] == "deleted"
    assert data["aggregate"]["fix_ready"] is True  # policy any


def test_status_errors(env: dict[str, str], github: GitHubHarness) -> None:
    seed(env, github)
    missing = run(env, "status", "https://nowhere.example/cases/9")
    assert missing.exit_code == 1
    assert missing.output.strip() == "Error: no case or report with that id is known"
    assert run(env, "status", CASE, "--tz", "Mars/Olympus").exit_code == 2


def test_reconcile_reports_repairs_and_resumes(env: dict[str, str],
                                               github: GitHubHarness) -> None:
    refs = seed(env, github, n=4)
    with github.fake.lock:
        repo = github.fake.repos[PRIVATE_REPO]
        repo.issues[2].state = "closed"
        repo.issues[4].labels = ["vultron:embargo-active"]
    dry = run(env, "reconcile", "--case", CASE, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "4 checked, 3 would repair" in dry.output
    fault = github.fake.inject(Fault(method="GET", path=r"/issues/3$", status=503, times=None))
    stopped = run(env, "reconcile", "--case", CASE)
    assert stopped.exit_code == 1
    assert "interrupted (transient" in stopped.output and "run reconcile again" in stopped.output
    engine = db.make_engine(env["VULTRON_BRIDGE_DATABASE_URL"])
    try:
        with db.session_factory(engine)() as s:
            assert peers.get_cursor(s, f"reconcile:{CASE}") == refs[1]
            assert state.get_object(s, f"issue:{refs[1]}").data["state"] == "closed"
    finally:
        engine.dispose()
    github.fake.faults.remove(fault)
    resumed = run(env, "reconcile", "--case", CASE, "--json")
    assert resumed.exit_code == 0, resumed.output
    data = json.loads(resumed.stdout)
    assert data["skipped"] == 2 and data["checked"] == 2 and data["complete"]
    assert [(f["ref"], f["kind"]) for f in data["findings"]] == [(refs[3], "relabelled")]
    with github.fake.lock:
        assert sorted(github.fake.repos[PRIVATE_REPO].issues[4].labels) == [
            "vultron:accepted", "vultron:embargo-active"]
    clean = run(env, "reconcile")
    assert clean.exit_code == 0 and "no drift found" in clean.output
