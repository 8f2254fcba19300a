"""RFC 9421: the RFC's own test vectors, round trips, and every tamper case refused."""

from __future__ import annotations

import base64

import pytest

from bridge.core.errors import AuthenticationError
from bridge.httpsig import FetchedKey, SignatureScheme, VerifyPolicy, algorithms, verify_request
from bridge.httpsig.message import RequestView
from bridge.httpsig.rfc9421 import sign_rfc9421, signature_base
from bridge.httpsig.sfv import InnerList, Item, Params, serialize_inner_list
from tests.httpsig import vectors as v
from tests.httpsig.helpers import ALICE, BODY, ED_KEY, INBOX, NOW, RSA_KEY, ring_for, signed


def _rfc_key(key_id: str) -> FetchedKey:
    if key_id == "test-key-ed25519":
        return FetchedKey(key_id, "https://example.com/a", v.ED25519_PRIVATE.public_key())
    return FetchedKey(key_id, "https://example.com/a", v.RSA_PSS_PUBLIC)


# --- known answers ----------------------------------------------------------------------------


def test_b26_signature_base_is_the_rfcs() -> None:
    view = RequestView.build("POST", v.RFC_URL, v.RFC_HEADERS, v.RFC_BODY)
    covered = InnerList(
        tuple(
            Item(n)
            for n in ("date", "@method", "@path", "@authority", "content-type", "content-length")
        ),
        {"created": v.RFC_CREATED, "keyid": "test-key-ed25519"},
    )
    assert signature_base(view, covered).decode() == v.B26_BASE


def test_b26_ed25519_signing_reproduces_the_rfcs_signature() -> None:
    view = RequestView.build("POST", v.RFC_URL, v.RFC_HEADERS, v.RFC_BODY)
    signature_input, signature = sign_rfc9421(
        view,
        "test-key-ed25519",
        v.ED25519_PRIVATE,
        created=v.RFC_CREATED,
        components=("date", "@method", "@path", "@authority", "content-type", "content-length"),
        label="sig-b26",
        include_alg=False,
    )
    assert signature_input == v.B26_INPUT
    assert signature == v.B26_SIGNATURE


def test_b26_verifies_for_a_bodyless_request() -> None:
    # B.2.6 covers no content-digest, which the policy only allows when there is no body.
    headers = v.RFC_HEADERS + [("Signature-Input", v.B26_INPUT), ("Signature", v.B26_SIGNATURE)]
    verified = verify_request(
        "POST", v.RFC_URL, headers, b"", fetch_key=_rfc_key, now=v.RFC_CREATED + 3
    )
    assert verified.algorithm == "ed25519"
    assert verified.key_id == "test-key-ed25519"
    assert verified.scheme is SignatureScheme.RFC9421


def test_b26_with_a_body_is_refused_because_content_digest_is_not_covered() -> None:
    headers = v.RFC_HEADERS + [("Signature-Input", v.B26_INPUT), ("Signature", v.B26_SIGNATURE)]
    with pytest.raises(AuthenticationError, match="content-digest"):
        verify_request(
            "POST", v.RFC_URL, headers, v.RFC_BODY, fetch_key=_rfc_key, now=v.RFC_CREATED
        )


def test_b23_rsa_pss_full_coverage_verifies_through_the_front_door() -> None:
    headers = v.RFC_HEADERS + [("Signature-Input", v.B23_INPUT), ("Signature", v.B23_SIGNATURE)]
    verified = verify_request(
        "POST", v.RFC_URL, headers, v.RFC_BODY, fetch_key=_rfc_key, now=v.RFC_CREATED + 10
    )
    assert verified.algorithm == "rsa-pss-sha512"
    assert "@query" in verified.covered


def test_b23_with_a_flipped_signature_byte_is_refused() -> None:
    raw = bytearray(base64.b64decode(v.B23_SIGNATURE.split(":")[1]))
    raw[10] ^= 1
    bad = "sig-b23=:" + base64.b64encode(bytes(raw)).decode() + ":"
    headers = v.RFC_HEADERS + [("Signature-Input", v.B23_INPUT), ("Signature", bad)]
    with pytest.raises(AuthenticationError, match="does not verify"):
        verify_request(
            "POST", v.RFC_URL, headers, v.RFC_BODY, fetch_key=_rfc_key, now=v.RFC_CREATED
        )


