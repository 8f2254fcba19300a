"""Key fetching: through the SSRF guard, cached, and at most one fetch per key id per cool-off."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from bridge.core.errors import AuthenticationError, TransientError
from bridge.delivery.keyfetch import MAX_DOCUMENT_BYTES, KeyFetcher
from bridge.delivery.sender import InboxDirectory
from bridge.delivery.ssrf import AllowPolicy, guarded_client
from bridge.httpsig import SignatureScheme, Signer, verify_request
from bridge.httpsig.keys import generate_rsa, public_key_document
from tests.delivery.ssrf_helpers import FakeResolver
from tests.httpsig.helpers import signed

ACTOR = "https://peer.example/actors/alice"
KEY_ID = ACTOR + "#main-key"
INBOX = "https://bridge.example/actors/vendor/inbox/"
BODY = b'{"type": "Create"}'
OLD = generate_rsa()
NEW = generate_rsa()
T0 = 1_700_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@dataclass
class PeerServer:
    key: Any = OLD
    status: int = 200
    body: bytes | None = None
    redirect: str | None = None
    gets: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.gets.append(request)
        if self.redirect and request.url.path == "/actors/alice":
            return httpx.Response(302, headers={"Location": self.redirect})
        if self.status != 200:
            return httpx.Response(self.status)
        if self.body is not None:
            return httpx.Response(200, content=self.body)
        doc = {"id": ACTOR, "type": "Person", "inbox": ACTOR + "/inbox",
               "publicKey": public_key_document(ACTOR, self.key)}
        return httpx.Response(200, json=doc, headers={"Content-Type": "application/activity+json"})


def _fetcher(peer: PeerServer, clock: Clock | None = None, **kwargs: Any) -> KeyFetcher:
    resolver = FakeResolver({"peer.example": ["93.184.216.34"], "other.example": ["93.184.216.35"],
                             "sneaky.example": ["10.0.0.7"]})
    client = guarded_client(AllowPolicy(), resolve=resolver, inner=httpx.MockTransport(peer.handle))
    return KeyFetcher(client, clock=clock or Clock(), **kwargs)


def test_fetches_the_key_and_its_owner_then_caches() -> None:
    peer = PeerServer()
    fetcher = _fetcher(peer)
    fetched = fetcher(KEY_ID)
    assert fetched.owner == ACTOR and fetched.public_key == OLD.public_key()
    assert fetcher(KEY_ID) is fetched
    [request] = peer.gets
    assert request.url.fragment == "" and request.url.path == "/actors/alice"
    assert request.headers["accept"].startswith("application/activity+json")
    assert request.headers["host"] == "peer.example"


def test_ttl_expiry_refetches() -> None:
    peer, clock = PeerServer(), Clock()
    fetcher = _fetcher(peer, clock, ttl=3600)
    fetcher(KEY_ID)
    clock.now += 3599
    fetcher(KEY_ID)
    assert len(peer.gets) == 1
    clock.now += 2
    fetcher(KEY_ID)
    assert len(peer.gets) == 2


def test_a_failed_fetch_is_not_repeated_within_the_cool_off() -> None:
    peer, clock = PeerServer(status=404), Clock()
    fetcher = _fetcher(peer, clock, cool_off=300)
    with pytest.raises(AuthenticationError, match="answered 404"):
        fetcher(KEY_ID)
    for _ in range(10):
        with pytest.raises(AuthenticationError, match="failed recently"):
            fetcher(KEY_ID)
    assert len(peer.gets) == 1
    clock.now += 301
    peer.status = 200
    assert fetcher(KEY_ID).owner == ACTOR
    assert len(peer.gets) == 2


def test_a_transient_failure_cools_off_with_a_retry_after() -> None:
    peer, clock = PeerServer(status=503), Clock()
    fetcher = _fetcher(peer, clock)
    with pytest.raises(TransientError):
        fetcher(KEY_ID)
    clock.now += 100
    with pytest.raises(TransientError) as info:
        fetcher(KEY_ID)
    assert info.value.retry_after == pytest.approx(200)
    assert len(peer.gets) == 1


def _bad_signature_headers() -> dict[str, str]:
    forger = generate_rsa()
    return signed(SignatureScheme.CAVAGE, forger, actor=ACTOR, url=INBOX, body=BODY, now=T0)


@pytest.mark.parametrize("status", [200, 404, 500])
def test_a_thousand_bad_signatures_naming_one_key_cost_one_fetch(status: int) -> None:
    peer = PeerServer(status=status)
    fetcher = _fetcher(peer)
    headers = _bad_signature_headers()
    for _ in range(1000):
        with pytest.raises((AuthenticationError, TransientError)):
            verify_request("POST", INBOX, headers, BODY, fetch_key=fetcher,
                           refresh_key=fetcher.refresh, now=T0)
    assert len(peer.gets) == 1


def test_concurrent_lookups_share_one_fetch() -> None:
    peer = PeerServer()
    fetcher = _fetcher(peer)
    barrier = threading.Barrier(20)
    owners: list[str] = []

    def look() -> None:
        barrier.wait()
        owners.append(fetcher(KEY_ID).owner)

    threads = [threading.Thread(target=look) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert owners == [ACTOR] * 20
    assert len(peer.gets) == 1


def test_a_rotated_key_is_picked_up_after_the_cool_off() -> None:
    peer, clock = PeerServer(key=OLD), Clock()
    fetcher = _fetcher(peer, clock)
    fetcher(KEY_ID)
    peer.key = NEW
    headers = signed(SignatureScheme.RFC9421, NEW, actor=ACTOR, url=INBOX, body=BODY, now=T0 + 10)
    clock.now = T0 + 10
    with pytest.raises(AuthenticationError, match="does not verify"):  # within the cool-off
        verify_request("POST", INBOX, headers, BODY, fetch_key=fetcher,
                       refresh_key=fetcher.refresh, now=clock.now)
    assert len(peer.gets) == 1
    clock.now = T0 + 301
    headers = signed(SignatureScheme.RFC9421, NEW, actor=ACTOR, url=INBOX, body=BODY, now=clock.now)
    verified = verify_request("POST", INBOX, headers, BODY, fetch_key=fetcher,
                              refresh_key=fetcher.refresh, now=clock.now)
    assert verified.owner == ACTOR
    assert len(peer.gets) == 2
    assert fetcher(KEY_ID).public_key == NEW.public_key()


@pytest.mark.parametrize(
    "key_id",
    ["http://10.0.0.1/actors/a#main-key", "http://169.254.169.254/latest#k",
     "https://sneaky.example/actors/a#main-key", "http://localhost/actors/a#main-key"],
)
def test_key_ids_at_forbidden_addresses_are_refused_without_a_request(key_id: str) -> None:
    peer = PeerServer()
    with pytest.raises(AuthenticationError, match="refused address"):
        _fetcher(peer)(key_id)
    assert peer.gets == []


@pytest.mark.parametrize("key_id", ["urn:uuid:1234#k", "ftp://peer.example/k", "acct:a@b"])
def test_non_http_key_ids_are_refused(key_id: str) -> None:
    peer = PeerServer()
    with pytest.raises(AuthenticationError):
        _fetcher(peer)(key_id)
    assert peer.gets == []


def test_redirect_to_another_origin_is_refused() -> None:
    peer = PeerServer(redirect="https://other.example/actors/alice2")
    with pytest.raises(AuthenticationError, match="another origin"):
        _fetcher(peer)(KEY_ID)


def test_redirect_within_the_origin_is_followed() -> None:
    peer = PeerServer(redirect="https://peer.example/actors/alice/doc")
    assert _fetcher(peer)(KEY_ID).owner == ACTOR
    assert len(peer.gets) == 2


def test_redirect_to_a_private_address_is_refused() -> None:
    peer = PeerServer(redirect="http://10.0.0.1/actors/alice")
    with pytest.raises(AuthenticationError, match="refused address"):
        _fetcher(peer)(KEY_ID)
    assert len(peer.gets) == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"<html>", "not JSON"), (b"[1, 2]", "not a JSON object"),
     (b" " * (MAX_DOCUMENT_BYTES + 1), "too large"),
     (json.dumps({"id": "https://victim.example/ceo",
                  "publicKey": public_key_document("https://victim.example/ceo", OLD)}).encode(),
      "does not list")],
)
def test_unusable_documents_are_refused(body: bytes, reason: str) -> None:
    with pytest.raises(AuthenticationError, match=reason):
        _fetcher(PeerServer(body=body))(KEY_ID)


def test_signed_fetches_when_a_signer_is_given() -> None:
    peer = PeerServer()
    signer = Signer.for_actor("https://bridge.example/actors/vendor", generate_rsa())
    _fetcher(peer, signer=signer)(KEY_ID)
    signature = peer.gets[0].headers["signature"]
    assert 'headers="(request-target) host date"' in signature


def test_fetch_actor_feeds_the_inbox_directory() -> None:
    peer = PeerServer()
    fetcher = _fetcher(peer)
    directory = InboxDirectory(fetcher.fetch_actor, clock=Clock())
    assert directory(ACTOR) == ACTOR + "/inbox"
    assert directory(ACTOR) == ACTOR + "/inbox"
    assert len(peer.gets) == 1
