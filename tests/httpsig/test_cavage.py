"""draft-cavage-12: the draft's own examples, round trips, and every tamper case refused."""

from __future__ import annotations

import base64

import pytest

from bridge.core.errors import AuthenticationError
from bridge.httpsig import FetchedKey, SignatureScheme, VerifyPolicy, algorithms, verify_request
from bridge.httpsig.cavage import parse_signature_header, sign_cavage, signing_string
from bridge.httpsig.message import RequestView
from tests.httpsig import vectors as v
from tests.httpsig.helpers import ALICE, BODY, ED_KEY, INBOX, NOW, RSA_KEY, ring_for, signed

OLD_KEYS = VerifyPolicy(min_rsa_bits=1024)  # the draft's test key is 1024-bit


def _draft_key(key_id: str) -> FetchedKey:
    return FetchedKey(key_id, "https://example.com/actor", v.CAVAGE_PUBLIC)


def _view() -> RequestView:
    return RequestView.build("POST", v.CAVAGE_URL, v.CAVAGE_HEADERS, v.CAVAGE_BODY)


def test_c2_basic_signature_is_reproduced() -> None:
    expected = parse_signature_header(v.CAVAGE_BASIC)
    value = sign_cavage(_view(), "Test", v.CAVAGE_PRIVATE, ["(request-target)", "host", "date"])
    assert value == v.CAVAGE_BASIC
    assert parse_signature_header(value).signature == expected.signature


def test_c2_signing_string() -> None:
    data = signing_string(_view(), ["(request-target)", "host", "date"])
    assert data == (
        b"(request-target): post /foo?param=value&pet=dog\nhost: example.com\n"
        b"date: Sun, 05 Jan 2014 21:31:40 GMT"
    )


def test_c3_all_headers_verifies_through_the_front_door() -> None:
    headers = v.CAVAGE_HEADERS + [("Signature", v.CAVAGE_ALL)]
    verified = verify_request(
        "POST",
        v.CAVAGE_URL,
        headers,
        v.CAVAGE_BODY,
        fetch_key=_draft_key,
        now=v.CAVAGE_DATE_EPOCH + 60,
        policy=OLD_KEYS,
    )
    assert verified.scheme is SignatureScheme.CAVAGE
    assert verified.algorithm == "rsa-v1_5-sha256"
    assert verified.key_id == "Test"


def test_c3_in_an_authorization_header_verifies() -> None:
    headers = v.CAVAGE_HEADERS + [("Authorization", "Signature " + v.CAVAGE_ALL)]
    verify_request(
        "POST",
        v.CAVAGE_URL,
        headers,
        v.CAVAGE_BODY,
        fetch_key=_draft_key,
        now=v.CAVAGE_DATE_EPOCH,
        policy=OLD_KEYS,
    )


def test_c2_basic_is_refused_for_a_body_because_digest_is_not_signed() -> None:
    headers = v.CAVAGE_HEADERS + [("Signature", v.CAVAGE_BASIC)]
    with pytest.raises(AuthenticationError, match="does not cover digest"):
        verify_request(
            "POST",
            v.CAVAGE_URL,
            headers,
            v.CAVAGE_BODY,
            fetch_key=_draft_key,
            now=v.CAVAGE_DATE_EPOCH,
            policy=OLD_KEYS,
        )


def test_the_drafts_1024_bit_key_is_refused_by_default() -> None:
    headers = v.CAVAGE_HEADERS + [("Signature", v.CAVAGE_ALL)]
    with pytest.raises(AuthenticationError, match="shorter than 2048"):
        verify_request(
            "POST",
            v.CAVAGE_URL,
            headers,
            v.CAVAGE_BODY,
            fetch_key=_draft_key,
            now=v.CAVAGE_DATE_EPOCH,
        )


@pytest.mark.parametrize("key", [RSA_KEY, ED_KEY], ids=["rsa-sha256", "hs2019-ed25519"])
def test_round_trip(key: object) -> None:
    assert key is RSA_KEY or key is ED_KEY
    headers = signed(SignatureScheme.CAVAGE, key)
    parsed = parse_signature_header(headers["Signature"])
    assert parsed.headers == ("(request-target)", "host", "date", "digest", "content-type")
    assert parsed.algorithm == ("rsa-sha256" if key is RSA_KEY else "hs2019")
    verified = verify_request("POST", INBOX, headers, BODY, fetch_key=ring_for(key), now=NOW)
    assert verified.owner == ALICE


# --- tamper cases ---------------------------------------------------------------------------


def _verify(
    headers: dict[str, str], *, body: bytes = BODY, now: float = NOW, url: str = INBOX
) -> None:
    verify_request("POST", url, headers, body, fetch_key=ring_for(), now=now)


def _hand_signed(covered: list[str], algorithm: str = "rsa-sha256") -> dict[str, str]:
    headers = signed(SignatureScheme.CAVAGE)
    view = RequestView.build("POST", INBOX, headers, BODY)
    raw = algorithms.sign("rsa-v1_5-sha256", RSA_KEY, signing_string(view, covered))
    headers["Signature"] = (
        f'keyId="{ALICE}#main-key",algorithm="{algorithm}",headers="{" ".join(covered)}",'
        f'signature="{base64.b64encode(raw).decode()}"'
    )
    return headers


