"""``vultron-bridge check``: configuration, database, key, trackers, destinations and peers,
one line each, exit 1 when any failed — against the fake GitHub over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bridge.cli.main import cli
from bridge.httpsig.keys import new_key_file
from tests.fakes.github.harness import (
    PRIVATE_REPO,
    PUBLIC_REPO,
    TOKEN,
    GitHubHarness,
    github_harness,
)

CONFIG = """
actor: {{key_file: "{key}"}}
database_url: "sqlite:///{db}"
trackers:
  github: {{kind: github, url: "{url}", token: {token}}}
destinations:
  default: {{tracker: github, project: "{project}", mode: private_issue}}
peers:
  trusted: [{{prefix: "http://localhost/actors/"}}, {{prefix: "https://peer.nonexistent.invalid/a/"}}]
"""


@pytest.fixture
def github() -> Iterator[GitHubHarness]:
    with github_harness() as harness:
        yield harness


def _config(tmp: Path, github: GitHubHarness, *, project: str = PRIVATE_REPO,
            token: str = TOKEN, key: Path | None = None) -> Path:
    key = key or (tmp / "k.pem" if (tmp / "k.pem").exists() else new_key_file(tmp / "k.pem"))
    path = tmp / "c.yml"
    path.write_text(CONFIG.format(key=key, db=tmp / "b.db", url=github.fake.base_url,
                                  token=token, project=project), encoding="utf-8")
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _results(result: Result) -> dict[str, tuple[bool, str]]:
    return {r["check"]: (r["ok"], r["detail"]) for r in json.loads(result.output)}


def test_everything_checked_and_what_fails_is_named(tmp_path: Path,
                                                    github: GitHubHarness) -> None:
    config = _config(tmp_path, github)
    before = _results(run("check", "--config", str(config), "--json"))
    assert before["database"][0] is False and "vultron-bridge migrate" in before["database"][1]
    assert run("migrate", "--config", str(config)).exit_code == 0
    result = run("check", "--config", str(config), "--json")
    found = _results(result)
    assert result.exit_code == 1  # the unresolvable peer
    assert found["configuration"][0] and found["database"][0] and found["actor key"][0]
    assert found["tracker github"] == (True, "writes as vultron-bot")
    assert found["destination default"] == (True, f"{PRIVATE_REPO} is private (private_issue)")
    assert found["peer localhost"][0]
    assert found["peer peer.nonexistent.invalid"][0] is False
    local = run("check", "--config", str(config), "--local")
    assert local.exit_code == 0, local.output
    assert local.output.count("ok  ") == 3 and "tracker" not in local.output


def test_a_public_destination_a_bad_token_and_a_bad_key_fail(tmp_path: Path,
                                                              github: GitHubHarness) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key", encoding="utf-8")
    config = _config(tmp_path, github, project=PUBLIC_REPO, key=garbage)
    found = _results(run("check", "--config", str(config), "--json"))
    assert found["actor key"][0] is False and "not a readable PEM" in found["actor key"][1]
    assert found["destination default"][0] is False
    assert "public" in found["destination default"][1]
    wrong = _config(tmp_path, github, token="not-the-token")
    bad = _results(run("check", "--config", str(wrong), "--json"))
    assert bad["tracker github"][0] is False and "configuration" in bad["tracker github"][1]
    assert "not-the-token" not in json.dumps(bad)


def test_an_unset_variable_is_a_failed_configuration(tmp_path: Path) -> None:
    config = tmp_path / "c.yml"
    config.write_text("trackers:\n  github: {kind: github, token: '${NOT_SET_ANYWHERE}'}\n",
                      encoding="utf-8")
    result = run("check", "--config", str(config))
    assert result.exit_code == 1
    assert "FAIL  configuration:" in result.output and "NOT_SET_ANYWHERE" in result.output
