"""``bridge.store.actionstate``: the Action's state block ⇄ the store's rows."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bridge.core.stateblock import outbox_key
from bridge.core.stateschema import (
    CaseRow,
    CursorRow,
    LinkRow,
    MessageRow,
    ObjectRow,
    ParticipantRow,
    StateBlock,
    SubjectRow,
    WriteRow,
    parse,
    to_json,
)
from bridge.store import actionstate
from bridge.store import db as store_db
from bridge.store.models import AuditHead
from bridge.store.schema import AUDIT_HEAD_SEED, create_fresh
from tests.store.dbutil import Database

NOW = 1_000.0
SUBJECTS = [f"https://x.example/reports/{n}" for n in (1, 12, 123)]
ACTORS = ["https://x.example/actors/f", "https://y.example/actors/v"]
REFS = ["github:org/repo#1", "github:org/repo#12", "github:org/repo@GHSA-aaaa-bbbb-cccc"]

word = st.text("abcdefxyz", min_size=1, max_size=8)
when = st.floats(min_value=1.0, max_value=2e9, allow_nan=False)
json_value = st.recursive(st.none() | st.booleans() | st.integers(-5, 5) | word,
                          lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(word, inner, max_size=3), max_leaves=6)
data = st.dictionaries(word, json_value, max_size=3)

cases = st.builds(CaseRow, em=st.sampled_from(["NONE", "PROPOSED", "ACTIVE"]),
                  cs=st.sampled_from(["vfd.pxa", "Vfd.pxa", "VFd.pxa"]),
                  end=st.none() | when, data=data, at=when)
participants = st.builds(ParticipantRow, rm=st.sampled_from(["RECEIVED", "ACCEPTED"]),
                         consent=st.none() | st.sampled_from(["SIGNATORY", "DECLINED"]),
                         roles=st.lists(st.sampled_from(["finder", "vendor"]), max_size=2,
                                        unique=True).map(tuple), at=when)
subject_rows = st.builds(
    SubjectRow, case=st.none() | cases,
    participants=st.dictionaries(st.sampled_from(ACTORS), participants, max_size=2),
    links=st.lists(st.builds(LinkRow, ref=st.sampled_from(REFS),
                             relation=st.sampled_from(["mirrors", "tracks", "fixes"]),
                             by=word, at=when),
                   max_size=3, unique_by=lambda x: (x.ref, x.relation)).map(
        lambda xs: tuple(sorted(xs, key=lambda x: (x.ref, x.relation)))),
).filter(lambda s: s.case is not None or bool(s.links))


@st.composite
def messages(draw: st.DrawFn) -> dict[str, MessageRow]:
    out: dict[str, MessageRow] = {}
    for n in range(draw(st.integers(0, 4))):
        aid, to = f"urn:act:{n}", draw(st.sampled_from(ACTORS))
        named = draw(st.lists(st.sampled_from(SUBJECTS), max_size=2))
        status = draw(st.sampled_from(["pending", "delivered", "dead"]))
        out[outbox_key(aid, to)] = MessageRow(
            id=aid, to=to, inbox=to + "/inbox/",
            activity={"id": aid, "type": "Note", "context": named, "content": draw(word)},
            status=status, attempts=draw(st.integers(0, 9)), next=draw(when),
            error=draw(st.none() | word), http=draw(st.none() | st.integers(200, 599)),
            created=draw(when), done=draw(when) if status == "delivered" else None)
    return out


blocks = st.builds(
    StateBlock,
    subjects=st.dictionaries(st.sampled_from(SUBJECTS), subject_rows, max_size=3),
    objects=st.dictionaries(word.map(lambda w: f"urn:obj:{w}"),
                            st.builds(ObjectRow, type=word, data=data, at=when), max_size=3),
    outbox=messages(),
    writes=st.dictionaries(word, st.builds(WriteRow, tracker=st.just("github"),
                                           ref=st.sampled_from(REFS), kind=word, at=when,
                                           used=st.booleans()), max_size=3),
    cursors=st.dictionaries(word.map(lambda w: f"https://c.example/{w}/outbox"),
                            st.builds(CursorRow, seen=st.lists(word, max_size=3).map(tuple),
                                      at=when), max_size=2),
)


@contextmanager
def fresh_store() -> Iterator[sessionmaker[Session]]:
    """The Action's store: a fresh SQLite file made as a run makes it."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = store_db.make_engine(f"sqlite:///{Path(tmp) / 'state.db'}")
        create_fresh(engine)
        try:
            yield store_db.session_factory(engine)
        finally:
            engine.dispose()


