"""Sealing state blocks with a key derived from the actor's signing key (AES-256-GCM).

A draft advisory's description becomes public when the advisory is published, and a private
repository can be made public: a sealed block stays unreadable to anyone without the
``actor-key`` secret. Rotating the actor key makes older blocks unreadable; see
``docs/action.md`` for the rotation procedure.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bridge.core.stateblock import Seal, StateBlockError, Unseal
from bridge.httpsig.keys import PrivateKey

_AAD = b"vultron-bridge-state v1"


def sealer(key: PrivateKey) -> tuple[Seal, Unseal]:
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    secret = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"vultron-bridge",
                  info=b"state block v1").derive(der)
    aes = AESGCM(secret)

    def seal(data: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + aes.encrypt(nonce, data, _AAD)

    def unseal(data: bytes) -> bytes:
        try:
            return aes.decrypt(data[:12], data[12:], _AAD)
        except (InvalidTag, ValueError) as exc:
            raise StateBlockError(
                "the state block is sealed with another key (was the actor key rotated?)"
            ) from exc

    return seal, unseal
