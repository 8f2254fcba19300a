"""Key generation, PEM in and out, key ids, and reading a key (and its owner) from a document."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from bridge.core.errors import AuthenticationError, ConfigurationError
from bridge.httpsig.keys import (
    generate_ed25519,
    generate_rsa,
    key_from_document,
    key_id_for,
    load_or_generate,
    load_private_pem,
    load_public_pem,
    private_pem,
    public_key_document,
    public_pem,
)

ACTOR = "https://peer.example/actors/vendor"
KEY_ID = ACTOR + "#main-key"
RSA = generate_rsa()
ED = generate_ed25519()


def test_key_id_convention() -> None:
    assert key_id_for(ACTOR) == KEY_ID
    assert key_id_for(ACTOR + "#x") == KEY_ID


@pytest.mark.parametrize("key", [RSA, ED], ids=["rsa", "ed25519"])
def test_pem_round_trip(key: Any) -> None:
    again = load_private_pem(private_pem(key))
    assert public_pem(again) == public_pem(key)
    assert load_public_pem(public_pem(key)) == key.public_key()
    assert private_pem(key).startswith("-----BEGIN PRIVATE KEY-----")


def test_short_rsa_keys_are_not_generated() -> None:
    with pytest.raises(ValueError):
        generate_rsa(1024)


def test_unreadable_keys_are_refused_without_echo() -> None:
    with pytest.raises(ConfigurationError) as info:
        load_private_pem("-----BEGIN PRIVATE KEY-----\nsecretbits\n-----END PRIVATE KEY-----\n")
    assert "secretbits" not in info.value.reason
    with pytest.raises(AuthenticationError):
        load_public_pem("nope")


def test_load_or_generate_creates_a_private_file_then_reuses_it(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "actor.pem"
    first = load_or_generate(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public_pem(load_or_generate(path)) == public_pem(first)
    ed = load_or_generate(tmp_path / "ed.pem", kind="ed25519")
    assert public_pem(load_or_generate(tmp_path / "ed.pem")) == public_pem(ed)


def _actor(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": ACTOR,
        "type": "Organization",
        "publicKey": public_key_document(ACTOR, RSA),
    }
    doc.update(overrides)
    return doc


def test_key_from_an_actor_document() -> None:
    fetched = key_from_document(_actor(), KEY_ID)
    assert fetched.owner == ACTOR
    assert fetched.public_key == RSA.public_key()


def test_key_from_a_list_of_keys() -> None:
    other = {"id": ACTOR + "#other", "owner": ACTOR, "publicKeyPem": public_pem(ED)}
    doc = _actor(publicKey=[other, public_key_document(ACTOR, RSA)])
    assert key_from_document(doc, KEY_ID).public_key == RSA.public_key()
    assert key_from_document(doc, ACTOR + "#other").public_key == ED.public_key()


def test_standalone_key_document() -> None:
    doc = {"id": "https://peer.example/keys/1", "owner": ACTOR, "publicKeyPem": public_pem(ED)}
    assert key_from_document(doc, "https://peer.example/keys/1").owner == ACTOR


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (
            _actor(publicKey={"id": ACTOR + "#other", "publicKeyPem": public_pem(RSA)}),
            "does not list",
        ),
        (
            _actor(
                publicKey={**public_key_document(ACTOR, RSA), "owner": "https://peer.example/x"}
            ),
            "not the actor",
        ),
        (_actor(publicKey={"id": KEY_ID, "owner": ACTOR}), "no publicKeyPem"),
        (_actor(id=None, publicKey={"id": KEY_ID, "publicKeyPem": public_pem(RSA)}), "no owner"),
        (
            {
                "id": KEY_ID,
                "owner": "https://victim.example/actors/ceo",
                "publicKeyPem": public_pem(RSA),
            },
            "different origins",
        ),
        (
            {"id": "https://peer.example/keys/2", "owner": ACTOR, "publicKeyPem": public_pem(RSA)},
            "does not hold",
        ),
        (
            _actor(publicKey={"id": KEY_ID, "owner": ACTOR, "publicKeyPem": "garbage"}),
            "not a readable",
        ),
    ],
)
def test_documents_that_do_not_prove_ownership_are_refused(
    document: dict[str, Any], reason: str
) -> None:
    with pytest.raises(AuthenticationError, match=reason):
        key_from_document(document, KEY_ID)


def test_actor_on_another_origin_than_its_key_is_refused() -> None:
    doc = _actor(
        id="https://other.example/actors/vendor",
        publicKey={"id": KEY_ID, "publicKeyPem": public_pem(RSA)},
    )
    with pytest.raises(AuthenticationError, match="different origins"):
        key_from_document(doc, KEY_ID)
