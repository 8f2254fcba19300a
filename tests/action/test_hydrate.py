"""Loading a state block into the store and picking each home's share of it: queued messages
keep their per-inbox order; a row goes to the home of the subject it names, exactly."""

from __future__ import annotations

from pathlib import Path

from bridge.action.hydrate import Origins, dump, load, subjects_by_home
from bridge.app.runtime import Runtime
from bridge.config import load_config_text
from bridge.core import stateblock
from bridge.core.stateschema import CaseRow, LinkRow, StateBlock, SubjectRow
from bridge.store import db, outbox, snapshot

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
        load(rt, "github:o/r#1", stateblock.as_block(block), Origins())
        with rt.sessions() as session:
            rows = outbox.list_outbox(session)
        assert [r.activity_id for r in sorted(rows, key=lambda r: r.seq)] == [
            "urn:rv", "urn:case"]
    finally:
        rt.engine.dispose()


def test_a_row_goes_to_the_home_of_the_subject_it_names_not_of_a_prefix(tmp_path: Path) -> None:
    """Report 1 lives in org/repo#1, report 12 in org/repo#12; ``…/reports/1`` is a prefix of
    ``…/reports/12`` and ``org/repo#1`` of ``org/repo#12``. A message and an echo record of
    this run about report 12 go to #12's block only (they were matched by substring)."""
    config = load_config_text(CONFIG.format(db=tmp_path / "b.db"), env={})
    rt = Runtime.from_config(config)
    one, twelve = "https://vendor.example/reports/1", "https://vendor.example/reports/12"
    homes = {one: "github:org/repo#1", twelve: "github:org/repo#12"}
    origins = Origins()
    try:
        for subject, home in homes.items():
            block = StateBlock(subjects={subject: SubjectRow(
                case=CaseRow(em="NONE", cs="Vfd.pxa", at=1.0),
                links=(LinkRow(home, "mirrors", "inbox", 1.0),))})
            load(rt, home, block, origins)
        with db.transaction(rt.sessions) as session:
            outbox.enqueue(session, "urn:rv:12", {"id": "urn:rv:12", "type": "Accept",
                                                  "object": twelve}, [(TO, INBOX)], 5.0)
            snapshot.add_write(session, tracker="github", ref=homes[twelve], kind="labels",
                               at=5.0, consumed=False)
        plan = subjects_by_home(rt, origins, "org/repo", "github")
        assert plan == {homes[one]: {one}, homes[twelve]: {twelve}}
        blocks = {home: dump(rt, home, subjects, origins, all_homes=len(plan), run_inputs=[])
                  for home, subjects in plan.items()}
        key = stateblock.outbox_key("urn:rv:12", TO)
        assert key in blocks[homes[twelve]].outbox
        assert blocks[homes[twelve]].outbox[key].subjects == (twelve,)
        assert key not in blocks[homes[one]].outbox
        assert [w.ref for w in blocks[homes[twelve]].writes.values()] == [homes[twelve]]
        assert not blocks[homes[one]].writes
    finally:
        rt.engine.dispose()
