"""Signed inbox posts: draft-cavage-12 and RFC 9421, the key fetched from the peer's actor
document served on loopback (through the SSRF guard, loopback allowed by the test config)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from bridge.httpsig import SignatureScheme, Signer
from bridge.httpsig.keys import generate_rsa, public_key_document
from bridge.store import audit
from tests.support.app_env import VENDOR_BASE, Env, make_env, offer
from tests.support.servers import running_app

INBOX = f"{VENDOR_BASE}/actors/vendor/inbox/"
KEYS = {name: generate_rsa() for name in ("alice", "bob")}


@pytest.fixture(scope="module")
def peer() -> Iterator[str]:
    """Two actors (alice, bob) with their keys, served on loopback."""
    app = FastAPI()
    base: dict[str, str] = {}

    @app.get("/actors/{name}")
    def actor(name: str) -> dict[str, Any]:
        actor_id = f"{base['url']}/actors/{name}"
        return {"@context": "https://www.w3.org/ns/activitystreams", "id": actor_id,
                "type": "Person", "inbox": f"{actor_id}/inbox/",
                "publicKey": public_key_document(actor_id, KEYS[name])}

    with running_app(app) as url:
        base["url"] = url
        yield url


@pytest.fixture
def senv(tmp_path: Path) -> Iterator[Env]:
    with make_env(tmp_path, trusted=[]) as env:
        yield env


def signed(name: str, peer: str, body: bytes, scheme: SignatureScheme,
           now: float | None = None) -> dict[str, str]:
    signer = Signer.for_actor(f"{peer}/actors/{name}", KEYS[name])
    return signer.headers_for("POST", INBOX, body, scheme=scheme, now=now or time.time(),
                              content_type="application/activity+json")


def body_of(peer: str, who: str, n: int) -> bytes:
    return json.dumps(offer(n, actor=f"{peer}/actors/{who}")).encode()


@pytest.mark.parametrize("scheme", [SignatureScheme.CAVAGE, SignatureScheme.RFC9421])
def test_a_valid_signature_is_accepted(senv: Env, peer: str, scheme: SignatureScheme) -> None:
    body = body_of(peer, "alice", 1)
    response = senv.post(body, signed("alice", peer, body, scheme))
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "accepted"
    with senv.rt.sessions() as session:
        [entry] = [e for e in audit.export(session) if e["kind"] == "inbox.accepted"]
    assert entry["data"]["auth"] == f"signature:{scheme.value}"


@pytest.mark.parametrize("scheme", [SignatureScheme.CAVAGE, SignatureScheme.RFC9421])
def test_a_changed_body_is_refused(senv: Env, peer: str, scheme: SignatureScheme) -> None:
    body = body_of(peer, "alice", 1)
    headers = signed("alice", peer, body, scheme)
    response = senv.post(body.replace(b"heap", b"stack"), headers)
    assert response.status_code == 401
    assert senv.inbound_rows() == []


@pytest.mark.parametrize("scheme", [SignatureScheme.CAVAGE, SignatureScheme.RFC9421])
def test_a_signature_by_another_actor_is_refused(senv: Env, peer: str,
                                                 scheme: SignatureScheme) -> None:
    body = body_of(peer, "bob", 1)  # an activity by bob …
    response = senv.post(body, signed("alice", peer, body, scheme))  # … signed by alice
    assert response.status_code == 401
    assert "does not own" in response.json()["error"]
    assert senv.inbound_rows() == []


def test_a_stale_date_is_refused(senv: Env, peer: str) -> None:
    body = body_of(peer, "alice", 1)
    old = signed("alice", peer, body, SignatureScheme.CAVAGE, now=time.time() - 3600)
    assert senv.post(body, old).status_code == 401


def test_a_trusted_prefix_does_not_excuse_a_bad_signature(tmp_path: Path, peer: str) -> None:
    with make_env(tmp_path, trusted=[(f"{peer}/actors/", None)]) as env:
        body = body_of(peer, "alice", 1)
        assert env.post(body).status_code == 202  # unsigned, trusted
        headers = signed("alice", peer, body, SignatureScheme.CAVAGE)
        assert env.post(body.replace(b"heap", b"stack"), headers).status_code == 401
