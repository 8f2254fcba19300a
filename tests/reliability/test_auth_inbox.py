"""Invariant 1 at the protocol door: ``POST /actors/vendor/inbox/`` stores only activities
whose HTTP signature verifies with the key of the activity's own actor.

Every case goes through the real app; keys are fetched through the real SSRF-guarded fetcher
from a recording fake internet, so key fetches are counted.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.reliability.appenv import (
    BASE,
    BEARER,
    INBOX_PATH,
    AppEnv,
    Peer,
    activity,
)
from tests.reliability.figures import figure
from tests.reliability.signing import MEDIA, base_headers, cavage, rfc9421

Build = Callable[[AppEnv, bytes], tuple[bytes, dict[str, str]]]


def _body(env: AppEnv, peer: Peer, n: int = 1) -> bytes:
    return json.dumps(activity(peer.actor, n)).encode()


def _post(env: AppEnv, body: bytes, headers: dict[str, str]) -> int:
    return env.client.post(INBOX_PATH, body, headers).status


def _changed(body: bytes) -> bytes:
    doc = json.loads(body)
    doc["object"]["content"] = "changed after signing"
    return json.dumps(doc).encode()


HOUR2 = 2 * 3600

REFUSED: dict[str, Build] = {
    "unsigned": lambda e, b: (b, base_headers(b, e.clock())),
    "cavage digest not signed": lambda e, b: (b, cavage(
        e.alice, b, e.clock(), covered=("(request-target)", "host", "date"))),
    "cavage request-target not signed": lambda e, b: (b, cavage(
        e.alice, b, e.clock(), covered=("host", "date", "digest"))),
    "cavage host not signed": lambda e, b: (b, cavage(
        e.alice, b, e.clock(), covered=("(request-target)", "date", "digest"))),
    "cavage body changed": lambda e, b: (_changed(b), cavage(e.alice, b, e.clock())),
    "cavage date 2 h old": lambda e, b: (b, cavage(e.alice, b, e.clock(),
                                                   date=e.clock() - HOUR2)),
    "cavage date 2 h ahead": lambda e, b: (b, cavage(e.alice, b, e.clock(),
                                                     date=e.clock() + HOUR2)),
    "cavage rsa-sha1": lambda e, b: (b, cavage(e.alice, b, e.clock(), algorithm="rsa-sha1")),
    "cavage hmac-sha256": lambda e, b: (b, cavage(e.alice, b, e.clock(),
                                                  algorithm="hmac-sha256")),
    "cavage for another host": lambda e, b: (b, cavage(
        e.alice, b, e.clock(), url="https://evil.example" + INBOX_PATH)),
    "rfc9421 created missing": lambda e, b: (b, rfc9421(e.alice, b, e.clock(), created=None)),
    "rfc9421 created 2 h old": lambda e, b: (b, rfc9421(
        e.alice, b, e.clock(), created=int(e.clock()) - HOUR2)),
    "rfc9421 target not covered": lambda e, b: (b, rfc9421(
        e.alice, b, e.clock(), components=("@method", "content-digest", "date"))),
    "rfc9421 content-digest not covered": lambda e, b: (b, rfc9421(
        e.alice, b, e.clock(), components=("@method", "@target-uri", "date"))),
    "rfc9421 content-digest mismatch": lambda e, b: (b, rfc9421(
        e.alice, b, e.clock(), digest_body=b"{}")),
    "rfc9421 body changed": lambda e, b: (_changed(b), rfc9421(e.alice, b, e.clock())),
    "rfc9421 for another host": lambda e, b: (b, rfc9421(
        e.alice, b, e.clock(), url="https://evil.example" + INBOX_PATH)),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bad_signatures_are_refused(env: AppEnv, name: str) -> None:
    before = env.counts()
    body, headers = REFUSED[name](env, _body(env, env.alice))
    assert _post(env, body, headers) == 401
    assert env.counts() == before


def test_signature_matrix_figure(env: AppEnv) -> None:
    before = env.counts()
    refused = sum(_post(env, *REFUSED[name](env, _body(env, env.alice, i))) == 401
                  for i, name in enumerate(sorted(REFUSED)))
    assert env.counts() == before
    valid = {
        "cavage rsa": (env.alice, cavage),
        "cavage ed25519": (env.edna, cavage),
        "rfc9421 rsa": (env.alice, rfc9421),
        "rfc9421 ed25519": (env.edna, rfc9421),
    }
    accepted = 0
    for i, (peer, sign) in enumerate(valid.values()):
        body = _body(env, peer, 100 + i)
        accepted += _post(env, body, sign(peer, body, env.clock())) == 202
    assert accepted == len(valid)
    assert env.counts().inbound == before.inbound + len(valid)
    figure("inbox signature matrix", f"{refused}/{len(REFUSED)} bad signatures refused (401), "
           f"0 rows; {accepted}/{len(valid)} valid ones 202")


def test_behind_a_tls_terminating_proxy(env: AppEnv) -> None:
    # The proxy forwards http://10.0.0.5:8000/... with its own Host; the peer signed the
    # public https URL. The app verifies against actor.base_url + path.
    for n, sign in enumerate((cavage, rfc9421)):
        body = _body(env, env.alice, 200 + n)
        headers = sign(env.alice, body, env.clock())
        headers["Host"] = "10.0.0.5:8000"
        headers["X-Forwarded-Proto"] = "https"
        assert _post(env, body, headers) == 202
    figure("inbox behind a TLS-terminating proxy", "cavage 202, rfc9421 202")


def test_a_weak_rsa_key_is_refused(env: AppEnv) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    weak = env.internet.add("https://weak.example/actors/weak", key)
    body = _body(env, weak)
    assert _post(env, body, cavage(weak, body, env.clock())) == 401
    assert _post(env, body, rfc9421(weak, body, env.clock())) == 401


def test_a_signature_by_a_on_an_activity_by_b_is_refused(env: AppEnv) -> None:
    before = env.counts()
    by_bob = _body(env, env.bob)
    statuses = [_post(env, by_bob, sign(env.alice, by_bob, env.clock()))
                for sign in (cavage, rfc9421)]
    # the trusted-peer path does not help either: a signed request is always verified
    trusted = json.dumps(activity("https://trusted.example/actors/t", 1)).encode()
    signed_trusted = cavage(env.alice, trusted, env.clock())
    signed_trusted["Authorization"] = f"Bearer {BEARER}"
    statuses.append(_post(env, trusted, signed_trusted))
    assert statuses == [401, 401, 401]
    assert env.counts() == before
    figure("inbox actor/key mismatch", "A-signed activity of B refused 3/3 (401), 0 rows")


def test_trusted_unsigned_peer_needs_its_bearer_token(env: AppEnv) -> None:
    body = json.dumps(activity("https://trusted.example/actors/t", 2)).encode()
    headers = {"Content-Type": MEDIA}
    assert _post(env, body, headers) == 401
    assert _post(env, body, {**headers, "Authorization": "Bearer wrong"}) == 401
    assert _post(env, body, {**headers, "Authorization": f"Bearer {BEARER}"}) == 202
    lookalike = json.dumps(activity("https://trusted.example.evil/actors/t", 3)).encode()
    assert _post(env, lookalike, {**headers, "Authorization": f"Bearer {BEARER}"}) == 401


def test_a_flood_of_bad_signatures_costs_one_key_fetch_per_cool_off(env: AppEnv) -> None:
    body = _body(env, env.alice)
    ghost = Peer(env.alice.actor + "-ghost", env.alice.key)

    def requests() -> tuple[dict[str, str], dict[str, str]]:
        forged = cavage(env.alice, body, env.clock())
        forged["Signature"] = forged["Signature"].replace('signature="', 'signature="AAAA', 1)
        return forged, cavage(ghost, body, env.clock())

    forged, unknown = requests()
    before = env.internet.fetches()
    statuses = [_post(env, body, forged) for _ in range(500)]
    statuses += [_post(env, body, unknown) for _ in range(500)]
    fetches = env.internet.fetches() - before
    assert set(statuses) == {401}
    assert fetches == 2, fetches  # one per key id (a real one and an unknown one)
    env.clock.now += 301  # the cool-off (300 s) has passed: one more fetch each, no more
    forged, unknown = requests()
    statuses = [_post(env, body, f) for f in (forged, unknown) for _ in range(50)]
    assert set(statuses) == {401}
    assert env.internet.fetches() - before == 4
    figure("key-fetch flood", f"1,000 bad signatures naming 2 key ids -> {fetches} fetches; "
           "after the 300 s cool-off, 100 more -> 2 more")


def test_the_inbox_origin_of_the_public_url_is_the_configured_one(env: AppEnv) -> None:
    assert env.rt.config.actor.base_url == BASE
