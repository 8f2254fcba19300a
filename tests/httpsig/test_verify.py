"""The front door: scheme detection, the owner rule, key refresh, no body echoed."""

from __future__ import annotations

import pytest

from bridge.core.errors import AuthenticationError
from bridge.httpsig import (
    FetchedKey,
    SignatureScheme,
    check_actor_owns_key,
    detect_scheme,
    verify_request,
)
from bridge.httpsig.keys import generate_rsa, key_id_for
from tests.httpsig.helpers import ALICE, BODY, INBOX, NOW, RSA_KEY, KeyRing, ring_for, signed

BOB = "https://bob.example/actors/bob"


def test_detect_scheme() -> None:
    assert detect_scheme(signed(SignatureScheme.RFC9421)) is SignatureScheme.RFC9421
    assert detect_scheme(signed(SignatureScheme.CAVAGE)) is SignatureScheme.CAVAGE
    cavage = signed(SignatureScheme.CAVAGE)
    assert detect_scheme({"authorization": "Signature " + cavage["Signature"]}) is (
        SignatureScheme.CAVAGE
    )
    assert detect_scheme({"Content-Type": "application/json"}) is None
    assert detect_scheme({"Authorization": "Bearer abc"}) is None


def test_unsigned_request_is_refused() -> None:
    with pytest.raises(AuthenticationError, match="no HTTP signature"):
        verify_request("POST", INBOX, {"Date": "x"}, BODY, fetch_key=ring_for(), now=NOW)


def test_relative_url_is_refused() -> None:
    with pytest.raises(AuthenticationError, match="absolute"):
        verify_request(
            "POST", "/inbox/", signed(SignatureScheme.CAVAGE), BODY, fetch_key=ring_for(), now=NOW
        )


@pytest.mark.parametrize("scheme", list(SignatureScheme))
def test_actor_a_signing_an_activity_by_b_is_refused(scheme: SignatureScheme) -> None:
    verified = verify_request("POST", INBOX, signed(scheme), BODY, fetch_key=ring_for(), now=NOW)
    check_actor_owns_key(ALICE, verified)
    with pytest.raises(AuthenticationError, match="does not own"):
        check_actor_owns_key(BOB, verified)
    with pytest.raises(AuthenticationError, match="does not own"):
        check_actor_owns_key(None, verified)


def test_lookup_answering_for_another_key_is_refused() -> None:
    ring = ring_for()

    def confused(key_id: str) -> FetchedKey:
        fetched = ring(key_id)
        return FetchedKey(key_id_for(BOB), fetched.owner, fetched.public_key)

    with pytest.raises(AuthenticationError, match="different key id"):
        verify_request("POST", INBOX, signed(SignatureScheme.CAVAGE), BODY,
                       fetch_key=confused, now=NOW)


@pytest.mark.parametrize("scheme", list(SignatureScheme))
def test_rotated_key_is_refreshed_once(scheme: SignatureScheme) -> None:
    stale = KeyRing()
    stale.add(ALICE, generate_rsa())  # the cache still holds Alice's old key
    fresh = ring_for(RSA_KEY)
    verified = verify_request(
        "POST", INBOX, signed(scheme), BODY, fetch_key=stale, refresh_key=fresh, now=NOW
    )
    assert verified.owner == ALICE
    assert len(stale.calls) == 1 and len(fresh.calls) == 1


def test_without_refresh_a_stale_key_fails() -> None:
    stale = KeyRing()
    stale.add(ALICE, generate_rsa())
    with pytest.raises(AuthenticationError, match="does not verify"):
        verify_request("POST", INBOX, signed(SignatureScheme.RFC9421), BODY,
                       fetch_key=stale, now=NOW)


def test_refresh_returning_the_same_key_is_not_retried() -> None:
    ring = ring_for()
    headers = signed(SignatureScheme.CAVAGE)
    headers["Digest"] = signed(SignatureScheme.CAVAGE, body=b"x")["Digest"]
    with pytest.raises(AuthenticationError):
        verify_request("POST", INBOX, headers, b"x", fetch_key=ring, refresh_key=ring, now=NOW)
    assert len(ring.calls) == 2  # the lookup and one refresh, nothing more


def test_failures_never_echo_the_body() -> None:
    secret = b'{"content": "CVE-embargoed-details-XYZ"}'
    cases = [
        signed(SignatureScheme.CAVAGE),
        signed(SignatureScheme.RFC9421),
        {"Signature-Input": 'sig1=("@method");created=1', "Signature": "sig1=:AA==:"},
    ]
    for headers in cases:
        with pytest.raises(AuthenticationError) as info:
            verify_request("POST", INBOX, headers, secret, fetch_key=ring_for(), now=NOW)
        assert "CVE-embargoed" not in str(info.value)
