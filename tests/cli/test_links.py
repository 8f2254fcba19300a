"""``vultron-bridge link``, ``unlink``, ``links`` and ``import-links`` on a temporary store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bridge.cli.main import cli
from bridge.core.refs import ACCEPTED_FORMS
from bridge.store import audit, links, state
from bridge.store.db import make_engine, session_factory, transaction

CASE = "https://coord.example/cases/1"
REPORT = "https://finder.example/reports/1"
CONFIG = """
trackers:
  ghe: {kind: github, url: "https://ghe.corp.example/api/v3", web_host: ghe.corp.example}
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vultron-bridge.yml").write_text(CONFIG, encoding="utf-8")
    yield {"VULTRON_BRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'bridge.db'}"}


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def _session(env: dict[str, str]):  # type: ignore[no-untyped-def]
    engine = make_engine(env["VULTRON_BRIDGE_DATABASE_URL"])
    return session_factory(engine)()


def test_link_then_list_both_ways(env: dict[str, str]) -> None:
    done = run(env, "link", CASE, "github:acme/widget#1", "https://ghe.corp.example/t/a/issues/4",
               "--by", "alice")
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == ["linked: github:acme/widget#1 (tracks)",
                                        "linked: ghe:t/a#4 (tracks)"]
    again = run(env, "link", CASE, "github:acme/widget#1", "--by", "bob")
    assert "already linked: github:acme/widget#1" in again.output
    listed = run(env, "links", CASE)
    assert listed.exit_code == 0
    assert "ghe:t/a#4" in listed.output and "alice" in listed.output
    by_ref = run(env, "links", "https://github.com/acme/widget/issues/1", "--json")
    data = json.loads(by_ref.output)
    assert data["start"] == {"kind": "ref", "id": "github:acme/widget#1"}
    assert [d["subject"] for d in data["links"]] == [CASE]
    with _session(env) as s:
        assert [e["data"]["by"] for e in audit.entries_for(s, CASE)] == ["alice", "alice"]


def test_links_depth_walks_report_case_and_issues(env: dict[str, str]) -> None:
    run(env, "link", REPORT, "github:acme/widget#1", "--relation", "mirrors")
    run(env, "link", CASE, "github:acme/widget#1", "gitlab:g/p#2")
    run(env, "link", "https://coord.example/cases/2", "gitlab:g/p#2")
    one = json.loads(run(env, "links", REPORT, "--json").output)
    three = json.loads(run(env, "links", REPORT, "--json", "--depth", "3").output)
    four = json.loads(run(env, "links", REPORT, "--json", "--depth", "4").output)
    assert len(one["links"]) == 1
    assert {d["subject"] for d in three["links"]} == {REPORT, CASE}
    assert {d["subject"] for d in four["links"]} == {
        REPORT, CASE, "https://coord.example/cases/2"}
    text = run(env, "links", REPORT, "--depth", "3").output
    assert text.splitlines()[0].split()[:4] == ["hop", "subject", "relation", "ref"]


def test_unlink(env: dict[str, str]) -> None:
    run(env, "link", CASE, "github:acme/widget#1")
    run(env, "link", CASE, "github:acme/widget#1", "--relation", "fixes")
    out = run(env, "unlink", CASE, "github:acme/widget#1", "--relation", "fixes")
    assert out.exit_code == 0 and out.output.strip() == "unlinked: github:acme/widget#1 (fixes)"
    rest = run(env, "unlink", CASE, "github:acme/widget#1")
    assert "unlinked: github:acme/widget#1 (tracks)" in rest.output
    none = run(env, "unlink", CASE, "github:acme/widget#1")
    assert none.output.strip() == "not linked: github:acme/widget#1"
    assert run(env, "links", CASE).output.strip() == f"no links for {CASE}"


@pytest.mark.parametrize("ref", ["github:acme/widget", "jira:ABC-1", "acme/widget#1",
                                 "https://example.com/x/y/issues/1"])
def test_bad_refs_exit_1_with_the_accepted_forms(env: dict[str, str], ref: str) -> None:
    out = run(env, "link", CASE, ref)
    assert out.exit_code == 1
    lines = out.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: bad tracker reference")
    assert ACCEPTED_FORMS in lines[0]
    assert "Traceback" not in out.output


def test_links_of_a_malformed_ref_is_an_error_not_a_subject(env: dict[str, str]) -> None:
    out = run(env, "links", "github:acme/widget")
    assert out.exit_code == 1 and "names no issue" in out.output


def test_usage_errors_exit_2(env: dict[str, str]) -> None:
    assert run(env, "link", CASE).exit_code == 2
    assert run(env, "link", CASE, "github:o/r#1", "--relation", "blocks").exit_code == 2
    assert run(env, "links", CASE, "--depth", "0").exit_code == 2


def test_bad_subject_exits_1(env: dict[str, str]) -> None:
    out = run(env, "link", "two words", "github:o/r#1")
    assert out.exit_code == 1 and "a subject is a report or case id" in out.output


def test_bad_config_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "vultron-bridge.yml").write_text("trackers: [", encoding="utf-8")
    out = run(env, "links", CASE)
    assert out.exit_code == 1 and "not valid YAML" in out.output


def test_import_links(env: dict[str, str], tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("subject,ref,relation,linked_by\n"
                    + "".join(f"{CASE},github:o/r#{i},,\n" for i in range(1, 1001)),
                    encoding="utf-8")
    out = run(env, "import-links", str(good), "--by", "bulk")
    assert out.exit_code == 0, out.output
    assert "imported 1000 rows: 1000 new links, 0 already linked" in out.output
    with _session(env) as s:
        assert len(links.links_for_subject(s, CASE)) == 1000
        assert links.links_for_subject(s, CASE)[0].linked_by == "bulk"
    bad = tmp_path / "bad.csv"
    bad.write_text("subject,ref,relation,linked_by\n"
                   f"{REPORT},github:o/r#1,,\n{REPORT},github:o/r,,\n", encoding="utf-8")
    refused = run(env, "import-links", str(bad))
    assert refused.exit_code == 1
    assert "line 3: bad tracker reference 'github:o/r': it names no issue" in refused.output
    assert "1 of 2 rows rejected; nothing imported" in refused.output
    with _session(env) as s:
        assert links.links_for_subject(s, REPORT) == []


def test_links_shows_the_report_case_relation(env: dict[str, str]) -> None:
    run(env, "link", CASE, "github:o/r#1")
    engine = make_engine(env["VULTRON_BRIDGE_DATABASE_URL"])
    with transaction(session_factory(engine)) as s:
        state.put_case(s, REPORT, em_state="NONE", cs_state="vfd.pxa", embargo_end=None,
                       data={"kind": "report", "case_id": CASE}, now=1.0)
    out = run(env, "links", REPORT, "--depth", "2")
    assert f"report {REPORT} belongs to case {CASE}" in out.output
    assert "github:o/r#1" in out.output
