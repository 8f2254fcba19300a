"""The real HTTP app for the reliability suite, driven in process.

``app_env(tmp_path)`` builds the app from a configuration with every authentication path:

* ``github``: two HMAC secrets (a rotation in progress);
* ``gitlab``: one X-Gitlab-Token; ``gitlab-signed``: a token *and* a Standard Webhooks key;
* the actor ``vendor`` at ``https://bridge.example`` with its inbox; peers on the (fake)
  internet publish their keys through a recording resolver and transport, so the inbox's key
  fetches go through the real SSRF guard and are counted;
* a trusted unsigned peer under ``https://trusted.example/actors/`` with a bearer token.

No worker runs unless a test starts one; the adapters are recording fakes that must not be
called on the accept path.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from adapters.github.signature import sign
from adapters.gitlab.signature import sign_standard_webhook
from bridge.app.delivery import actor_key
from bridge.app.runtime import Runtime
from bridge.config import load_config_text
from bridge.core.errors import ConfigurationError
from bridge.delivery.keyfetch import KeyFetcher
from bridge.delivery.ssrf import AllowPolicy, guarded_client
from bridge.httpsig import PrivateKey, SignatureScheme, Signer
from bridge.httpsig.keys import (
    generate_ed25519,
    generate_rsa,
    key_id_for,
    private_pem,
    public_key_document,
)
from bridge.service.app import create_app
from bridge.store import audit, inbound, outbox
from tests.delivery.ssrf_helpers import FakeResolver, Recorder
from tests.paths import GITHUB_CORPUS, GITLAB_CORPUS
from tests.reliability.asgi import AsgiClient

BASE = "https://bridge.example"
INBOX_PATH = "/actors/vendor/inbox/"
INBOX_URL = BASE + INBOX_PATH
GH_SECRETS = ("old github secret", "new github secret")
GL_TOKEN = "gitlab-hook-token-Abc123"
GL_OLD_TOKEN = "gitlab-hook-token-previous"
KAT_SECRET = "It's a Secret to Everybody"
"""The secret of GitHub's published known-answer vector (tracker ``github-kat``)."""
GL_KEY = "whsec_" + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
BEARER = "trusted-peer-bearer-token"
PEER_IP = "93.184.216.34"
"""A public address the fake resolver gives every peer host (the guard allows it)."""
NOW = 1_900_000_000.0

CONFIG = """
actor: {{name: vendor, base_url: "{base}", key_file: "{key}"}}
database_url: "{db}"
trackers:
  github: {{kind: github, url: "http://127.0.0.1:9", token: t,
            webhook_secrets: ["{gh0}", "{gh1}"], bot_login: vultron-bot}}
  gitlab: {{kind: gitlab, url: "http://127.0.0.1:9", token: t,
            webhook_secrets: ["{gl}", "{glold}"], bot_login: vultron-bot}}
  github-kat: {{kind: github, url: "http://127.0.0.1:9", token: t,
                webhook_secrets: ["{kat}"], bot_login: vultron-bot}}
  gitlab-signed: {{kind: gitlab, url: "http://127.0.0.1:9", token: t,
                   webhook_secrets: ["{gl}"], signing_keys: ["{glkey}"], bot_login: vultron-bot}}
destinations:
  default: {{tracker: github, project: acme/embargoed, mode: private_issue}}
peers:
  trusted: [{{prefix: "https://trusted.example/actors/", bearer_token: "{bearer}"}}]
limits: {{max_body_bytes: {limit}}}
"""


