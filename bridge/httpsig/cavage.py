"""draft-cavage-http-signatures-12, as the fediverse uses it.

``Signature: keyId="…",algorithm="rsa-sha256",headers="(request-target) host date digest
content-type",signature="…"`` (or the same after ``Authorization: Signature``). The signing
string is one ``name: value`` line per listed header, joined with ``\\n``.

``host`` is taken from the URL the client addressed (see ``RequestView``), not from a Host
header a proxy may have rewritten.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bridge.core.errors import AuthenticationError
from bridge.httpsig import algorithms
from bridge.httpsig.digest import check_digest
from bridge.httpsig.keys import FetchedKey, KeyLookup, PrivateKey
from bridge.httpsig.message import (
    RequestView,
    SignatureScheme,
    check_time_window,
    parse_http_date,
)
from bridge.httpsig.policy import VerifiedSignature, VerifyPolicy, verify_with_key

SIGNED_WITH_BODY = ("(request-target)", "host", "date", "digest", "content-type")
SIGNED_WITHOUT_BODY = ("(request-target)", "host", "date")
REQUIRED = ("(request-target)", "host", "date")
ACCEPTED_ALGORITHMS = ("rsa-sha256", "hs2019", "ed25519")

_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*("(?:[^"\\]|\\.)*"|[0-9]+(?:\.[0-9]+)?)\s*(?:,|$)')


@dataclass(frozen=True, slots=True)
class CavageSignature:
    key_id: str
    algorithm: str | None
    headers: tuple[str, ...]
    signature: bytes
    created: int | None = None
    expires: int | None = None


def parse_signature_header(value: str) -> CavageSignature:
    """Parse the ``Signature`` header (or an ``Authorization: Signature …`` value)."""
    text = value.strip()
    if text[:10].lower() == "signature ":
        text = text[10:]
    params: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = _PARAM.match(text, pos)
        if match is None or match.end() == pos:
            raise AuthenticationError("malformed Signature header")
        raw = match.group(2)
        params[match.group(1)] = raw[1:-1].replace('\\"', '"') if raw.startswith('"') else raw
        pos = match.end()
    for needed in ("keyId", "signature"):
        if not params.get(needed):
            raise AuthenticationError(f"the Signature header has no {needed}")
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AuthenticationError("the Signature header's signature is not base64") from exc
    return CavageSignature(
        key_id=params["keyId"],
        algorithm=params["algorithm"].lower() if "algorithm" in params else None,
        headers=tuple(params.get("headers", "date").lower().split()),
        signature=signature,
        created=_int_param(params, "created"),
        expires=_int_param(params, "expires"),
    )


def _int_param(params: dict[str, str], name: str) -> int | None:
    if name not in params:
        return None
    try:
        return int(float(params[name]))
    except ValueError as exc:
        raise AuthenticationError(f"the Signature header's {name} is not a number") from exc


def signing_string(
    view: RequestView,
    headers: Sequence[str],
    created: int | None = None,
    expires: int | None = None,
) -> bytes:
    lines: list[str] = []
    for name in headers:
        if name == "(request-target)":
            value: str | None = f"{view.method.lower()} {view.request_target}"
        elif name == "(created)":
            value = None if created is None else str(created)
        elif name == "(expires)":
            value = None if expires is None else str(expires)
        elif name == "host":
            value = view.authority
        else:
            value = view.field(name)
        if value is None:
            raise AuthenticationError(f"the signed header {name} is missing from the request")
        lines.append(f"{name}: {value}")
    return "\n".join(lines).encode("utf-8")


def sign_cavage(
    view: RequestView,
    key_id: str,
    key: PrivateKey,
    headers: Sequence[str] | None = None,
) -> str:
    """The ``Signature`` header value for ``view`` (whose Date/Digest fields are already set)."""
    covered = tuple(headers or (SIGNED_WITH_BODY if view.body else SIGNED_WITHOUT_BODY))
    name = algorithms.signing_algorithm(key)
    label = "rsa-sha256" if name == algorithms.RSA_V15_SHA256 else "hs2019"
    raw = algorithms.sign(name, key, signing_string(view, covered))
    return (
        f'keyId="{key_id}",algorithm="{label}",headers="{" ".join(covered)}",'
        f'signature="{base64.b64encode(raw).decode("ascii")}"'
    )


def find_header(view: RequestView) -> str | None:
    """The cavage signature in ``Signature`` or ``Authorization: Signature``, if any."""
    value = view.field("signature")
    if value and "keyid=" in value.lower():
        return value
    auth = view.field("authorization")
    if auth and auth[:10].lower() == "signature ":
        return auth
    return None


def verify_cavage(
    view: RequestView,
    *,
    fetch_key: KeyLookup,
    now: float,
    policy: VerifyPolicy,
    refresh_key: KeyLookup | None = None,
) -> VerifiedSignature:
    raw = find_header(view)
    if raw is None:
        raise AuthenticationError("no draft-cavage Signature header")
    sig = parse_signature_header(raw)
    if sig.algorithm is not None:
        algorithms.refuse_weak(sig.algorithm)
        if sig.algorithm not in ACCEPTED_ALGORITHMS:
            raise AuthenticationError(f"signature algorithm {sig.algorithm} is not supported")
    for name in REQUIRED + (("digest",) if view.body else ()):
        if name not in sig.headers:
            raise AuthenticationError(f"the signature does not cover {name}")
    _check_times(view, sig, now, policy)
    if "digest" in sig.headers:
        check_digest(view.field("digest") or "", view.body)
    data = signing_string(view, sig.headers, sig.created, sig.expires)

    def candidates(fetched: FetchedKey) -> tuple[str, ...]:
        if sig.algorithm in algorithms.CAVAGE_NAMES:
            return algorithms.CAVAGE_NAMES[sig.algorithm]
        return algorithms.for_key(fetched.public_key)

    fetched, name = verify_with_key(
        sig.key_id,
        candidates,
        data,
        sig.signature,
        fetch_key=fetch_key,
        refresh_key=refresh_key,
        policy=policy,
    )
    return VerifiedSignature(
        key_id=fetched.key_id,
        owner=fetched.owner,
        scheme=SignatureScheme.CAVAGE,
        algorithm=name,
        covered=sig.headers,
    )


def _check_times(view: RequestView, sig: CavageSignature, now: float, policy: VerifyPolicy) -> None:
    date = view.field("date")
    if date is None:
        raise AuthenticationError("the request has no Date header")
    check_time_window(parse_http_date(date), now, policy.date_window, "the Date header")
    if sig.created is not None and sig.created > now + policy.date_window:
        raise AuthenticationError("the signature's created time is in the future")
    if sig.expires is not None and sig.expires < now:
        raise AuthenticationError("the signature has expired")
