"""Trac webhook authentication: the plugin signs like GitHub (``X-Hub-Signature-256:
sha256=HMAC-SHA256(secret, raw body)``), so the one verification is GitHub's: constant-time,
SHA-256 only, failing closed both ways (a secret without a signature, a signature without a
secret)."""

from __future__ import annotations

from adapters.github.signature import SIGNATURE_HEADER, sign, verify_signature

__all__ = ["SIGNATURE_HEADER", "sign", "verify_signature"]
