"""The state block (``bridge.core.stateblock``, ``bridge.core.stateschema``) and its
sealing: framing, limits, strict parsing, the v1 format, merging."""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bridge.action.seal import sealer
from bridge.core import stateblock
from bridge.core.markers import tokens_in
from bridge.core.stateschema import (
    CaseRow,
    CursorRow,
    LinkRow,
    MessageRow,
    ObjectRow,
    ParticipantRow,
    StateBlock,
    SubjectRow,
    Unreadable,
    WriteRow,
    parse,
)
from bridge.httpsig.keys import generate_ed25519, load_private_pem
from tests.action.harness import action_env, actor_pem


def _state() -> StateBlock:
    return stateblock.as_block(_json())


def _json() -> dict[str, Any]:
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


def _read(text: str, unseal: stateblock.Unseal | None = None) -> StateBlock:
    block = stateblock.read(text, unseal)
    assert block is not None
    return block


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
    with pytest.raises(stateblock.StateBlockError, match="version 9"):  # the framing's
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
    state = _json()
    for n in range(300):
        state["outbox"][f"d{n}"] = {"id": f"d{n}" + "x" * 200, "to": "b", "inbox": "i",
                                    "status": "delivered", "at": n}
    full = stateblock.write("", state)
    small = stateblock.write("", state, max_chars=len(full) - 1)
    assert len(_read(small).outbox) == 1
    with pytest.raises(stateblock.StateTooLarge):
        stateblock.write("y" * 1000, state, max_chars=900)


def test_merge_converges_whoever_writes_last() -> None:
    a, b = _json(), _json()
    a["outbox"]["a\x1fb"] = {**a["outbox"]["a\x1fb"], "status": "delivered", "attempts": 1}
    b["outbox"]["a\x1fb"] = {**b["outbox"]["a\x1fb"], "attempts": 2}
    a["writes"]["w1"] = {"tracker": "t", "ref": "r", "kind": "comment", "at": 1.0, "used": True}
    b["writes"]["w1"] = {"tracker": "t", "ref": "r", "kind": "comment", "at": 1.0,
                         "used": False}
    b["writes"]["w2"] = {"tracker": "t", "ref": "r", "kind": "close", "at": 2.0, "used": False}
    a["inputs"], b["inputs"] = ["x"], ["y"]
    sid = "https://x.example/reports/1"
    b["subjects"][sid]["case"] = {**b["subjects"][sid]["case"], "em": "ACTIVE", "at": 20.0}
    a["outbox"]["a\x1fb"]["subjects"] = [sid]  # a delivered row read back names no subjects
    one, two = (stateblock.merge(stateblock.as_block(a), stateblock.as_block(b)),
                stateblock.merge(stateblock.as_block(b), stateblock.as_block(a)))
    assert replace(one, inputs=()) == replace(two, inputs=())  # inputs: ours first
    for merged in (one, two):
        assert merged.outbox["a\x1fb"].status == "delivered"
        assert merged.outbox["a\x1fb"].subjects == (sid,)
        assert merged.writes["w1"].used is True and "w2" in merged.writes
        assert set(merged.inputs) == {"x", "y"}
        case = merged.subjects[sid].case
        assert case is not None and case.em == "ACTIVE"
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
    forged = StateBlock(inputs=("forged",))
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


# -- strict parsing (issue 20: a wrong-typed section was silently replaced by an empty one) --


def _raw_block(content: dict[str, Any], seal: stateblock.Seal | None = None) -> str:
    """A block around ``content`` as written, whatever it holds (no parser in between)."""
    raw = zlib.compress(json.dumps(content).encode())
    kind = "z"
    if seal is not None:
        raw, kind = seal(raw), "s"
    payload = base64.b64encode(raw).decode()
    return (f"{stateblock.BEGIN}\n<!-- vultron-bridge-state v1 {kind}\n{payload}\n-->\n"
            f"{stateblock.END}")


WRONG = [
    ("outbox", [], "outbox: the section is a list, not an object"),
    ("subjects", "x", "subjects: the section is a string, not an object"),
    ("inputs", {"a": 1}, "inputs: the section is not a list of strings"),
    ("cursors", {"u": {"seen": "abc", "at": 1.0}}, "cursors: a cursor's seen is not a list"),
    ("writes", {"w": {"tracker": "t", "ref": "r", "kind": "k", "at": "soon"}},
     "writes: an echo record's at is a string, not a number or null"),
    ("outbox", {"k": {"id": "a", "to": "b", "inbox": "i", "attempts": True}},
     "outbox: a message's attempts is a boolean, not an integer"),
    ("outbox", {"k": {"id": "a", "to": "b", "inbox": "i", "activity": "Note"}},
     "outbox: a message's activity is a string, not an object or null"),
    ("subjects", {"s": {"case": None, "participants": {}, "links": [["only-a-ref"]]}},
     "subjects: a link is not"),
    ("surprise", {}, "surprise: not a section of a state block"),
    ("v", 3, "v: content version 3 is a newer version: upgrade the action"),
]


@pytest.mark.parametrize(("section", "value", "message"), WRONG,
                         ids=[f"{w[0]}-{n}" for n, w in enumerate(WRONG)])
def test_a_wrong_typed_or_unknown_section_is_a_named_error(section: str, value: Any,
                                                           message: str) -> None:
    content = {**_json(), section: value}
    with pytest.raises(Unreadable, match="^state block unreadable: " + message):
        stateblock.read(_raw_block(content))


def test_the_error_names_the_field_never_the_value() -> None:
    secret = "https://x.example/actors/secret-finder"
    content = _json()
    content["subjects"]["https://x.example/reports/1"]["participants"][secret] = {
        "rm": 7, "roles": []}
    with pytest.raises(Unreadable) as caught:
        stateblock.read(_raw_block(content))
    assert caught.value.reason == ("state block unreadable: subjects: a participant's rm is "
                                   "an integer, not a string")
    assert caught.value.section == "subjects"


