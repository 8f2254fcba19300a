"""X-Hub-Signature-256: the published known answer, forgeries, and fail-closed both ways."""

from __future__ import annotations

import pytest

from adapters.github.signature import sign, verify_signature
from bridge.core.errors import AuthenticationError

BODY = b'{"action":"opened","zen":"Keep it logically awesome."}'
SECRET = "s3cret"


def test_githubs_published_known_answer_vector() -> None:
    # docs.github.com "Validating webhook deliveries": test values
    assert sign("It's a Secret to Everybody", b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_a_correct_signature_verifies() -> None:
    verify_signature({"X-Hub-Signature-256": sign(SECRET, BODY)}, BODY, [SECRET])


def test_header_names_are_case_insensitive() -> None:
    verify_signature({"x-hub-SIGNATURE-256": sign(SECRET, BODY)}, BODY, [SECRET])


def test_upper_case_hex_digest_is_the_same_signature() -> None:
    sig = sign(SECRET, BODY)
    verify_signature({"X-Hub-Signature-256": "sha256=" + sig[7:].upper()}, BODY, [SECRET])


def test_any_of_several_secrets_is_accepted_during_rotation() -> None:
    verify_signature({"X-Hub-Signature-256": sign("new", BODY)}, BODY, ["old", "new"])
    verify_signature({"X-Hub-Signature-256": sign("old", BODY)}, BODY, ["old", "new"])


def _flipped(body: bytes) -> bytes:
    return body[:10] + bytes([body[10] ^ 0x01]) + body[11:]


@pytest.mark.parametrize(
    ("name", "headers", "body", "secrets", "reason"),
    [
        ("wrong secret", {"X-Hub-Signature-256": sign("other", BODY)}, BODY, [SECRET], "match"),
        (
            "body byte flipped",
            {"X-Hub-Signature-256": sign(SECRET, BODY)},
            _flipped(BODY),
            [SECRET],
            "match",
        ),
        (
            "truncated signature",
            {"X-Hub-Signature-256": sign(SECRET, BODY)[:-2]},
            BODY,
            [SECRET],
            "malformed",
        ),
        (
            "no sha256= prefix",
            {"X-Hub-Signature-256": sign(SECRET, BODY)[7:]},
            BODY,
            [SECRET],
            "malformed",
        ),
        (
            "non-hex digest",
            {"X-Hub-Signature-256": "sha256=" + "zé" * 32},
            BODY,
            [SECRET],
            "malformed",
        ),
        (
            "SHA-1 only",
            {"X-Hub-Signature": "sha1=0123456789abcdef0123456789abcdef01234567"},
            BODY,
            [SECRET],
            "SHA-1",
        ),
        ("signature missing", {}, BODY, [SECRET], "no X-Hub-Signature-256"),
        (
            "signed but no secret configured",
            {"X-Hub-Signature-256": sign(SECRET, BODY)},
            BODY,
            [],
            "no webhook secret",
        ),
        ("unsigned and no secret configured", {}, BODY, [], "no webhook secret"),
        (
            "empty secret is no secret",
            {"X-Hub-Signature-256": sign("", BODY)},
            BODY,
            [""],
            "no webhook secret",
        ),
    ],
)
def test_forged_missing_or_unverifiable_signatures_are_refused(
    name: str, headers: dict[str, str], body: bytes, secrets: list[str], reason: str
) -> None:
    with pytest.raises(AuthenticationError) as info:
        verify_signature(headers, body, secrets)
    assert reason in info.value.reason
    assert SECRET not in info.value.reason and "awesome" not in info.value.reason
