"""X-Gitlab-Token and Standard Webhooks verification: fail closed, rotate, tolerate clocks."""

from __future__ import annotations

import pytest

from adapters.gitlab.signature import (
    decode_signing_key,
    sign_standard_webhook,
    verify_standard_webhook,
)
from adapters.gitlab.webhooks import parse_webhook
from bridge.core.errors import AuthenticationError, ConfigurationError
from tests.adapters.gitlab.helpers import NOW, SIGNING_KEY, TOKEN, body_of, payload, signed_headers

BODY = body_of(payload("issue_open.json"))
EVENT = {"X-Gitlab-Event": "Issue Hook"}


def _parse(headers: dict[str, str], **kw: object) -> object:
    return parse_webhook(headers, BODY, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "token",
    [None, "", "wrong", TOKEN.upper(), TOKEN + " ", TOKEN[:-1]],
    ids=["missing", "empty", "wrong", "wrong-case", "trailing-space", "prefix"],
)
def test_bad_token_is_refused(token: str | None) -> None:
    headers = dict(EVENT)
    if token is not None:
        headers["X-Gitlab-Token"] = token
    with pytest.raises(AuthenticationError):
        _parse(headers, tokens=[TOKEN])


def test_header_names_are_case_insensitive() -> None:
    result = _parse({"x-gitlab-event": "Issue Hook", "X-GITLAB-TOKEN": TOKEN}, tokens=[TOKEN])
    assert result.events  # type: ignore[attr-defined]


def test_no_secret_configured_fails_closed() -> None:
    with pytest.raises(AuthenticationError, match="configured"):
        _parse({**EVENT, "X-Gitlab-Token": TOKEN})
    with pytest.raises(AuthenticationError):
        _parse({**EVENT, "X-Gitlab-Token": ""}, tokens=[""])


def test_two_tokens_during_rotation_are_both_accepted() -> None:
    for presented in ("old-token", "new-token"):
        result = _parse({**EVENT, "X-Gitlab-Token": presented}, tokens=["old-token", "new-token"])
        assert result.events  # type: ignore[attr-defined]
    with pytest.raises(AuthenticationError):
        _parse({**EVENT, "X-Gitlab-Token": "older-token"}, tokens=["old-token", "new-token"])


def test_signed_delivery_verifies_without_token() -> None:
    result = _parse({**EVENT, **signed_headers(BODY)}, signing_keys=[SIGNING_KEY], now=NOW)
    assert result.delivery_id == "msg_1"  # type: ignore[attr-defined]


@pytest.mark.parametrize("skew", [-301, 301, 10_000])
def test_stale_or_future_signature_is_refused(skew: int) -> None:
    headers = {**EVENT, **signed_headers(BODY, timestamp=NOW + skew)}
    with pytest.raises(AuthenticationError, match="webhook-timestamp"):
        _parse(headers, signing_keys=[SIGNING_KEY], now=NOW)


def test_signature_within_tolerance_is_accepted() -> None:
    headers = {**EVENT, **signed_headers(BODY, timestamp=NOW - 299)}
    assert _parse(headers, signing_keys=[SIGNING_KEY], now=NOW).events  # type: ignore[attr-defined]


def test_bad_signature_is_refused() -> None:
    other = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
    cases = [
        signed_headers(BODY, key=other),  # another key
        {**signed_headers(BODY), "webhook-signature": "v1,AAAA"},
        {
            **signed_headers(BODY),
            "webhook-signature": "v2," + signed_headers(BODY)["webhook-signature"].split(",", 1)[1],
        },
        {**signed_headers(BODY), "webhook-id": "msg_2"},  # id is signed too
        {k: v for k, v in signed_headers(BODY).items() if k != "webhook-signature"},
        {"webhook-id": "msg_1", "webhook-timestamp": "soon", "webhook-signature": "v1,AAAA"},
    ]
    for headers in cases:
        with pytest.raises(AuthenticationError):
            _parse({**EVENT, **headers}, signing_keys=[SIGNING_KEY], now=NOW)
    tampered = signed_headers(BODY)
    with pytest.raises(AuthenticationError):
        parse_webhook({**EVENT, **tampered}, BODY + b" ", signing_keys=[SIGNING_KEY], now=NOW)


def test_one_of_several_signatures_may_match() -> None:
    good = signed_headers(BODY)
    headers = {**good, "webhook-signature": "v1,bm9wZQ== " + good["webhook-signature"]}
    assert _parse({**EVENT, **headers}, signing_keys=[SIGNING_KEY], now=NOW).events  # type: ignore[attr-defined]


def test_token_and_signature_both_required_when_both_configured() -> None:
    signed = signed_headers(BODY)
    ok = _parse(
        {**EVENT, **signed, "X-Gitlab-Token": TOKEN},
        tokens=[TOKEN],
        signing_keys=[SIGNING_KEY],
        now=NOW,
    )
    assert ok.events  # type: ignore[attr-defined]
    with pytest.raises(AuthenticationError):
        _parse({**EVENT, **signed}, tokens=[TOKEN], signing_keys=[SIGNING_KEY], now=NOW)
    with pytest.raises(AuthenticationError):
        _parse(
            {**EVENT, "X-Gitlab-Token": TOKEN}, tokens=[TOKEN], signing_keys=[SIGNING_KEY], now=NOW
        )


def test_signing_needs_the_current_time_and_a_wellformed_key() -> None:
    with pytest.raises(ConfigurationError, match="now"):
        _parse({**EVENT, **signed_headers(BODY)}, signing_keys=[SIGNING_KEY])
    for bad in ("nokeyprefix", "whsec_***", "whsec_c2hvcnQ="):
        with pytest.raises(ConfigurationError):
            decode_signing_key(bad)


def test_signature_matches_the_standard_webhooks_reference_vector() -> None:
    """The example from the Standard Webhooks specification (and its reference libraries)."""
    key = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    msg_id, stamp = "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330"
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert sign_standard_webhook(key, msg_id, stamp, body) == expected
    verify_standard_webhook(
        msg_id=msg_id, timestamp=stamp, signature=expected, body=body, keys=[key], now=1614265330.0
    )


def test_a_bare_string_is_not_a_list_of_tokens() -> None:
    with pytest.raises(ConfigurationError, match="list"):
        _parse({**EVENT, "X-Gitlab-Token": TOKEN[0]}, tokens=TOKEN)
    with pytest.raises(ConfigurationError, match="list"):
        _parse({**EVENT, **signed_headers(BODY)}, signing_keys=SIGNING_KEY, now=NOW)
