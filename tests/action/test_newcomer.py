"""What a newcomer to the Action meets first: ``--print-actor`` with the minimal
configuration of docs/action.md, and a legacy ``asType`` report (which the inbox accepts).

On the old code ``--print-actor`` refused that configuration ("destinations.default.tracker
names 'github', not under trackers") although a real run accepts it, and the run refused an
``asType`` activity as "not an activity"."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

from click.testing import CliRunner

from bridge.action.flows import dispatch_activity
from bridge.cli.main import cli
from tests.action.harness import action_env, actor_pem
from tests.paths import REPO


def _minimal_config() -> str:
    text = (REPO / "docs" / "action.md").read_text(encoding="utf-8")
    found = re.search(r"^( *)```yaml\n(.*?)^\1```", text, re.S | re.M)
    assert found is not None
    return textwrap.dedent(found.group(2))


def test_print_actor_reads_the_documented_minimal_configuration(tmp_path: Path) -> None:
    config = tmp_path / "vultron-bridge.yml"
    config.write_text(_minimal_config(), encoding="utf-8")
    result = CliRunner().invoke(cli, ["action", "--print-actor"], env={
        "INPUT_ACTOR_KEY": actor_pem(), "INPUT_CONFIG": str(config)})
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["id"] == "https://acme.example/actors/acme-widget"
    assert "PRIVATE" not in result.output and document["publicKey"]["publicKeyPem"]


def test_a_legacy_astype_report_is_mirrored_by_the_action(tmp_path: Path) -> None:
    with action_env(tmp_path) as env:
        offer = env.offer(content="CANARY legacy report")
        legacy = {("asType" if k == "type" else k): v for k, v in offer.items()}
        legacy["object"] = {("asType" if k == "type" else k): v
                            for k, v in offer["object"].items()}
        assert dispatch_activity({"action": "vultron-activity",
                                  "client_payload": {"activity": legacy}}) == legacy
        result = env.dispatch(legacy)
        assert result.code == 0, result.output
        [issue] = env.issues()
        assert "CANARY legacy report" in (issue.body or "")
