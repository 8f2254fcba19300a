"""Signing keys: RSA (``rsa-v1_5-sha256`` / cavage ``rsa-sha256``) and Ed25519.

Key ids follow the fediverse convention ``{actor id}#main-key``; a peer's key is read from the
``publicKey {id, owner, publicKeyPem}`` of its actor document (or of a standalone key
document) by ``key_from_document``, which reads who the key claims as its owner. The claim
counts only when the owner's own actor document, fetched from the owner's id, lists the key
(``served_by_owner`` / ``check_listed``): a document on the owner's host is not enough.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from bridge.core.errors import AuthenticationError, ConfigurationError

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey


@dataclass(frozen=True, slots=True)
class FetchedKey:
    """A peer's public key and the actor that owns it."""

    key_id: str
    owner: str
    public_key: PublicKey


KeyLookup = Callable[[str], FetchedKey]
"""``fetch_key(key_id) -> FetchedKey``; raises a BridgeError when the key cannot be had."""


def key_id_for(actor_id: str) -> str:
    """The key id we publish for an actor: ``{actor id}#main-key``."""
    return urldefrag(actor_id)[0] + "#main-key"


def generate_rsa(bits: int = 2048) -> rsa.RSAPrivateKey:
    if bits < 2048:
        raise ValueError("RSA keys shorter than 2048 bits are not generated")
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def generate_ed25519() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def private_pem(key: PrivateKey) -> str:
    """PKCS#8 PEM, unencrypted (protect the file, not the bytes)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def public_pem(key: PrivateKey | PublicKey) -> str:
    """SubjectPublicKeyInfo PEM, as published in ``publicKey.publicKeyPem``."""
    public = key.public_key() if isinstance(key, PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_private_pem(pem: str | bytes, password: bytes | None = None) -> PrivateKey:
    """Load an RSA or Ed25519 private key; ConfigurationError otherwise (no key material echoed)."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ConfigurationError("the actor key is not a readable PEM private key") from exc
    if not isinstance(key, PrivateKey):
        raise ConfigurationError("the actor key must be RSA or Ed25519")
    return key


