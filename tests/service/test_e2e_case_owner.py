"""The bridge as case owner, end to end: a maintainer's triage in (fake) GitHub → the bridge →
what a reference-like finder receives. Processing and delivery are driven by hand (no worker
threads), so every assertion is about what was decided and sent, never about timing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bridge.app import process
from bridge.app.delivery import actor_key, make_send
from bridge.delivery import worker
from bridge.store import audit, db, inbound, links, outbox, state
from bridge.store.cases import load_case, load_report
from tests.service.bridge_env import BridgeEnv, bridge_env


@contextmanager
def owner_env(tmp_path: Path) -> Iterator[BridgeEnv]:
    with bridge_env(tmp_path, workers=False) as env:
        yield env


def drain(env: BridgeEnv) -> None:
    """Process every stored input (webhooks, and the echoes of the bridge's own writes)."""
    while process.run_once(env.rt, "test"):
        pass


def deliver(env: BridgeEnv) -> None:
    send = make_send(env.rt, actor_key(env.rt))
    while worker.run_once(env.rt.sessions, send, worker_id="test", now=env.rt.clock,
                          policy=env.rt.policy, rnd=lambda: 0.5):
        pass


def step(env: BridgeEnv) -> list[dict[str, Any]]:
    """Process and deliver; the activities the receiver got in this step."""
    before = len(env.receiver.received)
    drain(env)
    deliver(env)
    return env.receiver.received[before:]


def validated(env: BridgeEnv, content: str = "CANARY-OWNER heap overflow") -> tuple[
        str, Any, str]:
    report_id, ref = env.seed_report(content=content)
    env.human_label(ref, "vultron:valid")
    got = step(env)
    assert [a["type"] for a in got] == ["Accept", "Create"]
    return report_id, ref, str(got[1]["object"]["id"])


def test_RV_creates_the_case_and_sends_RV_then_the_case_to_the_finder(tmp_path: Path) -> None:
    with owner_env(tmp_path) as env:
        report_id, ref = env.seed_report(content="CANARY-OWNER heap overflow")
        env.human_label(ref, "vultron:valid")
        drain(env)
        with env.rt.sessions() as s:
            queued = outbox.list_outbox(s)
        assert [(r.activity["type"], r.recipient) for r in sorted(queued, key=lambda r: r.seq)
                ] == [("Accept", env.finder), ("Create", env.finder)]
        deliver(env)
        rv, created = env.receiver.received
        assert rv["object"]["type"] == "Offer" and "context" not in rv  # before the case
        case = created["object"]
        case_id = case["id"]
        assert case_id.startswith(f"{env.rt.config.actor.base_url}/cases/")
        assert created["context"] == case_id and created["to"] == [env.finder]
        assert case["type"] == "VulnerabilityCase" and case["attributedTo"] == env.rt.actor_id
        assert case["vulnerabilityReports"][0]["id"] == report_id
        assert case["vulnerabilityReports"][0]["content"] == "CANARY-OWNER heap overflow"
        roles = {p["attributedTo"]: (p["caseRoles"], p["participantStatuses"][-1]["rmState"])
                 for p in case["caseParticipants"]}
        assert roles == {env.rt.actor_id: (["vendor", "case_owner", "case_manager"], "VALID"),
                         env.finder: (["finder", "reporter"], "ACCEPTED")}
        assert env.receiver.paths == ["/actors/finder/inbox/"] * 2
        with env.rt.sessions() as s:
            stored = load_case(s, case_id)
            report = load_report(s, report_id)
            tracked = {(x.ref, x.relation.value) for x in links.links_for_subject(s, case_id)}
            kinds = [e["kind"] for e in audit.export(s)]
        assert stored is not None and stored.owner == env.rt.actor_id
        assert stored.reports == (report_id,)
        assert stored.participants[env.rt.actor_id].rm == "VALID"
        assert report is not None and report.case_id == case_id
        assert tracked == {(str(ref), "tracks")}
        assert "case.created" in kinds


def test_validating_again_after_a_crash_makes_the_same_case(tmp_path: Path) -> None:
    """Reprocessing yields the same ids: the second enqueue is a no-op."""
    with owner_env(tmp_path) as env:
        _, ref = env.seed_report()
        env.human_label(ref, "vultron:valid")
        drain(env)
        first = env.outbox_count()
        hook = env.gh.fake.hooks.sent[0]
        with db.transaction(env.rt.sessions) as s:
            from bridge.store.models import Inbound

            row = s.query(Inbound).filter(Inbound.key == hook.headers["X-GitHub-Delivery"]).one()
            row.status, row.attempts = "pending", 0
        drain(env)
        assert env.outbox_count() == first == 2


def test_RA_after_it_is_Join_naming_the_case(tmp_path: Path) -> None:
    with owner_env(tmp_path) as env:
        _, ref, case_id = validated(env)
        env.human_label(ref, "vultron:accepted")
        (join,) = step(env)
        assert join["type"] == "Join" and join["context"] == case_id
        assert join["object"]["id"] == case_id and join["to"] == [env.finder]
        assert "vulnerabilityReports" not in join["object"] or not join["object"][
            "vulnerabilityReports"]


def test_CF_carries_our_rm_state_and_roles(tmp_path: Path) -> None:
    with owner_env(tmp_path) as env:
        _, ref, case_id = validated(env)
        env.human_label(ref, "vultron:accepted")
        step(env)
        env.human_label(ref, "vultron:fix-ready")
        (cf,) = step(env)
        status = cf["object"]
        assert cf["type"] == "Add" and status["type"] == "ParticipantStatus"
        assert status["rmState"] == "ACCEPTED" and status["vfdState"] == "VFd"
        assert status["cvdRole"] == ["vendor", "case_owner", "case_manager"]
        assert cf["context"] == case_id and cf["to"] == [env.finder]
        created = env.receiver.received[1]["object"]
        assert cf["target"] == created["actorParticipantIndex"][env.rt.actor_id]


def test_the_vfd_we_announced_is_our_status_in_the_case(tmp_path: Path) -> None:
    """After our CF the case holds our status as VFd (what a case document we send shows
    of us, and what a later status of ours starts from), not the Vfd we began with."""
    with owner_env(tmp_path) as env:
        _, ref, case_id = validated(env)
        env.human_label(ref, "vultron:accepted")
        step(env)
        with env.rt.sessions() as s:
            before = load_case(s, case_id)
        assert before is not None and before.participants[env.rt.actor_id].vfd == "Vfd"
        env.human_label(ref, "vultron:fix-ready")
        step(env)
        with env.rt.sessions() as s:
            after = load_case(s, case_id)
        assert after is not None and after.participants[env.rt.actor_id].vfd == "VFd"


def test_EP_records_the_proposal_and_ET_names_the_accepted_embargo(tmp_path: Path) -> None:
    with owner_env(tmp_path) as env:
        _, ref, case_id = validated(env)
        env.human_label(ref, "vultron:accepted")
        step(env)
        env.human_comment(ref, "/vultron embargo propose 2027-03-01T12:00:00+01:00")
        (invite,) = step(env)
        embargo_id = invite["object"]["id"]
        assert invite["type"] == "Invite" and invite["object"]["type"] == "EmbargoEvent"
        assert invite["context"] == case_id and invite["to"] == [env.finder]
        assert invite["object"]["context"] == case_id and "startTime" in invite["object"]
        with env.rt.sessions() as s:
            case = load_case(s, case_id)
        assert case is not None and [e.id for e in case.proposed] == [embargo_id]
        assert case.proposed[0].end is not None
        assert case.proposed[0].end.isoformat() == "2027-03-01T11:00:00+00:00"
        _accepted_by_the_finder(env, case_id, embargo_id, case.proposed[0].end.timestamp())
        env.human_comment(ref, "/vultron embargo terminate")
        (terminate,) = step(env)
        assert terminate["type"] == "Remove" and terminate["object"]["id"] == embargo_id
        assert terminate["context"] == case_id and terminate["to"] == [env.finder]
        with env.rt.sessions() as s:
            after = load_case(s, case_id)
        assert after is not None and after.active_embargo is None


def _foreign_case(env: BridgeEnv, *, case_actor: bool,
                  store_invite: bool = True) -> tuple[Any, dict[str, str]]:
    """A case another vendor owns, with a revision of its embargo proposed by the owner."""
    actors = {name: f"{env.receiver_url}/actors/{name}" for name in
              ("owner", "case-actor", "other")}
    _, ref = env.seed_report()
    case_id = f"{env.receiver_url}/cases/1"
    invite_id = f"{env.receiver_url}/activities/invite-1"
    now = env.rt.clock()
    invite = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Invite",
              "id": invite_id, "actor": actors["owner"], "to": [env.rt.actor_id],
              "context": case_id,
              "object": {"type": "EmbargoEvent", "id": f"{case_id}/embargoes/2",
                         "context": case_id, "endTime": "2027-04-01T00:00:00Z"}}
    with db.transaction(env.rt.sessions) as s:
        if store_invite:
            state.put_object(s, invite_id, "Invite", invite, now)
        state.put_case(s, case_id, em_state="REVISE", cs_state="Vfd.pxa",
                       embargo_end=now + 86400, now=now, data={
                           "kind": "case", "owner": actors["owner"], "invite_id": invite_id,
                           "case_actor": actors["case-actor"] if case_actor else None,
                           "proposed_end": now + 2 * 86400,
                           "active_embargo": {"id": f"{case_id}/embargoes/1", "end": None}})
        people = [(env.rt.actor_id, ["vendor"]), (actors["owner"], ["vendor", "case_owner"]),
                  (env.finder, ["finder"]), (actors["other"], ["vendor"])]
        if case_actor:
            people.append((actors["case-actor"], ["coordinator", "case_manager"]))
        for actor, roles in people:
            state.put_participant(s, case_id, actor, rm_state="ACCEPTED", em_consent=None,
                                  roles=roles, now=now)
        links.add_link(s, case_id, ref, "tracks", "test", now)
    return ref, actors


