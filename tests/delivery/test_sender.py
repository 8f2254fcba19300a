"""The sender: signed POSTs, double-knocking, and every answer mapped to a DeliveryOutcome."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from bridge.core.errors import AuthenticationError, TransientError
from bridge.core.retry import Verdict
from bridge.delivery.sender import (
    Delivery,
    InboxDirectory,
    MemoryPeerSchemes,
    Sender,
    encode_activity,
    inbox_for,
)
from bridge.delivery.ssrf import AllowPolicy, guarded_client
from bridge.httpsig import SignatureScheme, Signer, detect_scheme, verify_request
from bridge.httpsig.keys import generate_rsa
from bridge.httpsig.message import http_date
from tests.delivery.ssrf_helpers import FakeResolver
from tests.httpsig.helpers import KeyRing

ME = "https://bridge.example/actors/vendor"
KEY = generate_rsa()
SIGNER = Signer.for_actor(ME, KEY)
PEER_INBOX = "https://peer.example/api/v2/actors/finder/inbox/"
SECRET = {"type": "Offer", "object": {"content": "EMBARGOED-DETAIL-123"}}
T0 = 1_700_000_000.0


class Clock:
    def __init__(self, start: float = T0, step: float = 0.0) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> float:
        value = self.now
        self.now += self.step
        return value


@dataclass
class Peer:
    """A protocol peer's inbox: verifies signatures for real and answers as scripted."""

    accepts: frozenset[SignatureScheme] = frozenset(SignatureScheme)
    answer: Callable[[httpx.Request], httpx.Response] | None = None
    seen: list[tuple[SignatureScheme | None, httpx.Request]] = field(default_factory=list)
    keys: KeyRing = field(default_factory=KeyRing)

    def __post_init__(self) -> None:
        self.keys.add(ME, KEY)

    def handle(self, request: httpx.Request) -> httpx.Response:
        scheme = detect_scheme(request.headers.items())
        self.seen.append((scheme, request))
        if self.answer is not None:
            return self.answer(request)
        if scheme not in self.accepts:
            return httpx.Response(401)
        public_url = f"https://{request.headers['host']}{request.url.raw_path.decode()}"
        try:
            verified = verify_request(
                "POST", public_url, request.headers.items(), request.content,
                fetch_key=self.keys, now=T0,
            )
        except AuthenticationError:
            return httpx.Response(401)
        assert verified.owner == ME
        return httpx.Response(202)


def _sender(peer: Peer, *, clock: Clock | None = None, schemes: MemoryPeerSchemes | None = None,
            **kwargs: Any) -> tuple[Sender, MemoryPeerSchemes]:
    schemes = schemes or MemoryPeerSchemes()
    client = guarded_client(
        AllowPolicy(),
        resolve=FakeResolver({"peer.example": ["93.184.216.34"]}),
        inner=httpx.MockTransport(peer.handle),
    )
    sender = Sender(client, SIGNER, peer_scheme=schemes, clock=clock or Clock(), **kwargs)
    return sender, schemes


def test_delivered_with_cavage_first_and_remembered() -> None:
    peer = Peer()
    sender, schemes = _sender(peer)
    outcome = sender.send(Delivery(PEER_INBOX, SECRET))
    assert outcome.verdict is Verdict.DELIVERED and outcome.status == 202
    assert outcome.error is None
    [(scheme, request)] = peer.seen
    assert scheme is SignatureScheme.CAVAGE
    assert request.headers["content-type"] == "application/activity+json"
    assert request.headers["date"] == http_date(T0)
    assert request.content == encode_activity(SECRET)
    assert json.loads(request.content) == SECRET
    assert schemes.get("peer.example") is SignatureScheme.CAVAGE


