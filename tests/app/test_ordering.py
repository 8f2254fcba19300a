"""The keys that keep related inputs in order when a worker handles a batch concurrently."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bridge.app.keyed import Keys
from bridge.app.ordering import activity_keys, webhook_keys
from bridge.core.events import EventKind, TrackerEvent, WebhookResult
from bridge.core.refs import TrackerRef
from bridge.store import db, links
from tests.support.app_env import FINDER, make_env, offer

CASE = "https://coord.example/cases/7"
REPORT = "https://finder.example/reports/1"


def _keys(activity: dict[str, object]) -> set[str]:
    return activity_keys(json.dumps(activity).encode())


def test_an_offer_is_keyed_by_its_report_not_by_who_sent_it() -> None:
    keys = _keys(offer())
    assert REPORT in keys
    assert FINDER not in keys
    assert _keys(offer(1)) & _keys(offer(2)) == set()  # one finder's reports may overlap


def test_messages_about_one_case_share_a_key() -> None:
    invite = {"type": "Invite", "id": "https://coord.example/activities/inv-1", "actor": CASE,
              "object": {"type": "EmbargoEvent", "id": f"{CASE}/embargo/1", "context": CASE},
              "context": CASE, "to": [FINDER]}
    accept = {"type": "Accept", "id": "https://vendor.example/activities/acc-1",
              "actor": "https://vendor.example/actors/v", "object": invite["id"]}
    add = {"type": "Add", "id": "https://coord.example/activities/add-1", "actor": CASE,
           "object": REPORT, "target": CASE}
    assert CASE in _keys(invite)
    assert _keys(accept) & _keys(invite) == {invite["id"]}
    assert _keys(add) >= {REPORT, CASE}
    assert _keys(add) & _keys(offer()) == {REPORT}


def test_unreadable_bodies_have_no_keys() -> None:
    assert activity_keys(b"\xff not json") == set()
    assert activity_keys(b"[" * 5000) == set()


def test_a_webhook_is_keyed_by_project_issue_and_what_the_issue_is_linked_to(
    tmp_path: Path,
) -> None:
    ref = TrackerRef("github", "acme/embargoed", 4)
    event = TrackerEvent(kind=EventKind.LABELED, tracker="github", ref=ref,
                         project="acme/embargoed", label="vultron:valid")
    result = WebhookResult(tracker="github", event_name="issues", events=[event])
    body = result.model_dump_json().encode()
    with make_env(tmp_path) as env:
        keys = webhook_keys(env.rt, body)
        assert keys.exclusive == {str(ref)}
        assert keys.shared == {"project:github:acme/embargoed"}  # other issues may overlap
        with db.transaction(env.rt.sessions) as session:
            links.add_link(session, CASE, ref, "tracks", "test", time.time())
        assert CASE in webhook_keys(env.rt, body).exclusive
        release = WebhookResult(tracker="github", event_name="release", events=[TrackerEvent(
            kind=EventKind.RELEASE_PUBLISHED, tracker="github", project="acme/embargoed")])
        keys = webhook_keys(env.rt, release.model_dump_json().encode())
        assert keys.exclusive == {"project:github:acme/embargoed"} and not keys.shared
        assert webhook_keys(env.rt, b"{not json") == Keys()
