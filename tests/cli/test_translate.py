"""``vultron-bridge translate``: every corpus payload of both trackers goes through it (signed
with the real functions); the JSON-lines contract; exit codes for bad input."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.github.signature import sign
from adapters.gitlab.signature import sign_standard_webhook
from bridge.cli.main import cli
from tests.paths import GITHUB_CORPUS, GITLAB_CORPUS

SECRET = "translate test secret"
KEYS = {"event", "ignored", "messages"}

GITHUB_FILES = sorted(
    p for p in GITHUB_CORPUS.rglob("*.json") if "schemas" not in p.parts
)
GITLAB_FILES = sorted(
    p for p in GITLAB_CORPUS.glob("*.json")
    if not p.name.endswith(".headers.json") and p.name != "delivery_headers_doc.json"
)


def run(*args: str) -> tuple[int, list[dict[str, object]], str]:
    result = CliRunner().invoke(cli, ["translate", *args])
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines, result.output


def _github_headers(tmp: Path, event: str, body: bytes, secret: str = SECRET) -> str:
    path = tmp / "headers.json"
    path.write_text(json.dumps({
        "X-GitHub-Event": event, "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(secret, body), "Content-Type": "application/json",
    }))
    return str(path)


def test_corpora_are_not_empty() -> None:
    assert len(GITHUB_FILES) > 40 and len(GITLAB_FILES) > 10


@pytest.mark.parametrize("path", GITHUB_FILES, ids=lambda p: str(p.relative_to(GITHUB_CORPUS)))
def test_every_github_payload_is_verified_and_translated(path: Path, tmp_path: Path) -> None:
    event = path.parent.name
    headers = _github_headers(tmp_path, event, path.read_bytes())
    code, lines, output = run("--tracker", "github", "--payload", str(path),
                              "--headers", headers, "--secret", SECRET)
    assert code == 0, output
    assert lines and all(line.keys() >= KEYS for line in lines)
    for line in lines:
        assert (line["event"] is None) == (line["ignored"] is not None)


@pytest.mark.parametrize("path", GITLAB_FILES, ids=lambda p: p.name)
def test_every_gitlab_payload_is_verified_and_translated(path: Path, tmp_path: Path) -> None:
    headers_path = path.with_name(path.stem + ".headers.json")
    headers = json.loads(headers_path.read_text()) if headers_path.exists() else {}
    body = path.read_bytes()
    key = "whsec_" + "dHJhbnNsYXRlIHRlc3Qga2V5IDMyIGJ5dGVzISEhISE="
    msg_id, stamp = "msg_1", str(int(__import__("time").time()))
    headers |= {"webhook-id": msg_id, "webhook-timestamp": stamp,
                "webhook-signature": sign_standard_webhook(key, msg_id, stamp, body)}
    headers.pop("X-Gitlab-Token", None)
    (tmp_path / "h.json").write_text(json.dumps(headers))
    code, lines, output = run("--tracker", "gitlab", "--payload", str(path),
                              "--headers", str(tmp_path / "h.json"), "--secret", key)
    assert code == 0, output
    assert lines and all(line.keys() >= KEYS for line in lines)


def test_a_vultron_label_shows_the_message_it_would_send(tmp_path: Path) -> None:
    payload = json.loads((GITHUB_CORPUS / "issues" / "labeled.payload.json").read_text())
    payload["label"]["name"] = "vultron:valid"
    body = json.dumps(payload).encode()
    (tmp_path / "p.json").write_bytes(body)
    headers = _github_headers(tmp_path, "issues", body)
    code, lines, _ = run("--tracker", "github", "--payload", str(tmp_path / "p.json"),
                         "--headers", headers, "--secret", SECRET)
    assert code == 0
    assert [m["message"] for m in lines[0]["messages"]] == ["RV"]  # type: ignore[index, union-attr]
    code, lines, _ = run("--tracker", "github", "--payload", str(tmp_path / "p.json"),
                         "--event", "issues", "--rm-state", "VALID")
    assert code == 0 and lines[0]["messages"] == [] and lines[0]["refused"]


def test_verification_failures_and_bad_input_exit_1(tmp_path: Path) -> None:
    path = GITHUB_CORPUS / "issues" / "labeled.payload.json"
    wrong = _github_headers(tmp_path, "issues", path.read_bytes(), secret="other")
    code, _, output = run("--tracker", "github", "--payload", str(path), "--headers", wrong,
                          "--secret", SECRET)
    assert code == 1 and "signature" in output.lower() and "Traceback" not in output
    (tmp_path / "bad.json").write_text("{not json")
    for args in (
        ["--payload", str(tmp_path / "missing.json"), "--event", "issues"],
        ["--payload", str(tmp_path / "bad.json"), "--event", "issues"],
        ["--payload", str(path)],  # no event name anywhere
        ["--payload", str(path), "--headers", str(tmp_path / "bad.json"), "--event", "issues"],
    ):
        code, _, output = run("--tracker", "github", *args)
        assert code == 1, (args, output)
        assert "Traceback" not in output and "{not json" not in output
    code, _, _ = run("--tracker", "jira", "--payload", str(path))
    assert code == 2
