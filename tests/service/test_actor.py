"""The actor document, WebFinger and the outbox collection."""

from __future__ import annotations

from pathlib import Path

from bridge.httpsig.keys import load_public_pem
from bridge.store import db, outbox
from tests.support.app_env import VENDOR_BASE, Env, make_env

ACTOR = f"{VENDOR_BASE}/actors/vendor"


def test_actor_document_names_inbox_outbox_and_key(env: Env) -> None:
    response = env.client.get("/actors/vendor")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/activity+json")
    doc = response.json()
    assert doc["id"] == ACTOR and doc["type"] == "Service"
    assert doc["inbox"] == f"{ACTOR}/inbox/" and doc["outbox"] == f"{ACTOR}/outbox"
    assert doc["preferredUsername"] == "vendor"
    key = doc["publicKey"]
    assert key["id"] == f"{ACTOR}#main-key" and key["owner"] == ACTOR
    load_public_pem(key["publicKeyPem"])  # a real, readable public key
    assert "PRIVATE" not in response.text


def test_unknown_actor_is_404(env: Env) -> None:
    assert env.client.get("/actors/someone-else").status_code == 404
    assert env.post({"type": "Offer"}, path="/actors/someone-else/inbox/").status_code == 404


def test_webfinger(env: Env) -> None:
    response = env.client.get("/.well-known/webfinger",
                              params={"resource": "acct:vendor@bridge.test"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jrd+json")
    jrd = response.json()
    assert jrd["subject"] == "acct:vendor@bridge.test"
    assert {"rel": "self", "type": "application/activity+json", "href": ACTOR} in jrd["links"]
    assert env.client.get("/.well-known/webfinger",
                          params={"resource": "acct:nobody@bridge.test"}).status_code == 404
    assert env.client.get("/.well-known/webfinger").status_code == 400


def _enqueue(env: Env, n: int) -> None:
    with db.transaction(env.rt.sessions) as session:
        for i in range(n):
            activity = {"id": f"{ACTOR}/activities/{i}", "type": "Note", "n": i}
            outbox.enqueue(session, activity["id"], activity, [
                ("https://a.example/actors/a", "https://a.example/actors/a/inbox/"),
                ("https://b.example/actors/b", "https://b.example/actors/b/inbox/"),
            ] if i % 2 == 0 else [("https://b.example/actors/b",
                                   "https://b.example/actors/b/inbox/")], float(i))


def test_outbox_pages_distinct_activities_newest_first(tmp_path: Path) -> None:
    token = "coordinator-token-1"
    extra = f"api_tokens: [{{token: {token}, role: coordinator}}, {{token: v, role: vendor}}]\n"
    with make_env(tmp_path, extra=extra) as env:
        _enqueue(env, 45)
        auth = {"Authorization": f"Bearer {token}"}
        top = env.client.get("/actors/vendor/outbox", headers=auth).json()
        assert top["type"] == "OrderedCollection" and top["totalItems"] == 45
        assert top["first"].endswith("?page=1") and top["last"].endswith("?page=3")
        page1 = env.client.get("/actors/vendor/outbox?page=1", headers=auth).json()
        assert page1["type"] == "OrderedCollectionPage"
        assert [a["n"] for a in page1["orderedItems"]] == list(range(44, 24, -1))
        assert page1["next"].endswith("?page=2") and "prev" not in page1
        page3 = env.client.get("/actors/vendor/outbox?page=3", headers=auth).json()
        assert [a["n"] for a in page3["orderedItems"]] == list(range(4, -1, -1))
        assert page3["prev"].endswith("?page=2") and "next" not in page3
        assert env.client.get("/actors/vendor/outbox?page=0", headers=auth).status_code == 422
        for bad, status in (("x", 401), ("v", 403)):  # unknown; a vendor token sees its own
            wrong = env.client.get("/actors/vendor/outbox",
                                   headers={"Authorization": f"Bearer {bad}"})
            assert wrong.status_code == status


def test_outbox_shows_nothing_to_anonymous_readers(env: Env) -> None:
    _enqueue(env, 3)
    top = env.client.get("/actors/vendor/outbox").json()
    assert top["totalItems"] == 0
    page = env.client.get("/actors/vendor/outbox?page=1").json()
    assert page["orderedItems"] == []
