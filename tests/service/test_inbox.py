"""The inbox accept path: media types, limits, safe JSON, trust, deduplication, durability."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import text

from bridge.store import db, inbound
from tests.support.app_env import ACTIVITY_JSON, FINDER, Env, make_env, offer

CANARY = "CANARY-7f3a-embargoed-detail"


def test_trusted_unsigned_offer_is_accepted_and_stored_once(env: Env) -> None:
    first = env.post(offer())
    assert first.status_code == 202 and first.json()["status"] == "accepted"
    again = env.post(offer())
    assert again.status_code == 202 and again.json() == {"status": "duplicate",
                                                          "id": first.json()["id"]}
    with env.rt.sessions() as session:
        item = inbound.get_inbound(session, first.json()["id"])
    assert item is not None and item.source == "inbox:vendor"
    assert item.key == offer()["id"]
    assert env.audit_kinds() == ["inbox.accepted"]


def test_without_trailing_slash_too(env: Env) -> None:
    assert env.post(offer(), path="/actors/vendor/inbox").status_code == 202


def test_same_id_with_other_bytes_is_a_duplicate_and_changes_nothing(env: Env) -> None:
    first = env.post(offer())
    changed = offer(content="something else entirely")
    second = env.post(changed)
    assert second.status_code == 202 and second.json()["status"] == "duplicate"
    with env.rt.sessions() as session:
        item = inbound.get_inbound(session, first.json()["id"])
    assert item is not None and json.loads(item.body) == offer()
    assert env.audit_kinds() == ["inbox.accepted", "inbox.changed_duplicate"]


def test_an_activity_without_id_is_keyed_by_its_body(env: Env) -> None:
    activity = offer()
    del activity["id"]
    body = json.dumps(activity).encode()
    response = env.post(body)
    assert response.status_code == 202
    with env.rt.sessions() as session:
        item = inbound.get_inbound(session, response.json()["id"])
    assert item is not None and item.key == "sha256:" + hashlib.sha256(body).hexdigest()
    assert env.post(body).json()["status"] == "duplicate"


def test_media_types(env: Env) -> None:
    for ctype in ("application/activity+json", "application/json",
                  'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'):
        activity = offer(hash(ctype) % 1000)
        assert env.post(activity, {"Content-Type": ctype}).status_code == 202, ctype
    for ctype in ("text/plain", "application/ld+json", "application/x-www-form-urlencoded"):
        response = env.post(offer(9), {"Content-Type": ctype})
        assert response.status_code == 415, ctype
        assert "content type" in response.json()["error"] or "profile" in response.json()["error"]


def test_bad_input_is_a_4xx_with_a_reason_and_never_echoed(env: Env) -> None:
    cases = {
        b"": 400,
        b"not json " + CANARY.encode(): 400,
        b'["' + CANARY.encode() + b'"]': 400,
        json.dumps({"type": "Offer", "actor": FINDER, "object": CANARY}).encode(): 202,
        json.dumps({"type": CANARY, "actor": FINDER}).encode(): 400,
        json.dumps({"type": "VulnerabilityReport", "actor": FINDER,
                    "content": CANARY}).encode(): 400,
        json.dumps({"type": "Offer", "actor": FINDER, "a": 1, "a ": 2}).encode(): 202,
        b'{"type": "Offer", "actor": "' + FINDER.encode() + b'", "x": 1, "x": 2}': 400,
        b"[" * 200 + b"]" * 200: 400,
        b'{"type": "Offer", "actor": "' + FINDER.encode() + b'", "n": NaN}': 400,
        b"\xff\xfe" + CANARY.encode(): 400,
    }
    for body, status in cases.items():
        response = env.post(body)
        assert response.status_code == status, (body[:60], response.text)
        assert CANARY not in response.text
        if status != 202:
            assert response.json()["error"], body[:60]


def test_too_large_is_413(env: Env) -> None:
    big = offer(content="x" * 2_000_000)
    response = env.post(big)
    assert response.status_code == 413
    assert "limit" in response.json()["error"]


def test_untrusted_unsigned_posts_get_401(env: Env) -> None:
    response = env.post(offer(actor="https://mallory.example/actors/m"))
    assert response.status_code == 401
    assert "not signed" in response.json()["error"]
    # a look-alike host is not under the trusted prefix
    assert env.post(offer(actor="https://finder.example.evil.test/actors/finn")).status_code == 401
    no_actor = offer()
    del no_actor["actor"]
    assert env.post(no_actor).status_code == 401
    assert env.inbound_rows() == []


def test_trusted_peer_with_a_bearer_token(tmp_path: Path) -> None:
    with make_env(tmp_path, trusted=[(FINDER, "peer-token-123")]) as env:
        assert env.post(offer()).status_code == 401
        wrong = {**ACTIVITY_JSON, "Authorization": "Bearer peer-token-124"}
        assert env.post(offer(), wrong).status_code == 401
        right = {**ACTIVITY_JSON, "Authorization": "Bearer peer-token-123"}
        assert env.post(offer(), right).status_code == 202
        with env.rt.sessions() as session:
            item = inbound.get_inbound(session, 1)
        assert item is not None and "authorization" not in item.headers


def test_a_store_failure_is_503_never_2xx(env: Env) -> None:
    with db.transaction(env.rt.sessions) as session:
        session.execute(text("DROP TABLE inbound"))
    response = env.post(offer())
    assert response.status_code == 503
    assert response.headers.get("retry-after")


def test_twenty_concurrent_redeliveries_store_one_row(env: Env) -> None:
    statuses = env.post_concurrently(offer(), 20)
    assert statuses == [202] * 20
    assert len(env.inbound_rows()) == 1
    assert env.audit_kinds() == ["inbox.accepted"]
