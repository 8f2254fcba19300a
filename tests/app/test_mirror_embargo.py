"""Embargo messages from peers → EM state, labels, comments with the end's time zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bridge.app.render import RenderContext
from bridge.app.subjects import load_view, render_context
from bridge.store import db, state
from tests.app.test_mirror_case import CASE, COORD, OURS, activity, case_doc
from tests.app.test_mirror_report import make_pending
from tests.support.app_env import FINDER, Env, make_env, offer

END = "2099-01-31T12:00:00-05:00"
END_UTC = "2099-01-31T17:00:00+00:00"
LATER = "2099-06-30T00:00:00+02:00"


@pytest.fixture
def eenv(tmp_path: Path) -> Iterator[Env]:
    trusted = [(FINDER, None), ("https://coord.example/actors/", None)]
    with make_env(tmp_path, trusted=trusted) as env:
        env.post(offer())
        env.post(activity("Create", case_doc(), "c1"))
        assert env.work() == ["done", "done"]
        yield env


def embargo(end: str, n: int = 1) -> dict[str, Any]:
    return {"type": "EmbargoEvent", "id": f"{CASE}/embargoes/{n}", "context": CASE,
            "startTime": "2024-01-01T00:00:00Z", "endTime": end}


def invite(end: str, n: int = 1) -> dict[str, Any]:
    return activity("Invite", embargo(end, n), f"inv-{n}", target=CASE, context=CASE)


def labels(env: Env) -> list[str]:
    return list(env.tracker.fake.repos["acme/embargoed"].issues[1].labels)


def comments(env: Env) -> list[str]:
    return [c.body for c in env.tracker.fake.repos["acme/embargoed"].issues[1].comments]


def case(env: Env) -> state.CaseRecord:
    with env.rt.sessions() as session:
        record = state.get_case(session, CASE)
    assert record is not None
    return record


def test_proposal_accept_and_terminate(eenv: Env) -> None:
    eenv.post(invite(END))
    assert eenv.work() == ["done"]
    assert "vultron:embargo-proposed" in labels(eenv)
    [proposal] = [c for c in comments(eenv) if "proposes an embargo" in c]
    assert END in proposal and f"{END_UTC} UTC" in proposal
    assert "vultron:embargo-accept" in proposal and "/vultron embargo accept" in proposal
    record = case(eenv)
    assert record.em_state == "PROPOSED" and record.data["invite_id"] == invite(END)["id"]
    # our answer (EA) can carry the stored Invite inline
    with eenv.rt.sessions() as session:
        view = load_view(session, CASE, OURS, "")
        ctx: RenderContext = render_context(session, view, OURS, "seed", eenv.rt.now())
    assert ctx.invite is not None and ctx.invite.id == invite(END)["id"]

    eenv.post(activity("Accept", invite(END), "acc-1", actor=FINDER))
    assert eenv.work() == ["done"]
    # another participant's answer records its consent; only the owner's word moves the
    # case's embargo (as the reference implementation has it)
    assert case(eenv).em_state == "PROPOSED"
    with eenv.rt.sessions() as session:
        finder = state.get_participant(session, CASE, FINDER)
    assert finder is not None and finder.em_consent == "SIGNATORY"
    eenv.post(activity("Add", embargo(END), "add-1", target=CASE))
    assert eenv.work() == ["done"]
    assert "vultron:embargo-active" in labels(eenv)
    assert "vultron:embargo-proposed" not in labels(eenv)
    record = case(eenv)
    assert record.em_state == "ACTIVE" and record.embargo_end is not None
    assert record.data["active_embargo"]["id"] == embargo(END)["id"]
    assert record.data["proposed_embargoes"] == []

    eenv.post(activity("Remove", embargo(END), "rm-1", origin=CASE))
    assert eenv.work() == ["done"]
    assert "vultron:embargo-exited" in labels(eenv)
    assert "vultron:embargo-active" not in labels(eenv)
    assert case(eenv).em_state == "EXITED"
    assert any("terminated the embargo" in c for c in comments(eenv))


def test_a_revision_while_active_is_ev(eenv: Env) -> None:
    eenv.post(invite(END))
    eenv.post(activity("Accept", invite(END), "acc-1", actor=FINDER))
    eenv.post(activity("Add", embargo(END), "add-1", target=CASE))
    eenv.post(invite(LATER, 2))
    assert eenv.work() == ["done", "done", "done", "done"]
    assert case(eenv).em_state == "REVISE"
    assert "vultron:embargo-active" in labels(eenv)  # the agreed terms stay in force
    assert any("revision of the embargo" in c and "2099-06-29T22:00:00+00:00 UTC" in c
               for c in comments(eenv))
    assert [p["id"] for p in case(eenv).data["proposed_embargoes"]] == [embargo(LATER, 2)["id"]]
    eenv.post(activity("Reject", invite(LATER, 2), "rej-2", actor=FINDER))
    assert eenv.work() == ["done"]
    assert case(eenv).em_state == "REVISE"  # the finder's answer is its consent only
    # the owner keeps the agreed terms: its word puts END back in force
    status = {"type": "CaseStatus", "context": CASE, "emState": "ACTIVE", "pxaState": "pxa"}
    eenv.post(activity("Add", status, "st-3", target=CASE))
    assert eenv.work() == ["done"]
    record = case(eenv)
    assert record.em_state == "ACTIVE"
    assert record.embargo_end == datetime.fromisoformat(END).timestamp()  # END, unchanged


def test_refused_transitions_are_ignored_with_the_reason(eenv: Env) -> None:
    eenv.post(activity("Accept", invite(END), "acc-0", actor=FINDER))  # nothing pending
    eenv.post(invite("2001-01-01T00:00:00+00:00", 5))  # in the past
    eenv.post(invite("2099-01-01T00:00:00", 6))  # no time zone
    eenv.post(invite(END))
    eenv.post(activity("Accept", invite(LATER, 7), "acc-stale", actor=FINDER))  # other end
    assert eenv.work() == ["done"] * 5
    rows = eenv.inbound_rows()[2:]
    assert [s for s, _ in rows] == ["ignored", "ignored", "ignored", "done", "ignored"]
    assert all("refused" in (r or "") for s, r in rows if s == "ignored")
    assert case(eenv).em_state == "PROPOSED"


def test_reprocessing_an_embargo_message_changes_nothing_more(eenv: Env) -> None:
    eenv.post(invite(END))
    eenv.post(activity("Accept", invite(END), "acc-1", actor=FINDER))
    eenv.post(activity("Add", embargo(END), "add-1", target=CASE))
    assert eenv.work() == ["done", "done", "done"]
    before = (case(eenv).em_state, len(comments(eenv)), labels(eenv))
    make_pending(eenv)
    assert set(eenv.work()) == {"done"}
    assert (case(eenv).em_state, len(comments(eenv)), labels(eenv)) == before


def test_the_case_owner_puts_an_embargo_in_force(eenv: Env) -> None:
    eenv.post(activity("Add", embargo(END), "add-e", target=CASE))
    assert eenv.work() == ["done"]
    record = case(eenv)
    assert record.em_state == "ACTIVE"
    assert record.embargo_end == datetime.fromisoformat(END).timestamp()
    assert "vultron:embargo-active" in labels(eenv)


def _our_proposal_pending(env: Env, owner: str) -> dict[str, Any]:
    """The case (owned by ``owner``) with our proposal pending; the finder's Reject of it."""
    ours = {"type": "EmbargoEvent", "id": f"{OURS}/activities/embargo-1", "context": CASE,
            "endTime": END}
    with db.transaction(env.rt.sessions) as session:
        record = state.get_case(session, CASE)
        assert record is not None
        state.put_case(session, CASE, em_state="PROPOSED", cs_state=record.cs_state,
                       embargo_end=None, now=env.rt.clock(), data={
                           **record.data, "owner": owner,
                           "proposed_end": datetime.fromisoformat(END).timestamp(),
                           "proposed_embargoes": [
                               {"id": ours["id"], "end": datetime.fromisoformat(END).timestamp()}]})
    our_invite = {"type": "Invite", "id": f"{OURS}/activities/invite-1", "actor": OURS,
                  "context": CASE, "object": ours}
    return activity("Reject", our_invite, "rej-ours", actor=FINDER, context=CASE)


