"""An invitation to join a case (``Invite(us → case)``), answered from the tracker with
``/vultron case accept|reject``: the answer carries the Invite inline and goes to whom invited
us; the invitation is then no longer pending. The inbound side (``mirror_case.on_invitation``)
is played here by writing what it stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridge.store import db, links, outbox, state
from bridge.store.cases import INVITATION
from tests.service.bridge_env import BridgeEnv, bridge_env
from tests.service.test_e2e_case_owner import step


def _invited(env: BridgeEnv) -> tuple[Any, str, str, str]:
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
