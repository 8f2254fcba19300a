"""What an inbound signature must satisfy, what a verified one tells the caller, and the
key-lookup step both schemes share (including one refresh for a rotated key)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bridge.core.errors import AuthenticationError
from bridge.httpsig import algorithms
from bridge.httpsig.keys import FetchedKey, KeyLookup
from bridge.httpsig.message import SignatureScheme


@dataclass(frozen=True, slots=True)
class VerifyPolicy:
    date_window: float = 300.0
    """Seconds ``Date`` / ``created`` may be from ``now``, either way."""
    min_rsa_bits: int = 2048
    """Shorter RSA keys are refused (the cavage draft's own 1024-bit test key included)."""


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """A signature that verified. Compare ``owner`` with the activity's actor
    (``check_actor_owns_key``) before trusting the activity."""

    key_id: str
    owner: str
    scheme: SignatureScheme
    algorithm: str
    covered: tuple[str, ...]
    """The headers / components the signature covers, as the signer listed them."""


def check_actor_owns_key(activity_actor: str | None, verified: VerifiedSignature) -> None:
    """Refuse an activity whose ``actor`` is not the owner of the key that signed the request."""
    if not activity_actor or activity_actor != verified.owner:
        raise AuthenticationError("the activity's actor does not own the signing key")


def verify_with_key(
    key_id: str,
    candidates: Callable[[FetchedKey], Sequence[str]],
    data: bytes,
    signature: bytes,
    *,
    fetch_key: KeyLookup,
    refresh_key: KeyLookup | None,
    policy: VerifyPolicy,
) -> tuple[FetchedKey, str]:
    """Fetch the key, try each candidate algorithm; on failure refresh the key once.

    A refresh happens only when ``refresh_key`` is given and returns a different key (the peer
    rotated it); the fetcher's cool-off bounds how often that can reach the network.
    """
    fetched = fetch_key(key_id)
    if fetched.key_id != key_id:
        raise AuthenticationError("the key lookup answered for a different key id")
    found = _try(fetched, candidates(fetched), data, signature, policy)
    if found:
        return fetched, found
    if refresh_key is not None:
        fresh = refresh_key(key_id)
        if fresh.key_id == key_id and fresh.public_key != fetched.public_key:
            found = _try(fresh, candidates(fresh), data, signature, policy)
            if found:
                return fresh, found
    raise AuthenticationError("the signature does not verify with the signer's key")


def _try(
    fetched: FetchedKey, names: Sequence[str], data: bytes, signature: bytes, policy: VerifyPolicy
) -> str | None:
    for name in names:
        algorithms.check_key_matches(name, fetched.public_key, policy.min_rsa_bits)
        if algorithms.verify(name, fetched.public_key, data, signature):
            return name
    return None
