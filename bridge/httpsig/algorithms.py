"""Signature algorithms, by their RFC 9421 names, over the ``cryptography`` package.

We sign with ``rsa-v1_5-sha256`` (RSA keys) or ``ed25519``; we verify those and
``rsa-pss-sha512``. Symmetric (``hmac-*``) and weak (``*-sha1``) algorithms are refused: our
peers are public-key peers and a shared secret would let anyone holding it impersonate them.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from bridge.core.errors import AuthenticationError
from bridge.httpsig.keys import PrivateKey, PublicKey

RSA_V15_SHA256 = "rsa-v1_5-sha256"
RSA_PSS_SHA512 = "rsa-pss-sha512"
ED25519 = "ed25519"

VERIFIABLE = frozenset({RSA_V15_SHA256, RSA_PSS_SHA512, ED25519})

CAVAGE_NAMES = {"rsa-sha256": (RSA_V15_SHA256,), "ed25519": (ED25519,)}
"""Cavage ``algorithm=`` values and what they mean. ``hs2019`` is decided by the key type."""

WEAK_PREFIXES = ("hmac-", "rsa-sha1", "dsa-", "ecdsa-sha1")


def refuse_weak(name: str) -> None:
    """Raise when ``name`` is a symmetric or SHA-1 algorithm."""
    lowered = name.lower()
    if lowered.startswith(WEAK_PREFIXES) or lowered.endswith("sha1"):
        raise AuthenticationError(f"signature algorithm {lowered} is refused (weak or symmetric)")


def for_key(key: PublicKey | PrivateKey) -> tuple[str, ...]:
    """Algorithms a key can verify when the signature does not name one (``hs2019``)."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return (RSA_V15_SHA256, RSA_PSS_SHA512)
    return (ED25519,)


def signing_algorithm(key: PrivateKey) -> str:
    return RSA_V15_SHA256 if isinstance(key, rsa.RSAPrivateKey) else ED25519


def sign(algorithm: str, key: PrivateKey, data: bytes) -> bytes:
    if algorithm == RSA_V15_SHA256 and isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if algorithm == ED25519 and isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    raise ValueError(f"cannot sign {algorithm} with a {type(key).__name__}")


def check_key_matches(algorithm: str, key: PublicKey, min_rsa_bits: int) -> None:
    """Refuse an algorithm the key cannot do, and RSA keys shorter than ``min_rsa_bits``."""
    if algorithm not in VERIFIABLE:
        raise AuthenticationError(f"signature algorithm {algorithm} is not supported")
    is_rsa = isinstance(key, rsa.RSAPublicKey)
    if is_rsa != algorithm.startswith("rsa-"):
        raise AuthenticationError(f"signature algorithm {algorithm} does not fit the key type")
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < min_rsa_bits:
        raise AuthenticationError(f"the peer's RSA key is shorter than {min_rsa_bits} bits")


def verify(algorithm: str, key: PublicKey, data: bytes, signature: bytes) -> bool:
    """True when ``signature`` is ``key``'s ``algorithm`` signature over ``data``."""
    try:
        if algorithm == ED25519 and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
            return True
        if isinstance(key, rsa.RSAPublicKey):
            if algorithm == RSA_V15_SHA256:
                key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
                return True
            if algorithm == RSA_PSS_SHA512:
                pss = padding.PSS(padding.MGF1(hashes.SHA512()), 64)
                key.verify(signature, data, pss, hashes.SHA512())
                return True
    except InvalidSignature:
        return False
    return False
