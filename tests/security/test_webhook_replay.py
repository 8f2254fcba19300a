"""Webhook replay: a captured, validly signed webhook re-sent under a fresh delivery id.

The attack: GitHub's HMAC (and a GitLab ``X-Gitlab-Token``) covers only the body, not
``X-GitHub-Delivery`` / ``Idempotency-Key``. Deduplication was on the delivery id alone, so
anyone who captured one delivery (a proxy log, a misdirected hook) could replay it with a new
id as often as they liked, and each copy was processed again (a label re-applied, a protocol
message sent again).

Now a webhook whose raw body was already accepted for that source is a duplicate whatever its
delivery id: answered 202 ``duplicate``, nothing written. Proven through the real app on
SQLite, and for the store on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.store.db import transaction
from bridge.store.inbound import accept
from tests.reliability.appenv import (
    GH_SECRETS,
    KAT_SECRET,
    AppEnv,
    app_env,
    github_headers,
    gitlab_payload,
    labeled_body,
)
from tests.reliability.asgi import Answer
from tests.store.dbutil import BOTH, Database, database


@pytest.fixture
def env(tmp_path: Path) -> Iterator[AppEnv]:
    with app_env(tmp_path) as e:
        yield e


def _outcome(answer: Answer) -> tuple[int, str]:
    return answer.status, str(answer.json()["status"])


def test_a_replayed_webhook_with_a_fresh_delivery_id_is_a_duplicate(env: AppEnv) -> None:
    github = labeled_body(1)
    gitlab = json.dumps(gitlab_payload()).encode()
    assert _outcome(env.github(github, delivery="original-1")) == (202, "accepted")
    assert _outcome(env.gitlab(gitlab, msg_id="original-2")) == (202, "accepted")
    before = env.counts()
    replays = []
    for n in range(10):
        fresh = str(uuid.uuid4())
        replays.append(env.github(github, delivery=fresh))
        # the rotated-out secret still verifies: same body, another valid signature
        replays.append(env.github(github, delivery=fresh + "-old", secret=GH_SECRETS[0]))
        replays.append(env.github(github, delivery=None))  # no delivery id at all
        replays.append(env.gitlab(gitlab, msg_id=f"replay-{n}"))
        replays.append(env.gitlab(gitlab, msg_id=f"replay-{n}",
                                  headers={"X-Gitlab-Event-UUID": fresh}))
    outcomes = [_outcome(r) for r in replays]
    refused = outcomes.count((202, "duplicate"))
    accepted = outcomes.count((202, "accepted"))
    after_replays = env.counts()
    # honest traffic still flows: a new body, the same body for another configured tracker
    # (another source), and the original redelivered under its own id
    honest = [_outcome(env.github(labeled_body(2), delivery="new-1")),
              _outcome(env.client.post("/webhooks/github-kat", github, _kat_headers(github)))]
    redelivered = _outcome(env.github(github, delivery="original-1"))
    print(f"\nwebhook replay: attempts={len(replays)} refused(202 duplicate)={refused} "
          f"leaked/accepted={accepted}; honest {honest}, redelivery {redelivered}")
    assert (refused, accepted) == (len(replays), 0)
    assert after_replays == before  # nothing stored, queued or audited
    assert honest == [(202, "accepted")] * 2
    assert redelivered == (202, "duplicate")
    assert env.counts().inbound == before.inbound + 2


def _kat_headers(body: bytes) -> dict[str, str]:
    return github_headers(body, delivery="kat-1", secret=KAT_SECRET)


@pytest.mark.parametrize("kind", BOTH)
def test_the_store_deduplicates_on_the_raw_body_per_source(kind: str, tmp_path: Path) -> None:
    with database(kind, tmp_path) as db:
        _store_matrix(db)


def _store_matrix(db: Database) -> None:
    raw = b'{"action": "labeled", "issue": {"number": 1}}'
    digest = hashlib.sha256(raw).hexdigest()
    with transaction(db.factory) as s:
        first = accept(s, "webhook:github", "d-1", b"envelope-1", {}, 1.0, raw_sha256=digest)
    with transaction(db.factory) as s:
        replay = accept(s, "webhook:github", "d-2", b"envelope-2", {}, 2.0, raw_sha256=digest)
        redelivery = accept(s, "webhook:github", "d-1", b"envelope-1", {}, 3.0,
                            raw_sha256=digest)
        other_source = accept(s, "webhook:gitlab", "d-2", b"envelope-2", {}, 4.0,
                              raw_sha256=digest)
        other_body = accept(s, "webhook:github", "d-3", b"envelope-3", {}, 5.0,
                            raw_sha256=hashlib.sha256(b"{}").hexdigest())
        # inputs without a raw digest (inbox, dispatch) never collide with each other on it
        plain = [accept(s, "inbox:vendor", f"a-{n}", b"{}", {}, 6.0) for n in range(3)]
    print(f"\nstore replay ({db.kind}): replay duplicate={replay.duplicate} "
          f"redelivery duplicate={redelivery.duplicate}; other source/body new="
          f"{not other_source.duplicate}/{not other_body.duplicate}")
    assert not first.duplicate
    assert replay.duplicate and replay.id == first.id
    assert redelivery.duplicate and redelivery.id == first.id
    assert not other_source.duplicate and not other_body.duplicate
    assert not any(p.duplicate for p in plain) and len({p.id for p in plain}) == 3
