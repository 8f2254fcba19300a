"""Loading a state block into the store: queued messages keep their per-inbox order."""

from __future__ import annotations

from pathlib import Path

from bridge.action.hydrate import Origins, load
from bridge.app.runtime import Runtime
from bridge.config import load_config_text
from bridge.core import stateblock
from bridge.store import outbox

CONFIG = """
actor: {{name: vendor, base_url: "https://vendor.example"}}
database_url: "sqlite:///{db}"
trackers:
  github: {{kind: github, url: "https://api.github.com", token: t, webhook_secrets: ["s"]}}
"""
TO = "https://finder.example/actors/f"
INBOX = TO + "/inbox/"


def _message(aid: str, seq: int) -> dict[str, object]:
    return {"id": aid, "to": TO, "inbox": INBOX, "activity": {"id": aid, "type": "Accept"},
            "status": "pending", "attempts": 0, "next": 5.0, "created": 5.0, "seq": seq}


def test_messages_queued_in_one_transaction_load_in_their_queue_order(tmp_path: Path) -> None:
    """RV and the Create(VulnerabilityCase) it causes share their time; the case must not
    overtake the RV when a later run loads them."""
    config = load_config_text(CONFIG.format(db=tmp_path / "b.db"), env={})
    rt = Runtime.from_config(config)
    block = stateblock.empty()
    # the block's own order puts the case first (as a JSON round trip may)
    block["outbox"] = {"a-second": _message("urn:case", 8), "z-first": _message("urn:rv", 7)}
    try:
        load(rt, "github:o/r#1", block, Origins())
        with rt.sessions() as session:
            rows = outbox.list_outbox(session)
        assert [r.activity_id for r in sorted(rows, key=lambda r: r.seq)] == [
            "urn:rv", "urn:case"]
    finally:
        rt.engine.dispose()