class Clock:
    """An injectable clock tests move by hand."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Peer:
    """A protocol actor on the fake internet: its key, key id and actor document."""

    actor: str
    key: PrivateKey

    @property
    def key_id(self) -> str:
        return key_id_for(self.actor)

    def document(self) -> dict[str, Any]:
        return {"@context": "https://www.w3.org/ns/activitystreams", "id": self.actor,
                "type": "Person", "inbox": self.actor + "/inbox/",
                "publicKey": public_key_document(self.actor, self.key)}

    def sign(self, body: bytes, scheme: SignatureScheme, now: float, *, url: str = INBOX_URL,
             content_type: str = "application/activity+json") -> dict[str, str]:
        return Signer(self.key_id, self.key).headers_for(
            "POST", url, body, scheme=scheme, now=now, content_type=content_type)


@dataclass
class Internet:
    """Peers' actor documents behind a recording resolver and transport (no real sockets)."""

    peers: dict[str, Peer] = field(default_factory=dict)
    resolver: FakeResolver = field(default_factory=FakeResolver)
    recorder: Recorder = field(default_factory=Recorder)

    def __post_init__(self) -> None:
        self.recorder.handler = self._answer

    def add(self, actor: str, key: PrivateKey) -> Peer:
        peer = Peer(actor, key)
        self.peers[actor] = peer
        host = httpx.URL(actor).host
        self.resolver.answers[host] = [PEER_IP]
        return peer

    def _answer(self, request: httpx.Request) -> httpx.Response:
        # the guard connects to the checked address; the name is in the Host header
        host = request.headers.get("host", "")
        url = f"{request.url.scheme}://{host}{request.url.path}"
        for peer in self.peers.values():
            if url == peer.actor:
                return httpx.Response(200, json=peer.document(),
                                      headers={"Content-Type": "application/activity+json"})
        return httpx.Response(404)

    def fetches(self, path_part: str = "") -> int:
        return sum(1 for r in self.recorder.requests if path_part in r.url.path)


@dataclass
class Counts:
    inbound: int
    outbox: int
    audit: int


@dataclass
class AppEnv:
    rt: Runtime
    app: Any
    client: AsgiClient
    clock: Clock
    internet: Internet
    alice: Peer
    bob: Peer
    edna: Peer
    adapters: NoAdapters

    def counts(self) -> Counts:
        with self.rt.sessions() as s:
            return Counts(sum(inbound.inbound_counts(s).values()),
                          sum(outbox.outbox_counts(s).values()), audit.length(s))

    # --- GitHub ------------------------------------------------------------------------------

    def github(self, body: bytes, *, event: str = "issues", delivery: str | None = None,
               secret: str = GH_SECRETS[1], headers: dict[str, str] | None = None) -> Any:
        return self.client.post("/webhooks/github", body, github_headers(
            body, event=event, delivery=delivery, secret=secret, extra=headers))

    # --- GitLab ------------------------------------------------------------------------------

    def gitlab(self, body: bytes, *, tracker: str = "gitlab", token: str | None = GL_TOKEN,
               key: str | None = None, msg_id: str = "msg_1", timestamp: float | None = None,
               headers: dict[str, str] | None = None) -> Any:
        h = gitlab_headers(body, token=token, key=key, msg_id=msg_id,
                           timestamp=self.clock() if timestamp is None else timestamp)
        h.update(headers or {})
        return self.client.post(f"/webhooks/{tracker}", body, h)


def github_headers(body: bytes, *, event: str = "issues", delivery: str | None = None,
                   secret: str | None = GH_SECRETS[1],
                   extra: dict[str, str] | None = None) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "X-GitHub-Event": event,
               "X-GitHub-Delivery": delivery or str(uuid.uuid4())}
    if secret is not None:
        headers["X-Hub-Signature-256"] = sign(secret, body)
    headers.update(extra or {})
    return headers


def gitlab_headers(body: bytes, *, token: str | None = GL_TOKEN, key: str | None = None,
                   msg_id: str = "msg_1", timestamp: float = NOW,
                   event: str = "Issue Hook") -> dict[str, str]:
    headers = {"Content-Type": "application/json", "X-Gitlab-Event": event,
               "Idempotency-Key": msg_id}
    if token is not None:
        headers["X-Gitlab-Token"] = token
    if key is not None:
        stamp = str(int(timestamp))
        headers.update({"webhook-id": msg_id, "webhook-timestamp": stamp,
                        "webhook-signature": sign_standard_webhook(key, msg_id, stamp, body)})
    return headers