def test_EC_goes_only_to_the_proposer(tmp_path: Path) -> None:
    with owner_env(tmp_path) as env:
        ref, actors = _foreign_case(env, case_actor=False)
        env.human_label(ref, "vultron:embargo-accept")
        (accept,) = step(env)
        assert accept["type"] == "Accept" and accept["object"]["type"] == "Invite"
        assert accept["to"] == [actors["owner"]] and "cc" not in accept
        assert env.receiver.paths == ["/actors/owner/inbox/"]
        with env.rt.sessions() as s:
            rows = outbox.list_outbox(s)
            record = state.get_case(s, f"{env.receiver_url}/cases/1")
            me = state.get_participant(s, f"{env.receiver_url}/cases/1", env.rt.actor_id)
        assert [r.recipient for r in rows] == [actors["owner"]]
        # our answer is our consent; the case's embargo changes when its owner says so
        assert record is not None and record.em_state == "REVISE"
        assert record.data["active_embargo"]["id"] == f"{env.receiver_url}/cases/1/embargoes/1"
        assert me is not None and me.em_consent == "SIGNATORY"


def test_EJ_goes_to_the_proposer_and_the_case_actor_it_names(tmp_path: Path) -> None:
    with owner_env(tmp_path) as env:
        ref, actors = _foreign_case(env, case_actor=True)
        env.human_label(ref, "vultron:embargo-reject")
        got = step(env)
        assert {a["type"] for a in got} == {"Reject"} and len(got) == 1  # one activity id
        reject = got[0]
        assert reject["to"] == [actors["owner"]] and reject["cc"] == [actors["case-actor"]]
        assert sorted(env.receiver.paths) == ["/actors/case-actor/inbox/",
                                              "/actors/owner/inbox/"]
        with env.rt.sessions() as s:
            recipients = sorted(r.recipient for r in outbox.list_outbox(s))
        assert recipients == sorted([actors["owner"], actors["case-actor"]])


