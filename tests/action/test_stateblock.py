"""The state block (``bridge.core.stateblock``) and its sealing: framing, limits, merging."""

from __future__ import annotations

import base64
import zlib

import pytest

from bridge.action.seal import sealer
from bridge.core import stateblock
from bridge.core.markers import tokens_in
from bridge.httpsig.keys import generate_ed25519


def _state() -> dict:
    s = stateblock.empty()
    s["subjects"]["https://x.example/reports/1"] = {
        "case": {"em": "NONE", "cs": "Vfd.pxa", "end": None, "data": {"kind": "report"},
                 "at": 10.0},
        "participants": {"https://x.example/actors/f": {"rm": "ACCEPTED", "consent": None,
                                                        "roles": ["finder"], "at": 10.0}},
        "links": [["github:o/r#1", "mirrors", "inbox", 10.0]],
    }
    s["outbox"]["a\x1fb"] = {"id": "a", "to": "b", "inbox": "https://x.example/inbox/",
                             "activity": {"id": "a"}, "status": "pending", "attempts": 1,
                             "at": 11.0}
    return s


def test_round_trip_keeps_the_body_and_adds_search_markers() -> None:
    body = "Report text\n\n<!-- vultron-bridge vb" + "0" * 32 + " -->\n"
    text = stateblock.write(body, _state())
    assert text.startswith("Report text")
    assert stateblock.read(text) == _state()
    assert stateblock.subject_token("https://x.example/reports/1") in tokens_in(text)
    assert "vb" + "0" * 32 in tokens_in(text)  # the object marker stays
    again = stateblock.write(text, _state())
    assert again.count(stateblock.BEGIN) == 1 and stateblock.strip(again) == stateblock.strip(text)


def test_no_block_and_damaged_blocks() -> None:
    assert stateblock.read("plain body") is None
    assert stateblock.read(None) is None
    with pytest.raises(stateblock.StateBlockError, match="no payload"):
        stateblock.read(f"{stateblock.BEGIN}\n{stateblock.END}")
    with pytest.raises(stateblock.StateBlockError, match="not zlib"):
        stateblock.read(f"{stateblock.BEGIN}\n<!-- vultron-bridge-state v1 z\nAAAA\n-->\n"
                        f"{stateblock.END}")
    with pytest.raises(stateblock.StateBlockError, match="version 9"):
        stateblock.read(f"{stateblock.BEGIN}\n<!-- vultron-bridge-state v9 z\nAAAA\n-->\n"
                        f"{stateblock.END}")


def test_a_zip_bomb_is_refused() -> None:
    bomb = base64.b64encode(zlib.compress(b"[" + b" " * (8 * 1024 * 1024) + b"]")).decode()
    text = f"{stateblock.BEGIN}\n<!-- vultron-bridge-state v1 z\n{bomb}\n-->\n{stateblock.END}"
    with pytest.raises(stateblock.StateBlockError, match="too large"):
        stateblock.read(text)


def test_sealed_blocks_need_the_key() -> None:
    seal, unseal = sealer(generate_ed25519())
    _, other = sealer(generate_ed25519())
    text = stateblock.write("body", _state(), seal)
    assert "v1 s" in text and "Vfd.pxa" not in text
    assert stateblock.read(text, unseal) == _state()
    with pytest.raises(stateblock.StateBlockError, match="another key"):
        stateblock.read(text, other)
    with pytest.raises(stateblock.StateBlockError, match="no actor key"):
        stateblock.read(text)


def test_history_is_dropped_before_the_size_limit_is_hit() -> None:
    state = _state()
    for n in range(300):
        state["outbox"][f"d{n}"] = {"id": f"d{n}" + "x" * 200, "status": "delivered", "at": n}
    full = stateblock.write("", state)
    small = stateblock.write("", state, max_chars=len(full) - 1)
    assert len(stateblock.read(small)["outbox"]) == 1
    with pytest.raises(stateblock.StateTooLarge):
        stateblock.write("y" * 1000, state, max_chars=900)


def test_merge_converges_whoever_writes_last() -> None:
    a, b = _state(), _state()
    a["outbox"]["a\x1fb"] = {**a["outbox"]["a\x1fb"], "status": "delivered", "attempts": 1}
    b["outbox"]["a\x1fb"] = {**b["outbox"]["a\x1fb"], "attempts": 2}
    a["writes"]["w1"] = {"ref": "r", "kind": "comment", "at": 1.0, "used": True}
    b["writes"]["w1"] = {"ref": "r", "kind": "comment", "at": 1.0, "used": False}
    b["writes"]["w2"] = {"ref": "r", "kind": "close", "at": 2.0, "used": False}
    a["inputs"], b["inputs"] = ["x"], ["y"]
    sid = "https://x.example/reports/1"
    b["subjects"][sid]["case"] = {**b["subjects"][sid]["case"], "em": "ACTIVE", "at": 20.0}
    one, two = stateblock.merge(a, b), stateblock.merge(b, a)
    for merged in (one, two):
        assert merged["outbox"]["a\x1fb"]["status"] == "delivered"
        assert merged["writes"]["w1"]["used"] is True and "w2" in merged["writes"]
        assert set(merged["inputs"]) == {"x", "y"}
        assert merged["subjects"][sid]["case"]["em"] == "ACTIVE"
    assert stateblock.merge(one, one) == one


def test_ids_in_finds_what_an_activity_names() -> None:
    activity = {"id": "https://p/a/1", "actor": "https://p/actors/x",
                "object": {"id": "https://p/inv/2", "object": {"id": "https://p/emb/3"},
                           "context": "https://p/case/4"}, "inReplyTo": "https://p/a/0"}
    found = stateblock.ids_in(activity)
    assert {"https://p/a/1", "https://p/inv/2", "https://p/emb/3", "https://p/case/4",
            "https://p/a/0"} <= set(found)
    assert "https://p/actors/x" not in found


def test_read_trusted_takes_only_blocks_sealed_with_our_key() -> None:
    seal, unseal = sealer(generate_ed25519())
    other, _ = sealer(generate_ed25519())
    real = stateblock.render(_state(), seal)
    forged = stateblock.empty()
    forged["inputs"] = ["forged"]
    for planted in (stateblock.render(forged), stateblock.render(forged, other)):
        for body in (f"{planted}\n{real}", f"{real}\n{planted}",
                     planted.replace(stateblock.END, "") + real):
            reading = stateblock.read_trusted(body, unseal)
            assert reading.state == _state() and len(reading.ignored) == 1
    unsealed = stateblock.render(_state())
    assert stateblock.read_trusted(unsealed, None).state is None  # no key: off by default
    assert "allow_unsealed_state" in stateblock.read_trusted(unsealed, None).ignored[0]
    assert stateblock.read_trusted(unsealed, None, allow_unsealed=True).state == _state()
    assert stateblock.read_trusted(f"{unsealed}\n{real}", unseal,
                                   allow_unsealed=True).state == _state()
    twice = stateblock.read_trusted(f"{real}\n{stateblock.render(_state(), seal)}", unseal)
    assert twice.state == _state() and "merged" in twice.ignored[0]
