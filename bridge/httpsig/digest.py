"""Body digests: ``Digest: SHA-256=…`` (RFC 3230, used with cavage) and RFC 9530
``Content-Digest: sha-256=:…:`` (used with RFC 9421).

Checks are constant-time and fail closed: a header naming only algorithms we do not accept
(``MD5``, ``SHA``, ``unixsum``…) is refused, and every accepted algorithm present must match.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from bridge.core.errors import AuthenticationError
from bridge.httpsig.sfv import Item, parse_dictionary

_HASHES = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def digest_header(body: bytes) -> str:
    """The ``Digest`` value cavage signers put in their signing string."""
    return "SHA-256=" + _b64(hashlib.sha256(body).digest())


def content_digest_header(body: bytes, algorithm: str = "sha-256") -> str:
    """An RFC 9530 ``Content-Digest`` value (``sha-256`` or ``sha-512``)."""
    if algorithm not in _HASHES:
        raise ValueError(f"unsupported digest algorithm {algorithm!r}")
    return f"{algorithm}=:{_b64(_HASHES[algorithm](body).digest())}:"


def check_digest(value: str, body: bytes) -> None:
    """Verify a ``Digest`` header (``SHA-256=b64[,SHA-512=b64]``) against the body."""
    checked = 0
    for part in value.split(","):
        name, sep, encoded = part.strip().partition("=")
        algorithm = name.strip().lower()
        if not sep or algorithm not in _HASHES:
            continue
        try:
            claimed = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise AuthenticationError("the Digest header is not base64") from exc
        _compare(claimed, _HASHES[algorithm](body).digest(), "Digest")
        checked += 1
    if not checked:
        raise AuthenticationError("the Digest header has no SHA-256 or SHA-512 value")


def check_content_digest(value: str, body: bytes) -> None:
    """Verify an RFC 9530 ``Content-Digest`` dictionary against the body."""
    checked = 0
    for algorithm, member in parse_dictionary(value, "Content-Digest").items():
        if algorithm not in _HASHES:
            continue
        if not isinstance(member, Item) or not isinstance(member.value, bytes):
            raise AuthenticationError(f"the Content-Digest {algorithm} value is not bytes")
        _compare(member.value, _HASHES[algorithm](body).digest(), "Content-Digest")
        checked += 1
    if not checked:
        raise AuthenticationError("the Content-Digest header has no sha-256 or sha-512 value")


def _compare(claimed: bytes, actual: bytes, header: str) -> None:
    if not hmac.compare_digest(claimed, actual):
        raise AuthenticationError(f"the {header} header does not match the body")
