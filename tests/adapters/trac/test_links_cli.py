"""``trac:PROJECT#N`` refs and Trac ticket URLs in ``vultron-bridge link`` / ``links``: the
kind's RefForm, handed over by the registry (nothing in the CLI knows Trac)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.cli.main import cli

CASE = "https://coord.example/cases/7"
CONFIG = """
trackers:
  trac: {kind: trac, url: "https://trac.corp.example", web_host: trac.corp.example}
"""


def test_link_and_list_trac_tickets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vultron-bridge.yml").write_text(CONFIG, encoding="utf-8")
    env = {"VULTRON_BRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'bridge.db'}"}
    done = CliRunner().invoke(cli, ["link", CASE, "trac:security#12",
                                    "https://trac.corp.example/web/ticket/3", "--by", "alice"],
                              env=env)
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == ["linked: trac:security#12 (tracks)",
                                        "linked: trac:web#3 (tracks)"]
    listed = CliRunner().invoke(cli, ["links", "trac:security#12", "--json"], env=env)
    assert [d["subject"] for d in json.loads(listed.output)["links"]] == [CASE]
    bad = CliRunner().invoke(cli, ["link", CASE, "trac:a/b#1", "--by", "alice"], env=env)
    assert bad.exit_code != 0 and "a Trac project is the environment's name" in bad.output