@pytest.mark.parametrize("owner", [COORD, OURS])
def test_a_rejection_of_our_proposal_drops_it_from_the_case(eenv: Env, owner: str) -> None:
    """Whether or not we own the case, the proposal the finder rejected is pending no more."""
    eenv.post(_our_proposal_pending(eenv, owner))
    assert eenv.work() == ["done"]
    assert case(eenv).data["proposed_embargoes"] == []


def test_a_rejection_of_the_owners_proposal_leaves_it_pending(eenv: Env) -> None:
    """Another party's proposal in a case we do not own: a participant's rejection is its
    consent, the proposal stays the owner's to withdraw."""
    eenv.post(invite(END))
    eenv.post(activity("Reject", invite(END), "rej-1", actor=FINDER))
    assert eenv.work() == ["done", "done"]
    assert [p["id"] for p in case(eenv).data["proposed_embargoes"]] == [embargo(END)["id"]]


def _without_id(end: str) -> dict[str, Any]:
    found = embargo(end)
    del found["id"]
    return found


def test_an_embargo_put_in_force_without_an_id_gets_a_derived_one(eenv: Env) -> None:
    """The owner's Add(EmbargoEvent) without an id: in force, known as ``<Add id>#embargo``
    (the reference would mint a fresh id of its own) — never the embargo held before."""
    add = activity("Add", _without_id(END), "add-no-id", target=CASE)
    eenv.post(add)
    assert eenv.work() == ["done"]
    record = case(eenv)
    assert record.em_state == "ACTIVE"
    assert record.data["active_embargo"]["id"] == f"{add['id']}#embargo"


def test_an_embargo_end_naming_no_embargo_is_refused(eenv: Env) -> None:
    """Remove(EmbargoEvent) without an id names no embargo: refused with the reason (the
    reference's fresh id for it is never the active one: it ends nothing there either)."""
    eenv.post(activity("Add", embargo(END), "add-e", target=CASE))
    eenv.post(activity("Remove", _without_id(END), "rm-no-id", target=CASE))
    eenv.work()
    status, reason = eenv.inbound_rows()[-1]
    assert status == "ignored" and reason is not None and "refused (embargo_id)" in reason
    assert case(eenv).em_state == "ACTIVE"
    assert any("refused" in c and "names no embargo" in c for c in comments(eenv))