def test_an_authentic_unreadable_block_is_neither_state_nor_ignored() -> None:
    """Sealed with our key but wrong inside: the reading says so (the Action stops and keeps
    the block), rather than treating it as absent (which the next commit would overwrite)."""
    seal, unseal = sealer(generate_ed25519())
    body = "report\n\n" + _raw_block({**_json(), "outbox": []}, seal)
    reading = stateblock.read_trusted(body, unseal)
    assert reading.state is None and reading.ignored == ()
    assert reading.unreadable == ("state block unreadable: outbox: the section is a list, "
                                  "not an object",)
    other, _ = sealer(generate_ed25519())  # not ours: ignored as before, not unreadable
    planted = stateblock.read_trusted(_raw_block({**_json(), "outbox": []}, other), unseal)
    assert planted.unreadable == () and "another key" in planted.ignored[0]


def test_the_action_keeps_an_unreadable_block_and_fails_the_run(tmp_path: Path) -> None:
    seal, _ = sealer(load_private_pem(actor_pem()))
    with action_env(tmp_path) as env:
        assert env.dispatch(env.offer(1)).code == 0
        issue = env.issues()[0]
        damaged = f"{stateblock.strip(issue.body)}\n{_raw_block({**_json(), 'outbox': []}, seal)}"
        with env.fake.lock:
            issue.body = damaged
        for result in (env.run("schedule", {}), env.dispatch(env.offer(1))):
            assert result.code == 1, result.output
            assert (f"state block unreadable: outbox: the section is a list, not an object "
                    f"(in github:{env.repo}#{issue.number}") in result.summary
            assert env.issue(issue.number).body == damaged  # kept as it was


# -- the previous format (content v1) is still read ---------------------------------------

V1_BLOCK = """<!-- vultron-bridge-state:begin -->
<!-- vultron-bridge vb03db693f6337480173744a5c68d8c644 -->
<!-- vultron-bridge-state v1 z
eNp9U0tP3DAQ/ivV9Bqtk0Uc8K2CldpTOay4UA5eZ8KazdquPYEgyn/vjDdkeQhysjyP7+EvT2CH
lEPKoJ9gSxSzVsoucDT72KMylrimrFVhoE0YpcsQ6OZkUVeQET3oaxiS16NeQjWdGrh5fq7A+ThQ
lobW5WjIbvWto+2w+SdtoeswSWsFYXOHlgqF15UJ60ygWkNGLlwL+k0T49BjRL79LTcgwEeu0ml0
82eo66Z7kTe+l9cVKEvu3tGjnG3whCNjw8eZhDEkyqphuTMbxoCZyA9rMZIwK1Ythb8hwn0UjcsK
bEJDyLNNU7QFz2N+6PsKMKWQeMfP9fry22l9wluFAmg+f8BzvsiEz4Wp0qK41xc9BzIZ/4LmdZkM
DUwJIvrW+VuREL7cV+zNw/G9vvJHjDQZ58zUgm0F76prF3E0cHzXnfOi7TAs1uFenDxf/7pacRtK
tTmrp29Rc0fv/E7SdQ2HVOmg0nexZe/ExDwbVAnyDecsmkTOumj8Z+TfBOLIOfiMnl7eKB2ona8u
16sLRkmhxxLzjkVwBDn8YtM9j1fwkBxhQZPHLp9udG822OcZpcRgsmAq8VpkGu+1UTJ2h2kuyD+X
JUqd6TMy7n82ijiY
-->
<!-- vultron-bridge-state:end -->"""
"""Written by the previous release (content v1, before message rows named their subjects)."""


def test_a_block_of_the_previous_format_is_read_and_written_back_as_v2() -> None:
    report, finder = "https://x.example/reports/1", "https://x.example/actors/f"
    key = f"urn:a:1\x1f{finder}"
    expected = StateBlock(
        subjects={report: SubjectRow(
            case=CaseRow(em="ACTIVE", cs="Vfd.pxa", end=1900000000.0, data={"kind": "report"},
                         at=10.0),
            participants={finder: ParticipantRow(rm="ACCEPTED", roles=("finder",), at=10.0)},
            links=(LinkRow("github:o/r#1", "mirrors", "inbox", 10.0),))},
        objects={"urn:offer:1": ObjectRow(type="Offer", data={"id": "urn:offer:1"}, at=9.0)},
        outbox={key: MessageRow(
            id="urn:a:1", to=finder, inbox=finder + "/inbox/",
            activity={"id": "urn:a:1", "type": "Accept", "context": report}, attempts=2,
            next=12.0, error="HTTP 503", http=503, created=11.0, at=12.0, seq=3)},
        writes={"11.000000:1:labels": WriteRow(tracker="github", ref="github:o/r#1",
                                               kind="labels", at=11.0)},
        inputs=("dispatch:github|urn:offer:1",),
        cursors={"https://c.example/actors/cc/outbox": CursorRow(seen=("urn:x:2", "urn:x:1"),
                                                                 at=13.0)},
    )
    block = _read(V1_BLOCK)
    assert block == expected and block.outbox[key].subjects == ()
    written = stateblock.write("report", block)
    payload = written.split("v1 z\n", 1)[1].split("\n-->", 1)[0]
    content = json.loads(zlib.decompress(base64.b64decode("".join(payload.split()))))
    assert content["v"] == 2 and content["outbox"][key]["subjects"] == []
    assert _read(written) == expected
    with pytest.raises(Unreadable, match="outbox: a message has an unknown field subjects"):
        parse({**content, "v": 1})  # a v1 block never had the field
