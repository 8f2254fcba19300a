"""``vultron-bridge validate`` / ``explain``: every corpus file is OK, bad input is a one-line
INVALID with exit 1 (never a traceback), usage errors exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bridge.cli import validate as validate_module
from bridge.cli.main import cli
from bridge.core.catalogue import MessageType
from bridge.core.vocab import to_json
from tests.core.test_catalogue_factories import build
from tests.paths import REPO, VULTRON_CORPUS

SECRET = "EMBARGOED-DETAIL-4242"
ALL_FILES = sorted(p for p in VULTRON_CORPUS.rglob("*") if p.is_file())
# README.md files document the corpus; they are not protocol documents, so they are skipped
# (and this list proves the skip is about Markdown only: every other file must validate).
DOCS = [p for p in ALL_FILES if p.suffix == ".md"]
# Live conversations (one JSON object per step, each holding the activities exchanged) are
# not documents themselves: every activity in them must validate (below), and
# tests/interop/test_live_flows.py replays them.
FLOWS = [p for p in ALL_FILES if p.suffix == ".jsonl"]
DOCUMENTS = [p for p in ALL_FILES if p.suffix not in (".md", ".jsonl")]


def run(*args: str, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin)


def lines(result: Result) -> list[str]:
    return result.output.splitlines()


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_corpus_holds_json_documents_and_readmes_only() -> None:
    assert len(DOCUMENTS) >= 80 and {p.suffix for p in DOCUMENTS} == {".json"}
    assert {p.name for p in DOCS} == {"README.md"}
    assert {p.name for p in FLOWS} == {"A.jsonl", "B.jsonl"}


def flow_activities(path: Path) -> list[dict[str, object]]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        step = json.loads(line)
        found += [r["activity"] for r in step["received_by_bridge"]]
        found += [s["activity"] for s in step["sent_by_bridge"]]
    return found


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name)
def test_every_activity_of_the_live_flows_is_ok(path: Path, tmp_path: Path) -> None:
    activities = flow_activities(path)
    assert len(activities) >= 10
    for n, activity in enumerate(activities):
        target = tmp_path / f"{n}.json"
        target.write_text(json.dumps(activity), encoding="utf-8")
        result = run("validate", str(target))
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(VULTRON_CORPUS)))
def test_every_corpus_file_is_ok(path: Path) -> None:
    result = run("validate", str(path))
    assert result.exit_code == 0, result.output
    assert lines(result)[0].startswith(f"{path}: OK ")


def test_all_corpus_files_at_once_in_json() -> None:
    result = run("validate", "--json", *map(str, DOCUMENTS))
    assert result.exit_code == 0
    records = [json.loads(line) for line in lines(result)]
    assert [r["file"] for r in records] == list(map(str, DOCUMENTS))
    for record in records:
        assert set(record) == {"file", "ok", "message_type", "object_type", "document_type",
                               "warnings", "errors"}
        assert record["ok"] is True and record["errors"] == []
    by_name = {Path(r["file"]).name: r for r in records}
    assert by_name["submit_report.json"]["message_type"] == "RS"
    assert by_name["028_rmengagecase.json"]["message_type"] == "RA"
    assert any("422" in w for w in by_name["028_rmengagecase.json"]["warnings"])
    assert any("asType" in w for w in by_name["submit_report.json"]["warnings"])
    report = by_name["003_vulnerabilityreport.json"]
    assert (report["message_type"], report["object_type"]) == (None, "VulnerabilityReport")
    ledger = by_name["Announce_CaseLedgerEntry_create_case.json"]
    assert (ledger["message_type"], ledger["object_type"]) == ("CASE_LEDGER_ENTRY",
                                                               "CaseLedgerEntry")


def test_text_line_format(tmp_path: Path) -> None:
    path = tmp_path / "rv.json"
    path.write_bytes(to_json(build(MessageType.RV)))
    assert lines(run("validate", str(path))) == [f"{path}: OK RV Accept(Offer)"]
    legacy = VULTRON_CORPUS / "examples" / "011_accept.json"
    out = lines(run("validate", "-w", str(legacy)))
    assert out[0] == f"{legacy}: OK - Accept(reference) [3 warnings]"
    assert out[1].startswith("    warning: uses asType")


def test_em_state_option_tells_ep_from_ev(tmp_path: Path) -> None:
    path = tmp_path / "invite.json"
    path.write_bytes(to_json(build(MessageType.EP)))
    assert " OK EP " in run("validate", str(path)).output
    assert " OK EV " in run("validate", "--em-state", "ACTIVE", str(path)).output


def _invalid(path: Path | str, *args: str) -> str:
    result = run("validate", *args, str(path))
    assert result.exit_code == 1
    assert_no_traceback(result)
    (line,) = lines(result)
    assert line.startswith(f"{path}: INVALID ")
    assert SECRET not in line
    return line


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in _invalid(tmp_path / "nope.json")


def test_directory(tmp_path: Path) -> None:
    assert "is a directory" in _invalid(tmp_path)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.json"
    path.write_text("{}")

    def refuse(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(validate_module, "open", refuse, raising=False)
    assert "permission denied" in _invalid(path)


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(f"type: Offer {SECRET}")
    assert "not JSON" in _invalid(path)


def test_json_array(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps([{"type": "Offer", "content": SECRET}]))
    assert "JSON array" in _invalid(path)


def test_fifty_megabytes(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    assert "too large" in _invalid(path)


def test_ten_thousand_levels(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 10_000 + "]" * 10_000)
    assert "nesting too deep" in _invalid(path)


def test_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"type": "Note", "content": "' + SECRET.encode() + b'\xc3\x28"}')
    assert "not UTF-8" in _invalid(path)


def test_malformed_activity_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"type": "Offer", "published": SECRET,
                                "object": {"type": "VulnerabilityReport"}}))
    assert "published: Input should be a valid datetime" in _invalid(path)


def test_unknown_type(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"type": SECRET}))
    assert "unsupported type" in _invalid(path)


def test_one_invalid_file_among_valid_ones_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    good = VULTRON_CORPUS / "more" / "submit_report.json"
    result = run("validate", str(good), str(bad), str(good))
    assert result.exit_code == 1
    assert [line.split(": ")[1].split()[0] for line in lines(result)] == ["OK", "INVALID", "OK"]


def test_json_record_for_an_invalid_file(tmp_path: Path) -> None:
    result = run("validate", "--json", str(tmp_path / "missing.json"))
    record = json.loads(result.output)
    assert record["ok"] is False and record["errors"] == ["cannot read: no such file"]
    assert result.exit_code == 1


def test_standard_input() -> None:
    result = run("validate", "-", stdin=to_json(build(MessageType.RS)))
    assert result.output == "-: OK RS Offer(VulnerabilityReport)\n"


@pytest.mark.parametrize("args", [["validate"], ["validate", "--bogus", "x.json"],
                                  ["validate", "--em-state", "SOMETIMES", "x.json"],
                                  ["explain"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert_no_traceback(result)


def test_explain_a_reply(tmp_path: Path) -> None:
    path = tmp_path / "rv.json"
    path.write_bytes(to_json(build(MessageType.RV)))
    result = run("explain", str(path))
    assert result.exit_code == 0
    assert "sends RV (validate report): the receiver finds the report valid." in result.output
    assert "State change: RM RV (sender)." in result.output


def test_explain_a_legacy_file_lists_what_to_change() -> None:
    result = run("explain", str(VULTRON_CORPUS / "examples" / "028_rmengagecase.json"))
    assert result.exit_code == 0
    assert "sends RA (engage case)" in result.output
    assert "RmEngageCase is a retired type" in result.output


def test_explain_a_ledger_entry_explains_its_payload() -> None:
    path = VULTRON_CORPUS / "reference-server" / "Announce_CaseLedgerEntry_add_report_to_case.json"
    output = run("explain", str(path)).output
    assert "sends CASE_LEDGER_ENTRY" in output
    assert "  http://127.0.0.1:7999/api/v2/actors/case-actor-33fffab5c10f sends " \
           "ADD_REPORT_TO_CASE" in output


def test_explain_invalid_input(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("{\"a\":" * 10_000 + "1" + "}" * 10_000)
    result = run("explain", str(path))
    assert result.exit_code == 1
    assert_no_traceback(result)
    assert lines(result) == [f"{path}: INVALID nesting too deep: more than 64 levels"]


def test_console_script_runs_validate_in_a_fresh_process() -> None:
    path = VULTRON_CORPUS / "more" / "submit_report.json"
    done = subprocess.run([sys.executable, "-m", "bridge.cli.main", "validate", str(path)],
                          capture_output=True, text=True, cwd=REPO, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.startswith(f"{path}: OK RS")


def test_validate_does_not_import_the_service_stack() -> None:
    code = ("import sys, bridge.cli.validate; "
            "print(sorted(m for m in ('fastapi', 'sqlalchemy', 'httpx', 'starlette', 'github', "
            "'gitlab', 'uvicorn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
