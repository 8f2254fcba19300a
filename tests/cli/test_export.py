"""``vultron-bridge export CASE --format cve|csaf|osv`` on a store holding a case's fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bridge.cli.main import cli
from bridge.core.records.fields import to_data
from bridge.publish.validate import validate_csaf, validate_cve, validate_osv
from bridge.store import db, state
from tests.core.records.samples import CASE, CNA, complete

CANARY = "CANARY-7f3a secret reproduction steps"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vultron-bridge.yml").write_text(
        "publication:\n"
        "  publisher: {name: Example Widgets, namespace: 'https://widgets.example'}\n"
        f"  cve: {{org_id: {CNA}, short_name: widgets}}\n", encoding="utf-8")
    return {"VULTRON_BRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'bridge.db'}"}


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def put(env: dict[str, str], cs: str, em: str = "NONE", end: float | None = None,
        fields: dict[str, object] | None = None) -> None:
    assert run(env, "links", CASE).exit_code == 0  # creates and migrates the store
    engine = db.make_engine(env["VULTRON_BRIDGE_DATABASE_URL"])
    stored = fields if fields is not None else to_data(
        complete().with_changes(description=CANARY))
    with db.transaction(db.session_factory(engine)) as s:
        state.put_case(s, CASE, em_state=em, cs_state=cs, embargo_end=end,
                       data={"kind": "case", "fields": stored}, now=1.0)
    engine.dispose()


def test_published_case_exports_three_valid_records(env: dict[str, str]) -> None:
    put(env, "VFD.Pxa", "EXITED")
    for fmt, check in (("cve", validate_cve), ("csaf", validate_csaf), ("osv", validate_osv)):
        result = run(env, "export", CASE, "--format", fmt)
        assert result.exit_code == 0, result.output
        check(json.loads(result.stdout))
    csaf = json.loads(run(env, "export", CASE, "--format", "csaf").stdout)
    assert csaf["document"]["distribution"]["tlp"]["label"] == "WHITE"


def test_under_embargo_only_the_interim_amber_csaf_exists(env: dict[str, str]) -> None:
    put(env, "VFd.pxa", "ACTIVE", end=4102444800.0)
    for fmt in ("cve", "osv"):
        result = run(env, "export", CASE, "--format", fmt)
        assert result.exit_code == 1
        assert "not public yet" in result.output
        assert CANARY not in result.output
    result = run(env, "export", CASE, "--format", "csaf")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)["document"]
    assert (doc["distribution"]["tlp"]["label"], doc["tracking"]["status"]) == (
        "AMBER", "interim")
    assert "interim TLP:AMBER" in result.stderr


def test_missing_fields_are_listed_and_nothing_is_printed(env: dict[str, str]) -> None:
    put(env, "VFD.Pxa", fields={"title": "only a title"})
    result = run(env, "export", CASE, "--format", "csaf")
    assert result.exit_code == 1
    assert "cannot build the CSAF record: missing description, affected products" in \
        result.output
    assert result.stdout.count("{") == 0


def test_output_file(env: dict[str, str], tmp_path: Path) -> None:
    put(env, "VFD.Pxa")
    result = run(env, "export", CASE, "--format", "osv", "-o", str(tmp_path / "o.json"))
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "o.json").read_text())["aliases"] == ["CVE-2026-10001"]


def test_unknown_case(env: dict[str, str]) -> None:
    assert run(env, "links", CASE).exit_code == 0
    result = run(env, "export", "https://nowhere.example/cases/9", "--format", "cve")
    assert result.exit_code == 1
    assert "no case or report" in result.output