def test_double_knock_falls_back_to_rfc9421_and_remembers_it() -> None:
    peer = Peer(accepts=frozenset({SignatureScheme.RFC9421}))
    clock = Clock(step=1.0)
    sender, schemes = _sender(peer, clock=clock)
    assert sender.send(Delivery(PEER_INBOX, SECRET)).verdict is Verdict.DELIVERED
    assert [s for s, _ in peer.seen] == [SignatureScheme.CAVAGE, SignatureScheme.RFC9421]
    # signed at send time: the retry carries its own, fresh Date
    assert peer.seen[1][1].headers["date"] == http_date(T0 + 1)
    assert schemes.get("peer.example") is SignatureScheme.RFC9421
    peer.seen.clear()
    assert sender.send(Delivery(PEER_INBOX, {})).verdict is Verdict.DELIVERED
    assert [s for s, _ in peer.seen] == [SignatureScheme.RFC9421]


def test_a_remembered_scheme_that_stops_working_is_knocked_over_too() -> None:
    schemes = MemoryPeerSchemes()
    schemes.set("peer.example", SignatureScheme.RFC9421)
    peer = Peer(accepts=frozenset({SignatureScheme.CAVAGE}))
    sender, _ = _sender(peer, schemes=schemes)
    assert sender.send(Delivery(PEER_INBOX, SECRET)).verdict is Verdict.DELIVERED
    assert [s for s, _ in peer.seen] == [SignatureScheme.RFC9421, SignatureScheme.CAVAGE]
    assert schemes.get("peer.example") is SignatureScheme.CAVAGE


def test_401_to_both_schemes_is_retried_later() -> None:
    peer = Peer(accepts=frozenset())
    sender, schemes = _sender(peer)
    outcome = sender.send(Delivery(PEER_INBOX, SECRET))
    assert (outcome.verdict, outcome.status) == (Verdict.RETRY, 401)
    assert outcome.error is not None and "both" in outcome.error
    assert len(peer.seen) == 2
    assert schemes.get("peer.example") is None


def _answering(response: httpx.Response) -> Peer:
    return Peer(answer=lambda request: response)


@pytest.mark.parametrize(
    ("status", "verdict"),
    [(200, Verdict.DELIVERED), (201, Verdict.DELIVERED), (202, Verdict.DELIVERED),
     (408, Verdict.RETRY), (429, Verdict.RETRY), (500, Verdict.RETRY), (502, Verdict.RETRY),
     (503, Verdict.RETRY), (504, Verdict.RETRY), (400, Verdict.DEAD), (403, Verdict.DEAD),
     (404, Verdict.DEAD), (410, Verdict.DEAD), (422, Verdict.DEAD), (501, Verdict.DEAD),
     (302, Verdict.DEAD)],
)
def test_status_mapping(status: int, verdict: Verdict) -> None:
    echo = b"peer said: " + encode_activity(SECRET)
    sender, _ = _sender(_answering(httpx.Response(status, content=echo)))
    outcome = sender.send(Delivery(PEER_INBOX, SECRET))
    assert (outcome.verdict, outcome.status) == (verdict, status)
    assert "EMBARGOED" not in (outcome.error or "")


def test_retry_after_seconds_and_http_date() -> None:
    sender, _ = _sender(_answering(httpx.Response(429, headers={"Retry-After": "120"})))
    outcome = sender.send(Delivery(PEER_INBOX, SECRET))
    assert (outcome.verdict, outcome.retry_after) == (Verdict.RETRY, 120.0)
    later = http_date(T0 + 600)
    sender, _ = _sender(_answering(httpx.Response(503, headers={"Retry-After": later})))
    assert sender.send(Delivery(PEER_INBOX, SECRET)).retry_after == pytest.approx(600.0)


def test_retry_after_on_a_dead_answer_is_dropped() -> None:
    sender, _ = _sender(_answering(httpx.Response(410, headers={"Retry-After": "5"})))
    assert sender.send(Delivery(PEER_INBOX, SECRET)).retry_after is None


