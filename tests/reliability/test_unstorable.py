"""Strings no database stores — an unpaired surrogate (SQLite's driver cannot encode it) or a
NUL (PostgreSQL's text refuses it) — are refused at the accept path with a 400 naming the
field, on both databases; never a 500 with a traceback, never a 503 "retry later" forever.

On the old code a signed Offer with such an id was a 500 (SQLite) or a 503 (PostgreSQL), and
the same strings deeper in the document reached the worker and killed it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridge.core.errors import InputError
from bridge.core.storable import check_storable, unstorable_field
from bridge.httpsig import SignatureScheme
from tests.reliability.appenv import INBOX_PATH, AppEnv, activity, app_env, github_payload
from tests.store.dbutil import BOTH, postgres_schema

BAD = {"surrogate": "\ud800", "nul": "\u0000"}


@pytest.fixture(params=BOTH)
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AppEnv]:
    if request.param == "sqlite":
        with app_env(tmp_path) as e:
            yield e
    else:
        with postgres_schema() as url, app_env(tmp_path, db_url=url) as e:
            yield e


def _put(doc: dict[str, Any], path: str, bad: str) -> None:
    node: Any = doc
    parts = path.replace("[", ".").replace("]", "").split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last = parts[-1]
    if last.isdigit():
        node[int(last)] += bad
    else:
        node[last] += bad


FIELDS = ["id", "object.id", "object.name", "object.content", "to[0]", "actor"]


@pytest.mark.parametrize("bad", sorted(BAD))
@pytest.mark.parametrize("field", FIELDS)
def test_a_signed_offer_holding_an_unstorable_string_is_a_400_naming_the_field(
        env: AppEnv, field: str, bad: str) -> None:
    doc = activity(env.alice.actor, 1)
    _put(doc, field, BAD[bad])
    body = json.dumps(doc).encode()  # ensure_ascii: "\ud800" / "\u0000" escapes, valid UTF-8
    answer = env.client.post(INBOX_PATH, body,
                             env.alice.sign(body, SignatureScheme.RFC9421, env.clock()))
    assert answer.status == 400, (answer.status, answer.text)
    reason = answer.json()["error"]
    assert f"field {field} " in reason and "Traceback" not in answer.text
    assert BAD[bad] not in reason
    assert env.counts().inbound == 0


def test_a_good_offer_next_to_them_is_stored(env: AppEnv) -> None:
    body = json.dumps(activity(env.alice.actor, 2)).encode()
    answer = env.client.post(INBOX_PATH, body,
                             env.alice.sign(body, SignatureScheme.CAVAGE, env.clock()))
    assert answer.status == 202, answer.text
    assert env.counts().inbound == 1


@pytest.mark.parametrize("bad", sorted(BAD))
def test_a_webhook_whose_comment_holds_one_is_a_400_naming_the_field(env: AppEnv,
                                                                       bad: str) -> None:
    payload = copy.deepcopy(github_payload("issue_comment/created.payload.json"))
    payload["comment"]["body"] = "/vultron status" + BAD[bad]
    body = json.dumps(payload).encode()
    answer = env.github(body, event="issue_comment")
    assert answer.status == 400, (answer.status, answer.text)
    assert "holds a NUL character or an unpaired surrogate" in answer.json()["error"]
    assert "field events[0]." in answer.json()["error"]
    assert env.counts().inbound == 0


def test_unstorable_field_names_paths_and_keys_without_their_text() -> None:
    assert unstorable_field({"a": [1, "ok", {"b": "x\x00"}]}) == "a[2].b"
    assert unstorable_field({"a": {"k\ud800": 1}}) == "a.<key>"
    assert unstorable_field({"@context": "x", "id": "\udc80"}) == "id"
    assert unstorable_field({"a": ("x", "y\x00")}) == "a[1]"
    assert unstorable_field("\x00") == "(document)"
    assert unstorable_field({"emoji": "\U0001f600 caf\u00e9", "n": 1.5, "t": None}) is None
    with pytest.raises(InputError, match=r"^x: field a holds a NUL") as raised:
        check_storable({"a": "\x00"}, "x")
    assert raised.value.status == 400


def test_a_hyphenated_key_is_named_in_brackets() -> None:
    assert unstorable_field({"a-b": "\x00"}) == "['a-b']"


def test_a_mail_whose_message_id_cannot_be_stored_is_keyed_by_its_bytes() -> None:
    """Else the store refuses the key and the MTA is told to retry, for ever."""
    from bridge.core.mail.ids import dedup_key

    assert dedup_key("a\x00b@finder.example", b"raw").startswith("sha256:")
    assert dedup_key("a\udc80b@finder.example", b"raw").startswith("sha256:")
    assert dedup_key("ok@finder.example", b"raw") == "message-id:ok@finder.example"
