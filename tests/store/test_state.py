"""Protocol objects, cases and participants; tracker writes (echoes); peers and cursors."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.exc import IntegrityError

from bridge.core.errors import InputError
from bridge.store.db import transaction
from bridge.store.peers import cache_actor, get_cursor, get_peer, remember_scheme, set_cursor
from bridge.store.state import (
    get_case,
    get_object,
    get_participant,
    participants_for_case,
    put_case,
    put_object,
    put_participant,
)
from bridge.store.writes import consume_echo, prune_writes, record_write
from tests.store.dbutil import Database

CASE = "https://coord.example/cases/1"


def test_objects_upsert_and_get(db: Database) -> None:
    with transaction(db.factory) as s:
        put_object(s, "urn:r1", "VulnerabilityReport", {"name": "v1"}, 1.0)
        put_object(s, "urn:r1", "VulnerabilityReport", {"name": "v2"}, 2.0)
    with db.reader() as s:
        obj = get_object(s, "urn:r1")
        assert obj is not None and (obj.data, obj.updated_at) == ({"name": "v2"}, 2.0)
        assert get_object(s, "urn:nothing") is None


def test_cases_and_participants(db: Database) -> None:
    with transaction(db.factory) as s:
        put_case(s, CASE, em_state="N", cs_state="vfdpxa", embargo_end=None, data={}, now=1.0)
        put_case(s, CASE, em_state="A", cs_state="VFdpxa", embargo_end=500.0,
                 data={"k": 1}, now=2.0)
        put_participant(s, CASE, "https://v.example/a", rm_state="A", em_consent="accepted",
                        roles=["vendor"], now=3.0)
        put_participant(s, CASE, "https://f.example/a", rm_state="R", em_consent=None,
                        roles=["finder", "reporter"], now=3.0)
        put_participant(s, CASE, "https://f.example/a", rm_state="C", em_consent=None,
                        roles=["finder"], now=4.0)
    with db.reader() as s:
        case = get_case(s, CASE)
        assert case is not None
        assert (case.em_state, case.cs_state, case.embargo_end, case.data) == (
            "A", "VFdpxa", 500.0, {"k": 1})
        people = participants_for_case(s, CASE)
        assert [(p.actor, p.rm_state, p.roles) for p in people] == [
            ("https://f.example/a", "C", ["finder"]), ("https://v.example/a", "A", ["vendor"])]
        one = get_participant(s, CASE, "https://v.example/a")
        assert one is not None and one.em_consent == "accepted"
        assert get_case(s, "nope") is None and get_participant(s, CASE, "nope") is None


def test_a_participant_needs_its_case(db: Database) -> None:
    with pytest.raises(IntegrityError), transaction(db.factory) as s:
        put_participant(s, "no-such-case", "a", rm_state="R", em_consent=None, roles=[], now=1.0)


def test_an_own_write_absorbs_exactly_one_echo_within_the_window(db: Database) -> None:
    with transaction(db.factory) as s:
        record_write(s, "github", "github:o/r#1", "label_add:vultron:valid", 100.0)
        record_write(s, "github", "github:o/r#1", "label_add:vultron:valid", 101.0)
        record_write(s, "github", "github:o/r#1", "close", 10.0)
    with transaction(db.factory) as s:
        assert consume_echo(s, "github", "github:o/r#1", "label_add:vultron:valid", 102.0, 60)
        assert consume_echo(s, "github", "github:o/r#1", "label_add:vultron:valid", 102.0, 60)
        assert not consume_echo(s, "github", "github:o/r#1", "label_add:vultron:valid", 102.0)
        assert not consume_echo(s, "github", "github:o/r#2", "close", 20.0)
        assert not consume_echo(s, "github", "github:o/r#1", "close", 100.0, 60)  # too old
        assert consume_echo(s, "github", "github:o/r#1", "close", 20.0, 60)
    with transaction(db.factory) as s:
        assert prune_writes(s, 100.5) == 2
        assert prune_writes(s, 100.5) == 0


def test_concurrent_echo_consumers_consume_each_write_once(db: Database) -> None:
    with transaction(db.factory) as s:
        for i in range(5):
            record_write(s, "gitlab", "gitlab:g/p#1", "comment:m1", 100.0 + i)
    hits: list[bool] = []
    barrier = threading.Barrier(10)

    def run() -> None:
        barrier.wait()
        with transaction(db.factory) as s:
            hits.append(consume_echo(s, "gitlab", "gitlab:g/p#1", "comment:m1", 110.0, 60))

    threads = [threading.Thread(target=run) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(hits) == [False] * 5 + [True] * 5


def test_peers_remember_scheme_and_actor_documents(db: Database) -> None:
    actor = "https://peer.example/actors/v"
    with transaction(db.factory) as s:
        remember_scheme(s, actor, "cavage", 1.0)
        cache_actor(s, actor, inbox_url=actor + "/inbox/", key_id=actor + "#main-key",
                    public_key_pem="-----BEGIN PUBLIC KEY-----\n...",
                    document={"id": actor}, now=2.0)
        remember_scheme(s, actor, "rfc9421", 3.0)
    with db.reader() as s:
        peer = get_peer(s, actor)
        assert peer is not None
        assert (peer.signature_scheme, peer.inbox_url, peer.fetched_at, peer.updated_at) == (
            "rfc9421", actor + "/inbox/", 2.0, 3.0)
        assert peer.document == {"id": actor}
        assert get_peer(s, "https://other") is None
    with db.factory() as s, pytest.raises(InputError, match="cavage, rfc9421"):
        remember_scheme(s, actor, "hmac", 1.0)


def test_cursors(db: Database) -> None:
    with transaction(db.factory) as s:
        assert get_cursor(s, "poll:peer") is None
        set_cursor(s, "poll:peer", "page-1", 1.0)
        set_cursor(s, "poll:peer", "page-2", 2.0)
    with db.reader() as s:
        assert get_cursor(s, "poll:peer") == "page-2"
