"""An invitation to join a case (``Invite(us → case)``), answered from the tracker with
``/vultron case accept|reject``: the answer carries the Invite inline and goes to whom invited
us; the invitation is then no longer pending. The inbound side (``mirror_invite.on_invitation``)
is played here by writing what it stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bridge.core.vocab.base import ref_id
from bridge.store import db, links, outbox, state
from bridge.store.cases import INVITATION
from tests.service.bridge_env import BridgeEnv, bridge_env
from tests.service.test_e2e_case_owner import step


def _invited(env: BridgeEnv, *, store_invite: bool = True) -> tuple[Any, str, str, str]:
    case_id = f"{env.receiver_url}/cases/2"
    inviter = f"{env.receiver_url}/actors/case-actor"
    invite_id = f"{env.receiver_url}/activities/invite-to-case-2"
    invite = {"type": "Invite", "id": invite_id, "actor": inviter,
              "to": [env.rt.actor_id], "cc": [inviter],
              "object": {"id": env.rt.actor_id, "type": "Service"},
              "target": case_id, "roles": ["vendor"]}
    ensured = env.adapter.ensure_private_issue(
        env.destination, case_id, "Invitation to a case", "answer with /vultron case accept",
        ["vultron:invited"])
    now = env.rt.clock()
    with db.transaction(env.rt.sessions) as s:
        state.put_object(s, INVITATION + case_id, "CaseInvitation", {
            "inviter": inviter, "invite_id": invite_id, "state": "pending"}, now)
        if store_invite:
            state.put_object(s, invite_id, "Invite", invite, now)
        links.add_link(s, case_id, ensured.ref, "mirrors", "inbox", now)
    return ensured.ref, case_id, inviter, invite_id


def test_case_accept_answers_the_invitation_to_whom_invited_us(tmp_path: Path) -> None:
    with bridge_env(tmp_path, workers=False) as env:
        ref, case_id, inviter, invite_id = _invited(env)
        env.human_comment(ref, "/vultron case accept")
        (accept,) = step(env)
        assert accept["type"] == "Accept" and accept["actor"] == env.rt.actor_id
        assert accept["object"]["id"] == invite_id and accept["object"]["type"] == "Invite"
        assert accept["to"] == [inviter]
        assert env.receiver.paths == ["/actors/case-actor/inbox/"]
        with env.rt.sessions() as s:
            invitation = state.get_object(s, INVITATION + case_id)
        assert invitation is not None and invitation.data["state"] == "accepted"
        assert invitation.data["answer_id"] == accept["id"]
        issue = env.gh.fake.repos[ref.project].issues[ref.number]  # type: ignore[index]
        assert "vultron:invited" not in issue.labels
        # answered: a second answer is refused, privately, and sends nothing
        env.human_comment(ref, "/vultron case reject")
        assert step(env) == []
        assert any("no invitation to this case is pending" in c.body for c in issue.comments)


def test_case_reject_answers_with_a_reject(tmp_path: Path) -> None:
    with bridge_env(tmp_path, workers=False) as env:
        ref, case_id, inviter, invite_id = _invited(env)
        env.human_comment(ref, "/vultron case reject")
        (reject,) = step(env)
        assert reject["type"] == "Reject" and reject["object"]["id"] == invite_id
        assert reject["to"] == [inviter]
        with env.rt.sessions() as s:
            invitation = state.get_object(s, INVITATION + case_id)
            rows = outbox.list_outbox(s)
        assert invitation is not None and invitation.data["state"] == "rejected"
        assert [r.status for r in rows] == ["delivered"]


def _joined(env: BridgeEnv) -> tuple[Any, str, str]:
    ref, case_id, inviter, _ = _invited(env)
    env.human_comment(ref, "/vultron case accept")
    step(env)
    return ref, case_id, inviter


def _no_input_failed(env: BridgeEnv) -> None:
    assert env.inbound_statuses().get("failed", 0) == 0, env.inbound_statuses()


@pytest.mark.parametrize(("label", "rm"), [("vultron:valid", "VALID"),
                                           ("vultron:invalid", "INVALID")])
def test_RV_RI_after_joining_by_invitation_announce_our_status_to_the_case(
        tmp_path: Path, label: str, rm: str) -> None:
    """Never Offered the report, the bridge has no Offer to Accept or TentativeReject: its
    RM change is its status in the case, to the case's audience (here the case actor)."""
    with bridge_env(tmp_path, workers=False) as env:
        ref, case_id, inviter = _joined(env)
        env.human_label(ref, label)
        (status,) = step(env)
        _no_input_failed(env)
        assert status["type"] == "Add" and status["context"] == case_id
        assert status["actor"] == env.rt.actor_id and status["to"] == [inviter]
        assert "cc" not in status
        obj = status["object"]
        assert obj["type"] == "ParticipantStatus" and obj["rmState"] == rm
        assert obj["attributedTo"] == env.rt.actor_id and obj["context"] == case_id
        assert obj["vfdState"] == "vfd" and obj["cvdRole"] == ["vendor"]
        assert status["target"] == env.rt.actor_id  # the case named no participant id yet
        with env.rt.sessions() as s:
            me = state.get_participant(s, case_id, env.rt.actor_id)
        assert me is not None and me.rm_state == rm


def test_engage_defer_close_after_joining_by_invitation(tmp_path: Path) -> None:
    """RV as our status, then RA/RD/RC as Join/Ignore/Leave(case) to the case, none failed."""
    with bridge_env(tmp_path, workers=False) as env:
        ref, case_id, inviter = _joined(env)
        sent = []
        for label in ("vultron:valid", "vultron:accepted", "vultron:deferred"):
            env.human_label(ref, label)
            sent += step(env)
        env.human_close(ref)
        sent += step(env)
        _no_input_failed(env)
        assert [a["type"] for a in sent] == ["Add", "Join", "Ignore", "Leave"]
        assert all(a["to"] == [inviter] for a in sent)
        assert all(ref_id(a.get("context")) == case_id for a in sent)
        with env.rt.sessions() as s:
            me = state.get_participant(s, case_id, env.rt.actor_id)
        assert me is not None and me.rm_state == "CLOSED"


@pytest.mark.parametrize("answer", ["accept", "reject"])
def test_case_answer_without_the_stored_invite_is_refused_privately(
        tmp_path: Path, answer: str) -> None:
    """The invitation is pending but its Invite is not stored (nothing to carry inline, no
    one to answer): a private refusal, nothing sent, the invitation still pending, no input
    failed."""
    with bridge_env(tmp_path, workers=False) as env:
        ref, case_id, _, _ = _invited(env, store_invite=False)
        env.human_comment(ref, f"/vultron case {answer}")
        assert step(env) == []
        _no_input_failed(env)
        with env.rt.sessions() as s:
            invitation = state.get_object(s, INVITATION + case_id)
            assert outbox.list_outbox(s) == []
        assert invitation is not None and invitation.data["state"] == "pending"
        issue = env.gh.fake.repos[ref.project].issues[ref.number]  # type: ignore[index]
        refusal = [c.body for c in issue.comments if "nothing was sent" in c.body]
        assert len(refusal) == 1 and f"case-{answer}" in refusal[0]
        assert "the invitation itself (its Invite) is not stored" in refusal[0]
