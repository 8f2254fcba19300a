"""GitHub webhook signatures: ``X-Hub-Signature-256`` = HMAC-SHA256 of the raw body.

Pure functions. Verification fails closed both ways: a configured secret with no signature,
and a signature with no configured secret, are both refused. The SHA-1 ``X-Hub-Signature``
header alone is never accepted. Several secrets may be configured at once (rotation).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

from bridge.core.errors import AuthenticationError

SIGNATURE_HEADER = "x-hub-signature-256"
SHA1_HEADER = "x-hub-signature"
_PREFIX = "sha256="


def sign(secret: str | bytes, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body`` under ``secret``."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return _PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names folded to lower case (HTTP header names are case-insensitive)."""
    return {str(k).lower(): str(v) for k, v in headers.items()}


def verify_signature(
    headers: Mapping[str, str], body: bytes, secrets: Sequence[str | bytes]
) -> None:
    """Raise AuthenticationError unless ``body`` carries a valid SHA-256 signature.

    ``headers`` may already be lower-cased; they are folded again here. The reasons name what
    is wrong with the delivery, never the body or a secret.
    """
    folded = lower_headers(headers)
    given = folded.get(SIGNATURE_HEADER)
    usable = [s for s in secrets if s]
    if not usable:
        if given is not None:
            raise AuthenticationError(
                "the delivery is signed but no webhook secret is configured; refusing it"
            )
        raise AuthenticationError("no webhook secret is configured; refusing unsigned deliveries")
    if given is None:
        if SHA1_HEADER in folded:
            raise AuthenticationError(
                "only an X-Hub-Signature (SHA-1) header was sent; X-Hub-Signature-256 is required"
            )
        raise AuthenticationError("the delivery has no X-Hub-Signature-256 header")
    given = given.strip()
    digest = given[len(_PREFIX) :]
    if not given.startswith(_PREFIX) or len(digest) != 64 or not _is_hex(digest):
        raise AuthenticationError("X-Hub-Signature-256 is malformed (expected sha256=<64 hex>)")
    expected = (_PREFIX + digest.lower()).encode("ascii")
    matched = False
    for secret in usable:
        # compare every secret (no early exit) so timing does not reveal which one matched
        if hmac.compare_digest(sign(secret, body).encode("ascii"), expected):
            matched = True
    if not matched:
        raise AuthenticationError("X-Hub-Signature-256 does not match any configured secret")


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)