@pytest.mark.parametrize(
    ("error", "words"),
    [(httpx.ReadTimeout("slow"), "timed out"), (httpx.ConnectTimeout("slow"), "timed out"),
     (httpx.ConnectError("refused"), "connection failed"),
     (httpx.RemoteProtocolError("bad"), "connection failed")],
)
def test_network_failures_are_retried(error: Exception, words: str) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error

    sender, _ = _sender(Peer(answer=fail))
    outcome = sender.send(Delivery(PEER_INBOX, SECRET))
    assert (outcome.verdict, outcome.status) == (Verdict.RETRY, None)
    assert outcome.error is not None and words in outcome.error


@pytest.mark.parametrize(
    "inbox",
    ["http://10.0.0.1/inbox/", "http://169.254.169.254/latest/", "http://127.0.0.1:8000/inbox/"],
)
def test_ssrf_blocked_inbox_is_dead_without_a_request(inbox: str) -> None:
    peer = Peer()
    sender, _ = _sender(peer)
    outcome = sender.send(Delivery(inbox, SECRET))
    assert outcome.verdict is Verdict.DEAD and outcome.status is None
    assert outcome.error is not None and "SSRF" in outcome.error
    assert peer.seen == []


@pytest.mark.parametrize("inbox", ["ftp://peer.example/inbox", "/relative/inbox", "http://x:99999/"])
def test_unusable_inbox_urls_are_dead(inbox: str) -> None:
    peer = Peer()
    sender, _ = _sender(peer)
    assert sender.send(Delivery(inbox, SECRET)).verdict is Verdict.DEAD
    assert peer.seen == []


def test_media_type_is_configurable_per_peer() -> None:
    peer = Peer()
    sender, _ = _sender(peer, content_types={"peer.example": "application/json"})
    sender.send(Delivery(PEER_INBOX, SECRET))
    assert peer.seen[0][1].headers["content-type"] == "application/json"


# --- inbox resolution -------------------------------------------------------------------------

ACTOR = "https://peer.example/api/v2/actors/finder"


def test_inbox_from_the_actor_document() -> None:
    assert inbox_for(ACTOR, lambda a: {"id": a, "inbox": ACTOR + "/in"}) == ACTOR + "/in"
    assert inbox_for(ACTOR, lambda a: {"inbox": {"id": ACTOR + "/box"}}) == ACTOR + "/box"


@pytest.mark.parametrize(
    "fetch",
    [lambda a: None, lambda a: {"id": a}, lambda a: {"inbox": "javascript:x"}],
)
def test_inbox_falls_back_to_the_reference_layout(fetch: Callable[[str], Any]) -> None:
    assert inbox_for(ACTOR, fetch) == ACTOR + "/inbox/"
    assert inbox_for(ACTOR + "/", fetch) == ACTOR + "/inbox/"


def test_inbox_falls_back_when_the_fetch_fails() -> None:
    def down(actor: str) -> dict[str, Any]:
        raise TransientError("peer down")

    assert inbox_for(ACTOR, down) == ACTOR + "/inbox/"


def test_inbox_directory_caches() -> None:
    calls: list[str] = []

    def fetch(actor: str) -> dict[str, Any] | None:
        calls.append(actor)
        return {"inbox": actor + "/in"} if "good" in actor else None

    clock = Clock()
    directory = InboxDirectory(fetch, clock=clock, ttl=3600, fallback_ttl=300)
    for _ in range(3):
        assert directory("https://p.example/good") == "https://p.example/good/in"
        assert directory("https://p.example/down") == "https://p.example/down/inbox/"
    assert len(calls) == 2
    clock.now += 301  # the fallback expires first
    directory("https://p.example/good")
    directory("https://p.example/down")
    assert len(calls) == 3
    clock.now += 3600
    directory("https://p.example/good")
    assert len(calls) == 4


def test_outcome_errors_are_json_safe() -> None:
    sender, _ = _sender(_answering(httpx.Response(404)))
    outcome = sender.send(Delivery(PEER_INBOX, SECRET))
    assert json.loads(json.dumps({"error": outcome.error}))["error"] == outcome.error


