"""HTTP message signatures: draft-cavage-http-signatures-12 and RFC 9421 (with RFC 9530 digests).

Everything here is pure over ``(method, url, headers, body, key, now)``: no network, no clock.
Keys are fetched through an injected ``fetch_key(key_id) -> FetchedKey`` (see
``bridge.delivery.keyfetch``). Every verification failure raises
``bridge.core.errors.AuthenticationError`` with a short reason that never repeats the body.

Front doors:

- ``Signer(key_id, private_key).headers_for(...)`` — sign an outbound request (either scheme);
- ``verify_request(...) -> VerifiedSignature`` — detect the scheme and verify an inbound one;
- ``check_actor_owns_key(activity_actor, verified)`` — the activity's actor must own the key.
"""

from __future__ import annotations

from bridge.httpsig.keys import FetchedKey, KeyLookup, PrivateKey, PublicKey, key_id_for
from bridge.httpsig.message import SignatureScheme
from bridge.httpsig.signer import Signer
from bridge.httpsig.verify import (
    VerifiedSignature,
    VerifyPolicy,
    check_actor_owns_key,
    detect_scheme,
    verify_request,
)

__all__ = [
    "FetchedKey",
    "KeyLookup",
    "PrivateKey",
    "PublicKey",
    "SignatureScheme",
    "Signer",
    "VerifiedSignature",
    "VerifyPolicy",
    "check_actor_owns_key",
    "detect_scheme",
    "key_id_for",
    "verify_request",
]
