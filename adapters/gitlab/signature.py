"""GitLab webhook authentication: the secret token and the Standard Webhooks signature.

Pure functions over header values and the raw body; every comparison is constant-time.

* ``X-Gitlab-Token``: the hook's secret token, sent verbatim. Several tokens may be configured
  at once so that an operator can rotate them without dropping deliveries.
* Standard Webhooks (https://www.standardwebhooks.com/, the "signing token" of a GitLab hook):
  ``webhook-signature: v1,<base64 HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>">``,
  possibly several space-separated signatures; keys are ``whsec_<base64 of the key bytes>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence

from bridge.core.errors import AuthenticationError, ConfigurationError

SIGNING_PREFIX = "whsec_"


def verify_token(presented: str | None, tokens: Sequence[str]) -> None:
    """Accept ``presented`` when it equals one of ``tokens`` exactly; else AuthenticationError."""
    configured = [t for t in tokens if t]
    if not configured:
        raise AuthenticationError("no GitLab webhook token is configured: refusing the delivery")
    if not presented:
        raise AuthenticationError("the X-Gitlab-Token header is missing or empty")
    given = presented.encode("utf-8")
    # Compare against every token (no early exit) so timing says nothing about which matched.
    matched = False
    for token in configured:
        matched |= hmac.compare_digest(given, token.encode("utf-8"))
    if not matched:
        raise AuthenticationError("the X-Gitlab-Token header does not match a configured token")


def decode_signing_key(key: str) -> bytes:
    """The key bytes of a ``whsec_<base64>`` signing key; ConfigurationError if malformed."""
    if not key.startswith(SIGNING_PREFIX):
        raise ConfigurationError("a webhook signing key must look like whsec_<base64>")
    try:
        raw = base64.b64decode(key[len(SIGNING_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigurationError("a webhook signing key is not valid base64 after whsec_") from exc
    if len(raw) < 16:
        raise ConfigurationError("a webhook signing key is shorter than 16 bytes")
    return raw


def _mac(key: bytes, msg_id: str, timestamp: str, body: bytes) -> bytes:
    signed = msg_id.encode("utf-8") + b"." + timestamp.encode("utf-8") + b"." + body
    return hmac.new(key, signed, hashlib.sha256).digest()


def sign_standard_webhook(key: str, msg_id: str, timestamp: int | str, body: bytes) -> str:
    """The ``webhook-signature`` header value (``v1,<base64>``) for one key.

    The fake GitLab and the tests sign with this very function, as GitLab does.
    """
    digest = _mac(decode_signing_key(key), msg_id, str(timestamp), body)
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify_standard_webhook(
    *,
    msg_id: str | None,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    keys: Sequence[str],
    now: float,
    tolerance: float = 300,
) -> None:
    """Check a Standard Webhooks signature; raise AuthenticationError unless one verifies."""
    if not msg_id or not timestamp or not signature:
        raise AuthenticationError(
            "the webhook-id, webhook-timestamp or webhook-signature header is missing"
        )
    ts = timestamp.strip()
    if not ts.isdigit() or len(ts) > 12:
        raise AuthenticationError("the webhook-timestamp header is not a whole number of seconds")
    if abs(now - int(ts)) > tolerance:
        raise AuthenticationError(
            f"the webhook-timestamp is more than {tolerance:g} s away from now (stale or replayed)"
        )
    decoded = [decode_signing_key(k) for k in keys if k]
    if not decoded:
        raise AuthenticationError("no webhook signing key is configured: refusing the delivery")
    presented: list[bytes] = []
    for item in signature.split():
        version, sep, value = item.partition(",")
        if not sep or version != "v1":
            continue
        try:
            presented.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            continue
    matched = False
    for key in decoded:
        expected = _mac(key, msg_id, ts, body)
        for candidate in presented:
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise AuthenticationError("no webhook-signature matches a configured signing key")