def test_our_EJ_as_a_participant_leaves_the_revision_pending(tmp_path: Path) -> None:
    """Our answer is our consent: the case's EM and its pending revision stay the owner's
    (live, the reference's owner keeps the revision pending after our Reject and records us
    DECLINED)."""
    with owner_env(tmp_path) as env:
        ref, _ = _foreign_case(env, case_actor=False)
        case_id = f"{env.receiver_url}/cases/1"
        revision = {"id": f"{case_id}/embargoes/2", "end": 1806537600.0}
        with db.transaction(env.rt.sessions) as s:
            record = state.get_case(s, case_id)
            assert record is not None
            state.put_case(s, case_id, em_state=record.em_state, cs_state=record.cs_state,
                           embargo_end=record.embargo_end, now=env.rt.clock(),
                           data={**record.data, "proposed_embargoes": [revision]})
        env.human_label(ref, "vultron:embargo-reject")
        (reject,) = step(env)
        assert reject["type"] == "Reject" and reject["object"]["object"]["id"] == revision["id"]
        with env.rt.sessions() as s:
            after = state.get_case(s, case_id)
            me = state.get_participant(s, case_id, env.rt.actor_id)
        assert after is not None and after.data["proposed_embargoes"] == [revision]
        assert after.em_state == "REVISE" and me is not None and me.em_consent == "DECLINED"