# --- against a real receiver on 127.0.0.1 -----------------------------------------------------


def test_real_loopback_receiver() -> None:
    from tests.support.servers import Answer, Receiver, Seen

    keys = KeyRing()
    keys.add(ME, KEY)
    schemes_seen: list[tuple[str, SignatureScheme | None]] = []

    def respond(seen: Seen) -> Answer:
        path = seen.path
        headers = list(seen.headers.items())
        scheme = detect_scheme(headers)
        schemes_seen.append((path, scheme))
        if path.startswith("/busy/"):
            return Answer(429, headers={"Retry-After": "30"})
        if path.startswith("/broken/"):
            return Answer(500, b"Traceback: " + seen.body)
        if path.startswith("/gone/"):
            return Answer(404)
        if path.startswith("/slow/"):
            return Answer(202, delay=5)  # held until the receiver stops
        if scheme is not SignatureScheme.RFC9421:
            return Answer(401)
        try:
            verify_request(
                "POST", f"http://{seen.headers['Host']}{path}", headers, seen.body,
                fetch_key=keys, now=T0,
            )
        except AuthenticationError:
            return Answer(401)
        return Answer(202)

    with Receiver(answers={"/": respond}) as server:
        client = guarded_client(AllowPolicy.build(allow_loopback=True))
        schemes = MemoryPeerSchemes()
        sender = Sender(client, SIGNER, peer_scheme=schemes, clock=Clock(), timeout=0.3)
        base = server.base

        first = sender.send(Delivery(f"{base}/knock/inbox/", SECRET))
        assert (first.verdict, first.status) == (Verdict.DELIVERED, 202)
        assert schemes.get(f"127.0.0.1:{server.port}") is SignatureScheme.RFC9421
        again = sender.send(Delivery(f"{base}/knock/inbox/", SECRET))
        assert again.verdict is Verdict.DELIVERED
        assert [s for p, s in schemes_seen] == [
            SignatureScheme.CAVAGE, SignatureScheme.RFC9421, SignatureScheme.RFC9421,
        ]

        busy = sender.send(Delivery(f"{base}/busy/inbox/", SECRET))
        assert (busy.verdict, busy.status, busy.retry_after) == (Verdict.RETRY, 429, 30.0)
        broken = sender.send(Delivery(f"{base}/broken/inbox/", SECRET))
        assert (broken.verdict, broken.status) == (Verdict.RETRY, 500)
        assert "EMBARGOED" not in (broken.error or "")
        gone = sender.send(Delivery(f"{base}/gone/inbox/", SECRET))
        assert (gone.verdict, gone.status) == (Verdict.DEAD, 404)
        slow = sender.send(Delivery(f"{base}/slow/inbox/", SECRET))
        assert (slow.verdict, slow.status) == (Verdict.RETRY, None)
        assert slow.error is not None and "timed out" in slow.error
        client.close()


def test_an_activity_that_is_not_json_is_dead() -> None:
    peer = Peer()
    sender, _ = _sender(peer)
    outcome = sender.send(Delivery(PEER_INBOX, {"when": object()}))
    assert outcome.verdict is Verdict.DEAD and "JSON" in (outcome.error or "")
    assert peer.seen == []


def test_the_store_outbox_item_fits_the_sender() -> None:
    from bridge.store.outbox import OutboxItem

    item = OutboxItem(
        id=1, activity_id="urn:uuid:1", activity=SECRET, recipient="https://peer.example/a",
        inbox_url=PEER_INBOX, destination="peer.example", seq=1, status="pending", attempts=1,
        next_attempt_at=T0, lease_owner="w", lease_until=T0 + 60, last_status=None,
        last_error=None, created_at=T0, delivered_at=None,
    )
    peer = Peer()
    sender, _ = _sender(peer)
    assert sender.send(item).verdict is Verdict.DELIVERED
    assert json.loads(peer.seen[0][1].content) == SECRET