def load_and_dump(block: StateBlock) -> StateBlock:
    with fresh_store() as sessions:
        with store_db.transaction(sessions) as session:
            loaded = actionstate.load(session, block, now=NOW)
        with sessions() as session:
            return actionstate.dump(session, loaded.writes)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks)
def test_dump_load_dump_is_the_same_block(block: StateBlock) -> None:
    first = load_and_dump(block)
    assert load_and_dump(first) == first
    assert parse(to_json(first)) == first  # and through the JSON a block holds


def test_a_message_names_its_subjects_exactly() -> None:
    """``…/reports/1`` is a prefix of ``…/reports/12`` and of ``…/reports/123``: a message
    about report 12 names report 12 only."""
    case = CaseRow(em="NONE", cs="Vfd.pxa", at=5.0)
    aid, to = "urn:act:rv", ACTORS[0]
    block = StateBlock(
        subjects={s: SubjectRow(case=case) for s in SUBJECTS},
        outbox={outbox_key(aid, to): MessageRow(
            id=aid, to=to, inbox=to + "/inbox/", created=5.0,
            activity={"id": aid, "type": "Accept", "object": {"id": SUBJECTS[1] + "/offer",
                                                             "object": SUBJECTS[1]}})})
    dumped = load_and_dump(block)
    assert dumped.outbox[outbox_key(aid, to)].subjects == (SUBJECTS[1],)


def test_load_leaves_what_is_there_and_fills_missing_times() -> None:
    aid, to = "urn:act:1", ACTORS[0]
    first = StateBlock(objects={"urn:obj:a": ObjectRow(type="Offer", data={"n": 1}, at=2.0)},
                       subjects={SUBJECTS[0]: SubjectRow(case=CaseRow(em="ACTIVE", cs="Vfd.pxa"))},
                       outbox={outbox_key(aid, to): MessageRow(id=aid, to=to, inbox=to + "/i/")},
                       writes={"w": WriteRow(tracker="github", ref=REFS[0], kind="labels")})
    later = StateBlock(objects={"urn:obj:a": ObjectRow(type="Offer", data={"n": 2}, at=9.0)},
                       writes={"w": WriteRow(tracker="github", ref=REFS[0], kind="labels")})
    with fresh_store() as sessions:
        with store_db.transaction(sessions) as session:
            one = actionstate.load(session, first, now=NOW)
            two = actionstate.load(session, later, now=NOW, skip_writes={"w"})
        with sessions() as session:
            dumped = actionstate.dump(session, one.writes)
    assert one.objects == ["urn:obj:a"] and one.messages == [outbox_key(aid, to)]
    assert two.objects == [] and two.writes == {}
    assert dumped.objects["urn:obj:a"].data == {"n": 1}
    assert dumped.subjects[SUBJECTS[0]].case == CaseRow(em="ACTIVE", cs="Vfd.pxa", at=NOW)
    message = dumped.outbox[outbox_key(aid, to)]
    assert (message.created, message.next, message.activity) == (NOW, NOW, {"id": aid})
    assert list(dumped.writes) == ["w"]


def test_a_new_echo_record_is_keyed_by_its_own_time_id_and_kind() -> None:
    with fresh_store() as sessions:
        with store_db.transaction(sessions) as session:
            actionstate.load(session, StateBlock(writes={"x": WriteRow(
                tracker="github", ref=REFS[0], kind="comment", at=7.5)}), now=NOW)
        with sessions() as session:
            assert list(actionstate.dump(session).writes) == ["7.500000:1:comment"]


def test_the_actions_fresh_store_is_seeded_as_the_migrations_seed_it(db: Database) -> None:
    """One seed row: ``schema.AUDIT_HEAD_SEED`` (the Action's store) is the row the migrated
    database holds."""
    with db.factory() as session:
        migrated = session.execute(select(AuditHead.id, AuditHead.seq, AuditHead.hash)).one()
    with fresh_store() as sessions, sessions() as session:
        fresh = session.execute(select(AuditHead.id, AuditHead.seq, AuditHead.hash)).one()
    assert dict(migrated._mapping) == dict(fresh._mapping) == AUDIT_HEAD_SEED