def test_b23_with_a_changed_body_fails_the_content_digest() -> None:
    headers = v.RFC_HEADERS + [("Signature-Input", v.B23_INPUT), ("Signature", v.B23_SIGNATURE)]
    with pytest.raises(AuthenticationError, match="Content-Digest header does not match"):
        verify_request(
            "POST",
            v.RFC_URL,
            headers,
            b'{"hello": "World"}',
            fetch_key=_rfc_key,
            now=v.RFC_CREATED,
        )


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [RSA_KEY, ED_KEY], ids=["rsa", "ed25519"])
def test_round_trip(key: object) -> None:
    assert key is RSA_KEY or key is ED_KEY
    headers = signed(SignatureScheme.RFC9421, key)
    assert headers["Signature-Input"].startswith('sig1=("@method" "@target-uri" "content-digest"')
    verified = verify_request("POST", INBOX, headers, BODY, fetch_key=ring_for(key), now=NOW + 30)
    assert verified.owner == ALICE
    assert verified.algorithm == ("ed25519" if key is ED_KEY else "rsa-v1_5-sha256")


def test_headers_are_case_insensitive_and_may_repeat() -> None:
    headers = [(k.upper(), val) for k, val in signed(SignatureScheme.RFC9421).items()]
    verify_request("POST", INBOX, headers, BODY, fetch_key=ring_for(), now=NOW)


# --- tamper cases ---------------------------------------------------------------------------


def _verify(
    headers: dict[str, str], *, body: bytes = BODY, url: str = INBOX, now: float = NOW
) -> None:
    verify_request("POST", url, headers, body, fetch_key=ring_for(), now=now)


def _hand_signed(
    components: tuple[str, ...], params: Params, *, body: bytes = BODY
) -> dict[str, str]:
    """Sign with arbitrary coverage and parameters (what a careless or hostile peer sends)."""
    headers = signed(SignatureScheme.RFC9421, body=body)
    view = RequestView.build("POST", INBOX, headers, body)
    covered = InnerList(tuple(Item(c) for c in components), params)
    sig = algorithms.sign("rsa-v1_5-sha256", RSA_KEY, signature_base(view, covered))
    headers["Signature-Input"] = "sig1=" + serialize_inner_list(covered)
    headers["Signature"] = "sig1=:" + base64.b64encode(sig).decode() + ":"
    return headers


KEY_ID = ALICE + "#main-key"
FULL = ("@method", "@target-uri", "content-digest", "content-type", "date")


def test_hand_signed_full_coverage_verifies() -> None:
    _verify(_hand_signed(FULL, {"created": int(NOW), "keyid": KEY_ID}))


def test_body_changed_is_refused() -> None:
    with pytest.raises(AuthenticationError, match="Content-Digest header does not match"):
        _verify(signed(SignatureScheme.RFC9421), body=BODY + b" ")


def test_content_digest_header_replaced_to_match_a_new_body_is_refused() -> None:
    headers = signed(SignatureScheme.RFC9421, body=b'{"other": 1}')
    headers["Content-Digest"] = signed(SignatureScheme.RFC9421)["Content-Digest"]
    with pytest.raises(AuthenticationError, match="does not verify"):
        _verify(headers)


def test_content_digest_not_covered_is_refused() -> None:
    headers = _hand_signed(
        ("@method", "@target-uri", "date"), {"created": int(NOW), "keyid": KEY_ID}
    )
    with pytest.raises(AuthenticationError, match="does not cover content-digest"):
        _verify(headers)


@pytest.mark.parametrize(
    "components",
    [
        ("@method", "content-digest", "date"),
        ("@method", "@authority", "content-digest"),
        ("@method", "@path", "content-digest"),
    ],
)
def test_target_not_covered_is_refused(components: tuple[str, ...]) -> None:
    headers = _hand_signed(components, {"created": int(NOW), "keyid": KEY_ID})
    with pytest.raises(AuthenticationError, match="@target-uri"):
        _verify(headers)


def test_authority_and_path_together_stand_for_the_target() -> None:
    headers = _hand_signed(
        ("@method", "@authority", "@path", "content-digest"), {"created": int(NOW), "keyid": KEY_ID}
    )
    _verify(headers)


