"""Invariant 1 at the webhook doors: only deliveries signed by the tracker are stored.

Through the real app (``POST /webhooks/github`` / ``/webhooks/gitlab``): GitHub's published
known-answer vector, a forgery matrix of 600 requests, GitLab's token and Standard Webhooks
matrices, and secret rotation. A refused delivery writes no row (inbound, outbox, audit) and
opens no connection.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

from adapters.github.signature import sign
from bridge.app import process
from tests.reliability.appenv import (
    GH_SECRETS,
    GL_KEY,
    GL_OLD_TOKEN,
    GL_TOKEN,
    KAT_SECRET,
    AppEnv,
    ConnectionCounter,
    github_headers,
    gitlab_headers,
    gitlab_payload,
    labeled_body,
)
from tests.reliability.asgi import Request
from tests.reliability.figures import figure, histogram

ROUNDS = 100
KAT_BODY = b"Hello, World!"
KAT_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_githubs_published_vector_is_accepted_by_the_app(env: AppEnv) -> None:
    # docs.github.com, "Validating webhook deliveries": the vector's body is not JSON, so a
    # verified delivery gets past authentication (401) and stops at parsing (400).
    assert sign(KAT_SECRET, KAT_BODY) == KAT_SIGNATURE
    headers = {"Content-Type": "application/json", "X-GitHub-Event": "issues",
               "X-Hub-Signature-256": KAT_SIGNATURE}
    good = env.client.post("/webhooks/github-kat", KAT_BODY, headers)
    bad = env.client.post("/webhooks/github-kat", b"Hello, World?", headers)
    assert (good.status, bad.status) == (400, 401), (good.text, bad.text)
    assert "not JSON" in good.json()["error"]
    figure("github known-answer vector", f"accepted (then {good.status} not JSON), "
           f"one byte changed -> {bad.status}")


def _forgeries() -> dict[str, Callable[[int], tuple[bytes, dict[str, str]]]]:
    def no_header(n: int) -> tuple[bytes, dict[str, str]]:
        body = labeled_body(n)
        return body, github_headers(body, secret=None)

    def sha1_only(n: int) -> tuple[bytes, dict[str, str]]:
        import hashlib
        import hmac

        body = labeled_body(n)
        sha1 = "sha1=" + hmac.new(GH_SECRETS[1].encode(), body, hashlib.sha1).hexdigest()
        return body, github_headers(body, secret=None, extra={"X-Hub-Signature": sha1})

    def wrong_secret(n: int) -> tuple[bytes, dict[str, str]]:
        body = labeled_body(n)
        return body, github_headers(body, secret=f"guess-{n}")

    def truncated(n: int) -> tuple[bytes, dict[str, str]]:
        body = labeled_body(n)
        good = sign(GH_SECRETS[1], body)
        return body, github_headers(body, secret=None,
                                    extra={"X-Hub-Signature-256": good[: 7 + n % 63]})

    def byte_flipped(n: int) -> tuple[bytes, dict[str, str]]:
        body = labeled_body(n)
        headers = github_headers(body)
        at = (n * 7919) % len(body)
        return body[:at] + bytes([body[at] ^ (1 << n % 8)]) + body[at + 1:], headers

    def keys_reordered(n: int) -> tuple[bytes, dict[str, str]]:
        body = labeled_body(n)
        headers = github_headers(body)
        payload = json.loads(body)
        return json.dumps(dict(reversed(list(payload.items())))).encode(), headers

    return {f.__name__: f for f in (no_header, sha1_only, wrong_secret, truncated,
                                    byte_flipped, keys_reordered)}


def test_github_forgery_matrix_is_refused_without_a_trace(env: AppEnv) -> None:
    before = env.counts()
    kinds = _forgeries()
    requests = []
    for name, forge in kinds.items():
        for n in range(ROUNDS):
            body, headers = forge(n + 1)
            requests.append((name, Request("POST", "/webhooks/github", body, headers)))
    with ConnectionCounter() as net:
        answers = env.client.many([r for _, r in requests], concurrency=8)
        handled = process.run_once(env.rt, "forgery-check")
    by_kind: Counter[str] = Counter()
    for (name, _), answer in zip(requests, answers, strict=True):
        assert answer.status == 401, (name, answer.status, answer.text)
        assert answer.escaped is None
        assert "Hello" not in answer.text and GH_SECRETS[1] not in answer.text
        by_kind[name] += 1
    after = env.counts()
    assert after == before, (before, after)
    assert net.attempts == [] and handled == 0 and env.adapters.asked == []
    figure("github forgery matrix", f"{len(answers)}/{len(answers)} refused "
           f"({histogram(a.status for a in answers)}; {len(kinds)} kinds x {ROUNDS}), "
           f"0 rows, {len(net.attempts)} outbound calls")


def test_github_control_and_rotation_both_secrets_accepted(env: AppEnv) -> None:
    before = env.counts()
    old = env.github(labeled_body(1), secret=GH_SECRETS[0])
    new = env.github(labeled_body(2), secret=GH_SECRETS[1])
    retired = env.github(labeled_body(3), secret="the secret before the old one")
    assert (old.status, new.status, retired.status) == (202, 202, 401)
    assert env.counts().inbound == before.inbound + 2
    figure("github secret rotation", "old 202, new 202, retired 401")


def test_gitlab_token_matrix(env: AppEnv) -> None:
    body = json.dumps(gitlab_payload()).encode()
    tokens: dict[str, str | None] = {
        "missing": None, "empty": "", "wrong": "gitlab-hook-token-Abc124",
        "wrong-case": GL_TOKEN.upper(), "prefix": GL_TOKEN[:-1], "padded": GL_TOKEN + "x",
    }
    before = env.counts()
    statuses: Counter[str] = Counter()
    with ConnectionCounter() as net:
        for name, token in tokens.items():
            for n in range(ROUNDS // 4):
                answer = env.gitlab(body, token=token, msg_id=f"{name}-{n}")
                assert answer.status == 401, (name, answer.text)
                assert GL_TOKEN not in answer.text and GL_TOKEN.upper() not in answer.text
                statuses[name] += 1
    assert env.counts() == before and net.attempts == []
    # two deliveries (distinct bodies: the same bytes again would be a replay, a duplicate)
    rotation = [env.gitlab(json.dumps(gitlab_payload(), indent=i).encode(), token=t,
                           msg_id=f"rot-{i}").status
                for i, t in enumerate((GL_TOKEN, GL_OLD_TOKEN))]
    assert rotation == [202, 202]
    assert env.counts().inbound == before.inbound + 2
    figure("gitlab token matrix", f"{sum(statuses.values())}/{sum(statuses.values())} refused "
           f"(401; {len(tokens)} kinds x {ROUNDS // 4}), 0 rows, 0 outbound calls; "
           "both rotation tokens 202")


def test_gitlab_standard_webhooks_matrix(env: AppEnv) -> None:
    body = json.dumps(gitlab_payload()).encode()
    now = env.clock()
    other_key = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk="

    def forged(kind: str, n: int) -> dict[str, str]:
        msg = f"{kind}-{n}"
        if kind == "stale":
            return gitlab_headers(body, key=GL_KEY, msg_id=msg, timestamp=now - 301 - n)
        if kind == "future":
            return gitlab_headers(body, key=GL_KEY, msg_id=msg, timestamp=now + 301 + n)
        if kind == "other-key":
            return gitlab_headers(body, key=other_key, msg_id=msg, timestamp=now)
        headers = gitlab_headers(body, key=GL_KEY, msg_id=msg, timestamp=now)
        if kind == "id-swapped":
            headers["webhook-id"] = msg + "x"
        elif kind == "garbage":
            headers["webhook-signature"] = "v1,AAAA v2,!!"
        elif kind == "missing":
            del headers["webhook-signature"]
        elif kind == "no-token":
            del headers["X-Gitlab-Token"]
        return headers

    kinds = ("stale", "future", "other-key", "id-swapped", "garbage", "missing", "no-token")
    before = env.counts()
    total = 0
    for kind in kinds:
        for n in range(ROUNDS // 5):
            answer = env.client.post("/webhooks/gitlab-signed", body, forged(kind, n))
            assert answer.status == 401, (kind, answer.text)
            total += 1
    assert env.counts() == before
    good = env.client.post("/webhooks/gitlab-signed", body,
                           gitlab_headers(body, key=GL_KEY, msg_id="ok", timestamp=now - 299))
    assert good.status == 202, good.text
    figure("gitlab standard-webhooks matrix", f"{total}/{total} refused (401; {len(kinds)} "
           f"kinds x {ROUNDS // 5}), 0 rows; a valid one 299 s old 202")
