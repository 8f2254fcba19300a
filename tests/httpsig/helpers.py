"""Signed requests for the tests, made with the real signer."""

from __future__ import annotations

from dataclasses import dataclass, field

from bridge.core.errors import AuthenticationError
from bridge.httpsig import FetchedKey, PrivateKey, SignatureScheme, Signer
from bridge.httpsig.keys import generate_ed25519, generate_rsa, key_id_for

NOW = 1_700_000_000.0
INBOX = "https://bridge.example/actors/vendor/inbox/"
ALICE = "https://alice.example/actors/alice"
BODY = b'{"type": "Offer", "actor": "https://alice.example/actors/alice"}'
MEDIA = "application/activity+json"

RSA_KEY = generate_rsa()
ED_KEY = generate_ed25519()


@dataclass
class KeyRing:
    """A fake key lookup: actor → key, counting lookups."""

    keys: dict[str, FetchedKey] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def add(self, actor: str, key: PrivateKey) -> str:
        key_id = key_id_for(actor)
        self.keys[key_id] = FetchedKey(key_id, actor, key.public_key())
        return key_id

    def __call__(self, key_id: str) -> FetchedKey:
        self.calls.append(key_id)
        if key_id not in self.keys:
            raise AuthenticationError("unknown key")
        return self.keys[key_id]


def signed(
    scheme: SignatureScheme,
    key: PrivateKey = RSA_KEY,
    *,
    actor: str = ALICE,
    url: str = INBOX,
    body: bytes = BODY,
    now: float = NOW,
    method: str = "POST",
) -> dict[str, str]:
    signer = Signer.for_actor(actor, key)
    return signer.headers_for(method, url, body, scheme=scheme, now=now, content_type=MEDIA)


def ring_for(key: PrivateKey = RSA_KEY, actor: str = ALICE) -> KeyRing:
    ring = KeyRing()
    ring.add(actor, key)
    return ring