def _refused_privately(env: BridgeEnv, ref: Any, label: str, action: str) -> None:
    """Nothing sent or failed; one private refusal naming the action; the label taken off."""
    assert env.inbound_statuses().get("failed", 0) == 0, env.inbound_statuses()
    with env.rt.sessions() as s:
        assert outbox.list_outbox(s) == []
    issue = env.gh.fake.repos[ref.project].issues[ref.number]
    refusals = [c.body for c in issue.comments if "nothing was sent" in c.body]
    assert len(refusals) == 1 and f"`{action}`" in refusals[0]
    assert "is stored to answer" in refusals[0]
    assert label not in issue.labels


@pytest.mark.parametrize(("label", "action"), [("vultron:embargo-accept", "embargo-accept"),
                                               ("vultron:embargo-reject", "embargo-reject")])
def test_EC_EJ_without_the_stored_Invite_are_refused_privately(
        tmp_path: Path, label: str, action: str) -> None:
    """A revision known only by the case's EM (REVISE), its Invite never stored: EC/EJ have
    nothing to answer — refused with a reason, the case and our consent unchanged."""
    with owner_env(tmp_path) as env:
        ref, _ = _foreign_case(env, case_actor=False, store_invite=False)
        env.human_label(ref, label)
        assert step(env) == []
        _refused_privately(env, ref, label, action)
        with env.rt.sessions() as s:
            record = state.get_case(s, f"{env.receiver_url}/cases/1")
            me = state.get_participant(s, f"{env.receiver_url}/cases/1", env.rt.actor_id)
        assert record is not None and record.em_state == "REVISE"
        assert me is not None and me.em_consent is None


@pytest.mark.parametrize(("label", "action"), [("vultron:embargo-accept", "embargo-accept"),
                                               ("vultron:embargo-reject", "embargo-reject")])
def test_EA_ER_of_our_own_proposal_are_refused_privately(
        tmp_path: Path, label: str, action: str) -> None:
    """Our own proposal is not an Invite to us: EA/ER by our maintainer answer nothing."""
    with owner_env(tmp_path) as env:
        _, ref, case_id = validated(env)
        env.human_comment(ref, "/vultron embargo propose 2027-03-01T12:00:00+01:00")
        step(env)
        with env.rt.sessions() as s:
            sent = len(outbox.list_outbox(s))
        env.human_label(ref, label)
        assert step(env) == []
        assert env.inbound_statuses().get("failed", 0) == 0, env.inbound_statuses()
        with env.rt.sessions() as s:
            assert len(outbox.list_outbox(s)) == sent
            record = state.get_case(s, case_id)
        assert record is not None and record.em_state == "PROPOSED"
        issue = env.gh.fake.repos[ref.project].issues[ref.number]
        refusals = [c.body for c in issue.comments if "nothing was sent" in c.body]
        assert len(refusals) == 1 and f"`{action}`" in refusals[0]
        assert label not in issue.labels