def test_method_not_covered_is_refused() -> None:
    headers = _hand_signed(
        ("@target-uri", "content-digest"), {"created": int(NOW), "keyid": KEY_ID}
    )
    with pytest.raises(AuthenticationError, match="@method"):
        _verify(headers)


def test_created_missing_is_refused() -> None:
    with pytest.raises(AuthenticationError, match="no created"):
        _verify(_hand_signed(FULL, {"keyid": KEY_ID}))


@pytest.mark.parametrize("offset", [-7200, 7200], ids=["2h-old", "2h-ahead"])
def test_created_outside_the_window_is_refused(offset: int) -> None:
    headers = signed(SignatureScheme.RFC9421, now=NOW + offset)
    with pytest.raises(AuthenticationError, match="created time"):
        _verify(headers)


def test_date_header_outside_the_window_is_refused_even_with_fresh_created() -> None:
    headers = _hand_signed(FULL, {"created": int(NOW), "keyid": KEY_ID})
    headers["Date"] = "Tue, 20 Apr 2021 02:07:55 GMT"
    with pytest.raises(AuthenticationError, match="Date header is too old"):
        _verify(headers)


def test_expired_signature_is_refused() -> None:
    headers = _hand_signed(
        FULL, {"created": int(NOW) - 10, "expires": int(NOW) - 1, "keyid": KEY_ID}
    )
    with pytest.raises(AuthenticationError, match="expired"):
        _verify(headers)


@pytest.mark.parametrize("alg", ["hmac-sha256", "rsa-sha1", "ecdsa-sha1"])
def test_weak_algorithms_are_refused(alg: str) -> None:
    headers = _hand_signed(FULL, {"created": int(NOW), "keyid": KEY_ID, "alg": alg})
    with pytest.raises(AuthenticationError, match="refused"):
        _verify(headers)


def test_alg_that_does_not_fit_the_key_is_refused() -> None:
    headers = _hand_signed(FULL, {"created": int(NOW), "keyid": KEY_ID, "alg": "ed25519"})
    with pytest.raises(AuthenticationError, match="does not fit the key type"):
        _verify(headers)


def test_signature_for_another_url_is_refused() -> None:
    headers = signed(SignatureScheme.RFC9421, url="https://elsewhere.example/inbox/")
    with pytest.raises(AuthenticationError, match="does not verify"):
        _verify(headers)


def test_signature_by_another_key_is_refused() -> None:
    headers = signed(SignatureScheme.RFC9421, ED_KEY)
    with pytest.raises(AuthenticationError):
        _verify(headers)  # the key ring holds Alice's RSA key


def test_first_adequate_label_is_used() -> None:
    good = signed(SignatureScheme.RFC9421)
    weak = _hand_signed(("@method",), {"created": int(NOW), "keyid": KEY_ID})
    headers = dict(good)
    headers["Signature-Input"] = (
        weak["Signature-Input"].replace("sig1=", "weak=") + ", " + good["Signature-Input"]
    )
    headers["Signature"] = weak["Signature"].replace("sig1=", "weak=") + ", " + good["Signature"]
    _verify(headers)


def test_component_parameters_are_refused() -> None:
    headers = signed(SignatureScheme.RFC9421)
    headers["Signature-Input"] = headers["Signature-Input"].replace('"date"', '"date";sf')
    with pytest.raises(AuthenticationError, match="component parameters"):
        _verify(headers)


def test_signature_label_missing_from_signature_header_is_refused() -> None:
    headers = signed(SignatureScheme.RFC9421)
    headers["Signature"] = headers["Signature"].replace("sig1=", "other=")
    with pytest.raises(AuthenticationError, match="no byte value for sig1"):
        _verify(headers)


def test_a_short_rsa_key_is_refused() -> None:
    headers = v.RFC_HEADERS + [("Signature-Input", v.B23_INPUT), ("Signature", v.B23_SIGNATURE)]
    with pytest.raises(AuthenticationError, match="shorter than 4096"):
        verify_request(
            "POST",
            v.RFC_URL,
            headers,
            v.RFC_BODY,
            fetch_key=_rfc_key,
            now=v.RFC_CREATED,
            policy=VerifyPolicy(min_rsa_bits=4096),
        )
