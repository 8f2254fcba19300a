"""Key ownership: a signing key counts as an actor's only when the actor says so.

The attack: any JSON document on the victim's host that names the victim as ``owner`` (an
upload, a paste, a profile field) was accepted as the victim's key, because ownership was
checked against the origin only. The attacker signed with that key and read the victim's
share of the outbox (report content included) or posted activities as the victim.

Now the key id must be listed as the actor's own ``publicKey`` in the actor document fetched
from the actor's id, and the key document's ``owner`` must be that actor. Everything goes
through the real app and the real SSRF-guarded, caching ``KeyFetcher``; documents are served
by a fake internet (no sockets).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.app.delivery import actor_key
from bridge.core.errors import AuthenticationError
from bridge.delivery.keyfetch import KeyFetcher
from bridge.delivery.ssrf import AllowPolicy, guarded_client
from bridge.httpsig import PrivateKey, SignatureScheme, Signer
from bridge.httpsig.keys import FetchedKey, generate_rsa, public_key_document, public_pem
from bridge.store import db, outbox
from tests.delivery.ssrf_helpers import FakeResolver
from tests.reliability.appenv import BASE, INBOX_PATH, PEER_IP, AppEnv, activity, app_env

VICTIM = "https://victim.example/actors/victim"
PEER = "https://peer.example/actors/p"
CANARY = "CANARY-embargoed-report-content-7f3a"
OUTBOX_PATH = "/actors/vendor/outbox?page=1"
KEYS = {name: generate_rsa() for name in ("victim", "attacker", "peer")}


@dataclass
class Web:
    """URL (no fragment) → JSON document; every GET recorded."""

    docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    gets: list[str] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = f"{request.url.scheme}://{request.headers.get('host', '')}{request.url.path}"
        self.gets.append(url)
        doc = self.docs.get(url)
        if doc is None:
            return httpx.Response(404)
        return httpx.Response(200, json=doc, headers={"Content-Type": "application/activity+json"})


def _actor(actor: str, public_key: Any) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": actor, "type": "Person",
            "inbox": actor + "/inbox/", "publicKey": public_key}


def _web() -> Web:
    web = Web()
    # the victim: an ordinary actor with its key embedded as {actor}#main-key
    web.docs[VICTIM] = _actor(VICTIM, public_key_document(VICTIM, KEYS["victim"]))
    attacker_pem = public_pem(KEYS["attacker"])
    # what an attacker can get onto the victim's host (an upload, a paste, a profile page):
    # a standalone key document naming the victim as owner ...
    web.docs["https://victim.example/uploads/key.json"] = {
        "id": "https://victim.example/uploads/key.json", "owner": VICTIM,
        "publicKeyPem": attacker_pem}
    # ... one whose key id carries a fragment ...
    web.docs["https://victim.example/uploads/frag.json"] = {
        "id": "https://victim.example/uploads/frag.json#k", "owner": VICTIM,
        "publicKeyPem": attacker_pem}
    # ... and an actor-shaped document claiming the victim's id
    web.docs["https://victim.example/uploads/actor.json"] = _actor(VICTIM, {
        "id": "https://victim.example/uploads/actor.json#main-key", "owner": VICTIM,
        "publicKeyPem": attacker_pem})
    # a legitimate peer whose key lives in its own document, listed by id from the actor
    web.docs[PEER] = _actor(PEER, ["https://peer.example/keys/old",
                                   {"id": "https://peer.example/keys/p", "owner": PEER}])
    web.docs["https://peer.example/keys/p"] = {
        "id": "https://peer.example/keys/p", "owner": PEER,
        "publicKeyPem": public_pem(KEYS["peer"])}
    return web


ATTACKS = (
    "https://victim.example/uploads/key.json",
    "https://victim.example/uploads/frag.json#k",
    "https://victim.example/uploads/actor.json#main-key",
)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[AppEnv, Web]]:
    with app_env(tmp_path) as e:
        web = _web()
        resolver = FakeResolver({"victim.example": [PEER_IP], "peer.example": [PEER_IP]})
        e.app.state.inbox_key_fetcher = KeyFetcher(
            guarded_client(AllowPolicy.build(), resolve=resolver,
                           inner=httpx.MockTransport(web.handle)),
            clock=e.rt.clock, timeout=2, signer=Signer.for_actor(e.rt.actor_id, actor_key(e.rt)))
        with db.transaction(e.rt.sessions) as session:
            for actor in (VICTIM, PEER):
                note_id = f"{BASE}/actors/vendor/activities/{actor[-1]}"
                note = {"id": note_id, "type": "Offer",
                        "object": {"type": "VulnerabilityReport", "content": CANARY}}
                outbox.enqueue(session, note_id, note, [(actor, actor + "/inbox/")], e.clock())
        yield e, web


def _read_outbox(e: AppEnv, key_id: str, key: PrivateKey, scheme: SignatureScheme) -> bool:
    """Whether a signed outbox read with ``key_id`` saw anything (report content leaked)."""
    headers = Signer(key_id, key).headers_for("GET", BASE + OUTBOX_PATH, b"", scheme=scheme,
                                              now=e.clock())
    answer = e.client.get(OUTBOX_PATH, headers)
    return answer.status == 200 and (answer.json()["totalItems"] > 0 or CANARY in answer.text)


def _post_inbox(e: AppEnv, actor: str, n: int, key_id: str, key: PrivateKey,
                scheme: SignatureScheme) -> bool:
    """Whether an activity by ``actor`` signed with ``key_id`` was accepted and stored."""
    body = json.dumps(activity(actor, n)).encode()
    headers = Signer(key_id, key).headers_for("POST", BASE + INBOX_PATH, body, scheme=scheme,
                                              now=e.clock(),
                                              content_type="application/activity+json")
    before = e.counts().inbound
    answer = e.client.post(INBOX_PATH, body, headers)
    return answer.status == 202 and e.counts().inbound == before + 1


SCHEMES = (SignatureScheme.CAVAGE, SignatureScheme.RFC9421)


def test_a_key_the_actor_does_not_list_is_not_the_actors(env: tuple[AppEnv, Web]) -> None:
    e, web = env
    attempts = refused = leaked = 0
    fetched: list[int] = []
    for round_ in range(2):  # the second round must be answered from the fetcher's cache
        for n, (key_id, scheme) in enumerate((k, s) for k in ATTACKS for s in SCHEMES):
            for got_in in (_read_outbox(e, key_id, KEYS["attacker"], scheme),
                           _post_inbox(e, VICTIM, 10 * round_ + n, key_id, KEYS["attacker"],
                                       scheme)):
                attempts += 1
                leaked += got_in
                refused += not got_in
        fetched.append(len(web.gets))
    # the honest parties still get in: an embedded #main-key, and a key document listed by id
    honest = [(VICTIM, VICTIM + "#main-key", KEYS["victim"]),
              (PEER, "https://peer.example/keys/p", KEYS["peer"])]
    accepted = checks = 0
    for n, ((actor, key_id, key), scheme) in enumerate((h, s) for h in honest for s in SCHEMES):
        checks += 2
        accepted += _read_outbox(e, key_id, key, scheme)
        accepted += _post_inbox(e, actor, 100 + n, key_id, key, scheme)
    print(f"\nkey ownership: attempts={attempts} refused={refused} leaked/accepted={leaked}; "
          f"honest signers accepted {accepted}/{checks}")
    assert (refused, leaked) == (attempts, 0)
    assert accepted == checks
    # fetches stay cached: per attack key id one GET of its document and one of the actor's,
    # however often it is tried
    assert fetched == [2 * len(ATTACKS)] * 2, web.gets


def test_the_owner_must_be_the_actor_whose_document_lists_the_key(
        env: tuple[AppEnv, Web]) -> None:
    e, web = env
    # the victim's own document lists a key whose document names someone else as its owner
    web.docs[VICTIM]["publicKey"] = [web.docs[VICTIM]["publicKey"],
                                     "https://victim.example/keys/shared"]
    other = "https://victim.example/actors/x"
    web.docs[other] = _actor(other, public_key_document(other, KEYS["peer"]))
    web.docs["https://victim.example/keys/shared"] = {
        "id": "https://victim.example/keys/shared", "owner": other,
        "publicKeyPem": public_pem(KEYS["attacker"])}
    attempts = refused = 0
    for n, scheme in enumerate(SCHEMES):
        for actor in (VICTIM, other):
            attempts += 1
            refused += not _post_inbox(e, actor, 200 + 2 * n + (actor != VICTIM),
                                       "https://victim.example/keys/shared", KEYS["attacker"],
                                       scheme)
    print(f"\nkey owner mismatch: attempts={attempts} refused={refused} "
          f"leaked/accepted={attempts - refused}")
    assert refused == attempts


LISTED = FetchedKey("https://peer.example/keys/p", PEER, KEYS["peer"].public_key())


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (_actor("https://peer.example/actors/q", "https://peer.example/keys/p"), "lists the key"),
        (_actor(PEER, None), "does not list"),
        (_actor(PEER, ["https://peer.example/keys/other"]), "does not list"),
        (_actor(PEER, {"id": "https://peer.example/keys/p", "owner": VICTIM}), "not the actor"),
        (_actor(PEER, {"id": "https://peer.example/keys/p",
                       "publicKeyPem": public_pem(KEYS["attacker"])}), "another key"),
        ({**_actor(PEER, "https://peer.example/keys/p"), "publicKeyPem": public_pem(KEYS["peer"])},
         "lists the key"),
    ],
)
def test_check_listed_refuses(document: dict[str, Any], reason: str) -> None:
    from bridge.httpsig.keys import check_listed

    with pytest.raises(AuthenticationError, match=reason):
        check_listed(document, LISTED)


@pytest.mark.parametrize("listed", [
    "https://peer.example/keys/p", ["x", "https://peer.example/keys/p"],
    {"id": "https://peer.example/keys/p", "owner": PEER,
     "publicKeyPem": public_pem(KEYS["peer"])},
])
def test_check_listed_accepts(listed: Any) -> None:
    from bridge.httpsig.keys import check_listed, served_by_owner

    check_listed(_actor(PEER, listed), LISTED)  # no error: the actor lists its key
    assert served_by_owner(_actor(PEER, listed), PEER, LISTED)
    assert not served_by_owner(_actor(PEER, listed), "https://peer.example/uploads/x", LISTED)