def github_payload(name: str = "issues/labeled.payload.json") -> dict[str, Any]:
    loaded = json.loads((GITHUB_CORPUS / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def gitlab_payload(name: str = "issue_open.json") -> dict[str, Any]:
    loaded = json.loads((GITLAB_CORPUS / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def labeled_body(n: int, label: str = "vultron:valid") -> bytes:
    """A distinct, handled GitHub ``issues.labeled`` delivery body (issue ``n``)."""
    payload = github_payload()
    payload["issue"]["number"] = n
    payload["label"]["name"] = label
    return json.dumps(payload).encode()


def activity(actor: str, n: int, **extra: Any) -> dict[str, Any]:
    """A report offer by ``actor`` (a complete, parseable Vultron activity)."""
    doc: dict[str, Any] = {
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Offer",
        "id": f"{actor}/activities/offer-{n}", "actor": actor, "to": [BASE + "/actors/vendor"],
        "object": {"type": "VulnerabilityReport", "id": f"{actor}/reports/{n}",
                   "name": f"R-{n}", "content": f"details of report {n}"},
    }
    doc.update(extra)
    return doc


_KEYS: dict[str, PrivateKey] = {}


def cached_key(name: str) -> PrivateKey:
    """Keys generated once per test run (RSA generation is slow)."""
    if name not in _KEYS:
        _KEYS[name] = generate_ed25519() if name.startswith("ed") else generate_rsa()
    return _KEYS[name]


def actor_key_file(tmp: Path) -> Path:
    """``tmp/actor.pem``, written once: a configured key_file must exist (the bridge never
    makes one up)."""
    key = tmp / "actor.pem"
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        key.write_text(private_pem(cached_key("rsa-actor")), encoding="ascii")
    return key


def make_config(tmp: Path, *, db_url: str | None = None, limit: int = 1_048_576,
                extra: str = "") -> Any:
    text = CONFIG.format(
        base=BASE, key=actor_key_file(tmp), db=db_url or f"sqlite:///{tmp / 'bridge.db'}",
        gh0=GH_SECRETS[0], gh1=GH_SECRETS[1], gl=GL_TOKEN, glold=GL_OLD_TOKEN, kat=KAT_SECRET,
        glkey=GL_KEY, bearer=BEARER,
        limit=limit,
    ) + extra
    return load_config_text(text, env={})


def install_fetcher(app: Any, rt: Runtime, internet: Internet) -> KeyFetcher:
    """The inbox's key fetcher, built as the app builds it but on the recording internet."""
    fetcher = KeyFetcher(
        guarded_client(AllowPolicy.build(), resolve=internet.resolver,
                       inner=internet.recorder.transport()),
        clock=rt.clock, timeout=2, signer=Signer.for_actor(rt.actor_id, actor_key(rt)),
    )
    app.state.inbox_key_fetcher = fetcher
    return fetcher


class NoAdapters:
    """An adapter factory that records being asked and refuses (no tracker API here)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, name: str, tracker: Any) -> Any:
        self.asked.append(name)
        raise ConfigurationError("this test has no tracker API")


@contextmanager
def app_env(tmp: Path, *, db_url: str | None = None, limit: int = 1_048_576,
            real_fetcher: bool = False, extra: str = "", **runtime: Any) -> Iterator[AppEnv]:
    clock = Clock()
    adapters = NoAdapters()
    runtime.setdefault("adapter_factory", adapters)
    rt = Runtime.from_config(make_config(tmp, db_url=db_url, limit=limit, extra=extra),
                             clock=clock,
                             **runtime)
    app = create_app(rt)
    internet = Internet()
    alice = internet.add("https://alice.example/actors/alice", cached_key("rsa-alice"))
    bob = internet.add("https://bob.example/actors/bob", cached_key("rsa-bob"))
    edna = internet.add("https://edna.example/actors/edna", cached_key("ed-edna"))
    if not real_fetcher:
        install_fetcher(app, rt, internet)
    client = AsgiClient(app)
    try:
        yield AppEnv(rt, app, client, clock, internet, alice, bob, edna, adapters)
    finally:
        client.close()
        rt.engine.dispose()


class ConnectionCounter:
    """Counts every outbound socket connection attempted in this process (and refuses it)."""

    def __init__(self) -> None:
        self.attempts: list[Any] = []
        self.lock = threading.Lock()
        self._saved: Any = None

    def __enter__(self) -> ConnectionCounter:
        counter = self
        original = socket.socket.connect

        def connect(sock: socket.socket, address: Any) -> None:
            with counter.lock:
                counter.attempts.append(address)
            raise ConnectionRefusedError("outbound connections are counted and refused here")

        self._saved = original
        socket.socket.connect = connect  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        socket.socket.connect = self._saved  # type: ignore[method-assign]
