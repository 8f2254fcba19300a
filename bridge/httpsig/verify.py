"""The front door for inbound requests: detect the scheme, verify, name the key's owner.

```python
verified = verify_request("POST", public_url, headers, body, fetch_key=fetcher, now=clock())
check_actor_owns_key(activity["actor"], verified)
```

``public_url`` is what the client addressed: behind a TLS-terminating proxy, the configured
public base URL plus the request's path and query. Every failure is an
``AuthenticationError`` whose reason names the problem and never repeats the body.
"""

from __future__ import annotations

from bridge.core.errors import AuthenticationError
from bridge.httpsig.cavage import find_header, verify_cavage
from bridge.httpsig.keys import KeyLookup
from bridge.httpsig.message import Headers, RequestView, SignatureScheme, combine_fields
from bridge.httpsig.policy import VerifiedSignature, VerifyPolicy, check_actor_owns_key
from bridge.httpsig.rfc9421 import verify_rfc9421

__all__ = [
    "VerifiedSignature",
    "VerifyPolicy",
    "check_actor_owns_key",
    "detect_scheme",
    "verify_request",
]


def detect_scheme(headers: Headers) -> SignatureScheme | None:
    """RFC 9421 when ``Signature-Input`` is present, cavage for a cavage-style ``Signature``
    or ``Authorization: Signature``, else None (an unsigned request)."""
    view = RequestView("GET", "http://unused/", combine_fields(headers), b"")
    if view.field("signature-input") is not None:
        return SignatureScheme.RFC9421
    if find_header(view) is not None:
        return SignatureScheme.CAVAGE
    return None


def verify_request(
    method: str,
    url: str,
    headers: Headers,
    body: bytes,
    *,
    fetch_key: KeyLookup,
    now: float,
    policy: VerifyPolicy | None = None,
    refresh_key: KeyLookup | None = None,
) -> VerifiedSignature:
    """Verify the request's HTTP signature (either scheme) and return who signed it.

    ``fetch_key`` maps a key id to the key and its owner (``KeyFetcher.__call__``);
    ``refresh_key``, when given, is asked once for a fresh copy when the signature does not
    verify with the cached key (``KeyFetcher.refresh``). ``now`` is seconds since the epoch.
    """
    view = RequestView.build(method, url, headers, body)
    scheme = detect_scheme(view.fields.items())
    if scheme is None:
        raise AuthenticationError("the request carries no HTTP signature")
    verify = verify_rfc9421 if scheme is SignatureScheme.RFC9421 else verify_cavage
    return verify(
        view,
        fetch_key=fetch_key,
        now=now,
        policy=policy or VerifyPolicy(),
        refresh_key=refresh_key,
    )