def load_public_pem(pem: str | bytes) -> PublicKey:
    """Load a peer's RSA or Ed25519 public key (SPKI or PKCS#1 PEM)."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise AuthenticationError("the peer's publicKeyPem is not a readable PEM key") from exc
    if not isinstance(key, PublicKey):
        raise AuthenticationError("the peer's key must be RSA or Ed25519")
    return key


def load_or_generate(path: Path, *, kind: str = "rsa") -> PrivateKey:
    """Read the key at ``path``, or generate one there (mode 0600) when the file is absent."""
    if path.exists():
        return load_key_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_new_key(path, kind=kind)


def write_new_key(path: Path, *, kind: str = "rsa") -> PrivateKey:
    """Generate a key into a new file ``path`` (mode 0600); FileExistsError when it exists,
    FileNotFoundError when its directory does not."""
    key: PrivateKey = generate_rsa() if kind == "rsa" else generate_ed25519()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(private_pem(key))
    return key


def new_key_file(path: Path, *, kind: str = "rsa") -> Path:
    """``write_new_key`` returning the path: what ``vultron-bridge keygen`` (and tests that
    configure an ``actor.key_file``) call; the bridge never creates a configured key_file."""
    write_new_key(path, kind=kind)
    return path


def load_key_file(path: Path) -> PrivateKey:
    """The private key in the file ``path``; ConfigurationError naming the path (never the
    content) when it is missing, unreadable or not a key. Never creates anything."""
    if not path.is_file():
        where = "its directory does not exist" if not path.parent.is_dir() else "no such file"
        raise ConfigurationError(f"actor.key_file {path}: {where}; fix the path, or create a "
                                 f"key with `vultron-bridge keygen {path}`")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"actor.key_file {path}: cannot read it "
                                 f"({exc.strerror or type(exc).__name__})") from None
    try:
        return load_private_pem(data)
    except ConfigurationError as exc:
        raise ConfigurationError(f"actor.key_file {path}: {exc.reason}") from None


def public_key_document(actor_id: str, key: PrivateKey) -> dict[str, str]:
    """The ``publicKey`` object to embed in our actor document."""
    return {"id": key_id_for(actor_id), "owner": actor_id, "publicKeyPem": public_pem(key)}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def key_from_document(document: Mapping[str, Any], key_id: str) -> FetchedKey:
    """Find ``key_id`` in a fetched actor or key document and read who it claims owns it.

    - An actor document (``publicKey`` object or list) owns the key listed in it: the owner is
      the document's ``id``, and a ``publicKey.owner``, when given, must say the same.
    - A standalone key document (``publicKeyPem`` at top level) names its ``owner``.

    Either way the owner must be on the same origin (scheme, host, port) as the key id, so a
    key served by one host cannot claim an actor on another. The claim is not yet proof: see
    ``served_by_owner`` and ``check_listed``.
    """
    if "publicKeyPem" in document:
        entry: Mapping[str, Any] = document
        owner = document.get("owner") or document.get("controller")
    else:
        entry = _find_entry(document.get("publicKey"), key_id)
        owner = document.get("id")
        claimed = entry.get("owner") or entry.get("controller")
        if claimed is not None and claimed != owner:
            raise AuthenticationError("the key's owner is not the actor that publishes it")
    if entry.get("id") != key_id:
        raise AuthenticationError("the fetched document does not hold the signing key id")
    if not isinstance(owner, str) or not owner:
        raise AuthenticationError("the fetched key names no owner")
    if _origin(owner) != _origin(key_id):
        raise AuthenticationError("the key and its owner are on different origins")
    pem = entry.get("publicKeyPem")
    if not isinstance(pem, str):
        raise AuthenticationError("the fetched key has no publicKeyPem")
    return FetchedKey(key_id=key_id, owner=owner, public_key=load_public_pem(pem))


def _find_entry(value: Any, key_id: str) -> Mapping[str, Any]:
    entries = value if isinstance(value, list) else [value]
    for entry in entries:
        if isinstance(entry, Mapping) and entry.get("id") == key_id:
            return entry
    raise AuthenticationError("the actor document does not list the signing key id")


def served_by_owner(document: Mapping[str, Any], fetched_from: str, key: FetchedKey) -> bool:
    """Whether ``document``, fetched from ``fetched_from`` (the key id without its fragment),
    is the owner's own actor document: the common ``{actor id}#main-key`` embedded in the actor.
    ``key_from_document`` has then already found the key listed in it; otherwise the owner's
    document must be fetched from the owner's id and given to ``check_listed``."""
    return "publicKeyPem" not in document and document.get("id") == key.owner == fetched_from


def check_listed(actor_document: Mapping[str, Any], key: FetchedKey) -> None:
    """Refuse ``key`` unless ``actor_document`` (fetched from ``key.owner``) is that actor's and
    lists ``key.key_id`` as its own ``publicKey`` (by id, or as an object with that id, alone or
    in a list). A listed object that names an owner must name this actor; one that embeds a
    ``publicKeyPem`` must hold the same key."""
    if actor_document.get("id") != key.owner or "publicKeyPem" in actor_document:
        raise AuthenticationError("the key's owner is not an actor whose document lists the key")
    value = actor_document.get("publicKey")
    for entry in value if isinstance(value, list) else [value]:
        if entry == key.key_id:
            return
        if isinstance(entry, Mapping) and entry.get("id") == key.key_id:
            claimed = entry.get("owner") or entry.get("controller")
            if claimed is not None and claimed != key.owner:
                raise AuthenticationError("the key's owner is not the actor that lists it")
            pem = entry.get("publicKeyPem")
            if isinstance(pem, str) and load_public_pem(pem) != key.public_key:
                raise AuthenticationError("the actor lists another key under the key id")
            return
    raise AuthenticationError("the key's owner does not list the key as its own")