def test_a_non_participant_never_gets_report_content(tmp_path: Path) -> None:
    """Checked at send time: a participant removed after the note was queued, and a message
    queued for a stranger, are dead-lettered with the reason; the finder gets the note."""
    with owner_env(tmp_path) as env:
        _, ref, case_id = validated(env)
        other = f"{env.receiver_url}/actors/other"
        stranger = f"{env.receiver_url}/actors/stranger"
        now = env.rt.clock()
        with db.transaction(env.rt.sessions) as s:
            state.put_participant(s, case_id, other, rm_state="ACCEPTED", em_consent=None,
                                  roles=["vendor"], now=now)
        env.human_comment(ref, "/vultron note CANARY-NOTE patch in 2.4.1")
        drain(env)
        with db.transaction(env.rt.sessions) as s:
            assert sorted(r.recipient for r in outbox.list_outbox(s, status="pending")) == [
                env.finder, other]
            from bridge.store.models import Participant

            s.query(Participant).filter(Participant.case_id == case_id,
                                        Participant.actor == other).delete()
            rv = outbox.list_outbox(s, status="delivered")[0].activity
            outbox.enqueue(s, "urn:uuid:leak", {**rv, "id": "urn:uuid:leak", "to": [stranger]},
                           [(stranger, f"{stranger}/inbox/")], now)
        deliver(env)
        got = [a for a in env.receiver.received if "CANARY" in str(a)]
        assert [a["object"]["type"] for a in got[2:]] == ["Note"]
        assert "/actors/other/inbox/" not in env.receiver.paths
        assert "/actors/stranger/inbox/" not in env.receiver.paths
        with env.rt.sessions() as s:
            dead = {r.recipient: r.last_error for r in outbox.list_outbox(s, status="dead")}
            entries = [e for e in audit.export(s) if e["kind"] == "delivery.dead"]
        assert set(dead) == {other, stranger}
        assert all("not an admitted participant" in (e or "") for e in dead.values())
        assert {e["data"]["recipient"] for e in entries} == {other, stranger}


def _accepted_by_the_finder(env: BridgeEnv, case_id: str, embargo_id: str, end: float) -> None:
    """The finder's Accept of our Invite, as inbound mirroring records it (simulated)."""
    with db.transaction(env.rt.sessions) as s:
        record = state.get_case(s, case_id)
        assert record is not None
        state.put_case(s, case_id, em_state="ACTIVE", cs_state=record.cs_state,
                       embargo_end=end, now=env.rt.clock(), data={
                           **record.data, "proposed_embargoes": [], "proposed_end": None,
                           "active_embargo": {"id": embargo_id, "end": end}})


def test_announce_embargo_puts_our_accepted_proposal_in_force_once(tmp_path: Path) -> None:
    from bridge.app.intents import announce_embargo

    with owner_env(tmp_path) as env:
        _, ref, case_id = validated(env)
        env.human_comment(ref, "/vultron embargo propose 2027-03-01T12:00:00Z")
        (invite,) = step(env)
        _accepted_by_the_finder(env, case_id, invite["object"]["id"], 1803988800.0)
        for _ in range(2):  # the same inbound input processed twice
            with db.transaction(env.rt.sessions) as s:
                announce_embargo(s, env.rt, case_id, "inbox:accept-1", env.rt.clock())
        deliver(env)
        (add,) = env.receiver.received[3:]
        assert add["type"] == "Add" and add["object"]["type"] == "EmbargoEvent"
        assert add["object"]["id"] == invite["object"]["id"] and add["target"]["id"] == case_id
        assert add["to"] == [env.finder] and add["context"] == case_id