def test_body_changed_is_refused() -> None:
    with pytest.raises(AuthenticationError, match="Digest header does not match"):
        _verify(signed(SignatureScheme.CAVAGE), body=b'{"type": "Delete"}')


def test_digest_replaced_to_match_a_new_body_is_refused() -> None:
    headers = signed(SignatureScheme.CAVAGE, body=b"{}")
    headers["Digest"] = signed(SignatureScheme.CAVAGE)["Digest"]
    with pytest.raises(AuthenticationError, match="does not verify"):
        _verify(headers)


def test_digest_not_signed_is_refused() -> None:
    with pytest.raises(AuthenticationError, match="does not cover digest"):
        _verify(_hand_signed(["(request-target)", "host", "date"]))


def test_request_target_not_signed_is_refused() -> None:
    with pytest.raises(AuthenticationError, match=r"does not cover \(request-target\)"):
        _verify(_hand_signed(["host", "date", "digest"]))


@pytest.mark.parametrize("missing", ["host", "date"])
def test_host_and_date_must_be_signed(missing: str) -> None:
    covered = [h for h in ["(request-target)", "host", "date", "digest"] if h != missing]
    with pytest.raises(AuthenticationError, match=f"does not cover {missing}"):
        _verify(_hand_signed(covered))


@pytest.mark.parametrize("offset", [-7200, 7200], ids=["2h-old", "2h-ahead"])
def test_date_outside_the_window_is_refused(offset: int) -> None:
    with pytest.raises(AuthenticationError, match="Date header"):
        _verify(signed(SignatureScheme.CAVAGE, now=NOW + offset))


def test_date_inside_a_wider_window_is_accepted() -> None:
    headers = signed(SignatureScheme.CAVAGE, now=NOW - 500)
    verify_request(
        "POST",
        INBOX,
        headers,
        BODY,
        fetch_key=ring_for(),
        now=NOW,
        policy=VerifyPolicy(date_window=600),
    )


def test_unreadable_date_is_refused() -> None:
    headers = signed(SignatureScheme.CAVAGE)
    headers["Date"] = "yesterday"
    with pytest.raises(AuthenticationError, match="not an HTTP date"):
        _verify(headers)


@pytest.mark.parametrize("algorithm", ["rsa-sha1", "hmac-sha256", "hmac-sha512"])
def test_weak_algorithms_are_refused(algorithm: str) -> None:
    covered = ["(request-target)", "host", "date", "digest"]
    with pytest.raises(AuthenticationError, match="refused"):
        _verify(_hand_signed(covered, algorithm))


def test_unknown_algorithm_is_refused() -> None:
    covered = ["(request-target)", "host", "date", "digest"]
    with pytest.raises(AuthenticationError, match="not supported"):
        _verify(_hand_signed(covered, "rsa-md5-custom"))


def test_signature_for_another_host_is_refused() -> None:
    headers = signed(SignatureScheme.CAVAGE, url="https://elsewhere.example/actors/vendor/inbox/")
    with pytest.raises(AuthenticationError, match="does not verify"):
        _verify(headers)


def test_host_comes_from_the_public_url_not_a_rewritten_host_header() -> None:
    headers = signed(SignatureScheme.CAVAGE)
    headers["Host"] = "127.0.0.1:8000"  # what a TLS-terminating proxy might forward
    _verify(headers)


def test_signed_header_missing_from_the_request_is_refused() -> None:
    headers = signed(SignatureScheme.CAVAGE)
    del headers["Content-Type"]
    with pytest.raises(AuthenticationError, match="content-type is missing"):
        _verify(headers)


@pytest.mark.parametrize(
    "value",
    [
        'keyId="k",headers="date"',
        'signature="AAAA"',
        'keyId="k",signature="not base64!"',
        'keyId="k" signature="AAAA"',
        'keyId="k",created=abc,signature="AAAA"',
    ],
)
def test_malformed_headers_are_refused(value: str) -> None:
    with pytest.raises(AuthenticationError):
        parse_signature_header(value)


def test_created_and_expires_pseudo_headers() -> None:
    headers = signed(SignatureScheme.CAVAGE)
    view = RequestView.build("POST", INBOX, headers, BODY)
    covered = ["(request-target)", "(created)", "(expires)", "host", "date", "digest"]
    created, expires = int(NOW) - 5, int(NOW) + 60
    raw = algorithms.sign(
        "rsa-v1_5-sha256", RSA_KEY, signing_string(view, covered, created, expires)
    )
    base = (
        f'keyId="{ALICE}#main-key",algorithm="hs2019",created={created},expires={{e}},'
        f'headers="{" ".join(covered)}",signature="{base64.b64encode(raw).decode()}"'
    )
    headers["Signature"] = base.format(e=expires)
    _verify(headers)
    with pytest.raises(AuthenticationError, match="expired"):
        _verify(headers, now=NOW + 120)