def test_accepting_the_finders_proposal_as_owner_puts_it_in_force(tmp_path: Path) -> None:
    with owner_env(tmp_path) as env:
        _, ref, case_id = validated(env)
        invite_id = f"{env.receiver_url}/activities/invite-9"
        embargo_id = f"{env.receiver_url}/embargoes/9"
        now = env.rt.clock()
        with db.transaction(env.rt.sessions) as s:  # the finder's Invite, as mirrored
            state.put_object(s, invite_id, "Invite", {
                "type": "Invite", "id": invite_id, "actor": env.finder, "to": [env.rt.actor_id],
                "context": case_id, "object": {"type": "EmbargoEvent", "id": embargo_id,
                                               "context": case_id,
                                               "endTime": "2027-05-01T00:00:00Z"}}, now)
            record = state.get_case(s, case_id)
            assert record is not None
            state.put_case(s, case_id, em_state="PROPOSED", cs_state=record.cs_state,
                           embargo_end=None, now=now, data={
                               **record.data, "invite_id": invite_id,
                               "proposed_end": 1809129600.0,
                               "proposed_embargoes": [{"id": embargo_id, "end": 1809129600.0}]})
        env.human_label(ref, "vultron:embargo-accept")
        accept, add = step(env)
        assert accept["type"] == "Accept" and accept["object"]["id"] == invite_id
        assert accept["to"] == [env.finder]
        assert add["type"] == "Add" and add["object"]["id"] == embargo_id
        assert add["target"]["id"] == case_id and add["to"] == [env.finder]
        with env.rt.sessions() as s:
            case = load_case(s, case_id)
        assert case is not None and case.active_embargo is not None
        assert case.active_embargo.id == embargo_id and case.proposed == ()


def _inbound(env: BridgeEnv, activity: dict[str, Any]) -> None:
    """An activity as the inbox stores it once it authenticated its sender (processed by
    :func:`step`, through the same mirroring as any inbound activity)."""
    with db.transaction(env.rt.sessions) as s:
        inbound.accept(s, f"inbox:{env.rt.config.actor.name}", str(activity["id"]),
                       json.dumps(activity).encode(), {}, env.rt.clock())


def test_an_embargo_proposed_without_an_id_is_known_by_a_derived_one(tmp_path: Path) -> None:
    """The finder proposes an EmbargoEvent without an id before the case exists (the reference
    would give it a fresh id of its own): we record it as ``<Invite id>#embargo``; the case
    our RV creates keeps it and its Invite; accepting it as owner puts that embargo in force
    by that id, and ET names it — nothing fails."""
    with owner_env(tmp_path) as env:
        report_id, ref = env.seed_report(content="CANARY-OWNER heap overflow")
        invite_id = f"{env.receiver_url}/activities/invite-no-embargo-id"
        derived = f"{invite_id}#embargo"
        _inbound(env, {"@context": "https://www.w3.org/ns/activitystreams", "type": "Invite",
                       "id": invite_id, "actor": env.finder, "to": [env.rt.actor_id],
                       "target": report_id, "context": report_id,
                       "object": {"type": "EmbargoEvent", "context": report_id,
                                  "endTime": "2027-03-01T12:00:00+01:00"}})
        assert step(env) == []
        env.human_label(ref, "vultron:valid")
        assert [a["type"] for a in step(env)] == ["Accept", "Create"]
        case_id = str(env.receiver.received[-1]["object"]["id"])
        with env.rt.sessions() as s:
            case = load_case(s, case_id)
        assert case is not None and [e.id for e in case.proposed] == [derived]
        env.human_label(ref, "vultron:embargo-accept")
        accept, add = step(env)
        assert env.inbound_statuses().get("failed", 0) == 0, env.inbound_statuses()
        assert accept["type"] == "Accept" and accept["object"]["id"] == invite_id
        assert "id" not in accept["object"]["object"]  # the Invite inline, as it came
        assert add["type"] == "Add" and add["object"]["id"] == derived
        with env.rt.sessions() as s:
            after = load_case(s, case_id)
        assert after is not None and after.active_embargo is not None
        assert after.active_embargo.id == derived and after.proposed == ()
        env.human_comment(ref, "/vultron embargo terminate")
        (terminate,) = step(env)
        assert terminate["type"] == "Remove" and terminate["object"]["id"] == derived
