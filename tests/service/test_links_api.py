"""The coordinator API: tokens and roles, links both ways, the case view, CVD metrics."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from bridge.service import auth
from bridge.service.app import create_app
from bridge.store import audit, links
from tests.coord.helpers import ACTOR, make_runtime, put_issue, seed_case
from tests.store.dbutil import BOTH, Database, database
from tests.support.servers import free_port

COORD, AUDITOR, VENDOR = "coord-token-1", "auditor-token-2", "vendor-token-3"
CASE = "https://coord.example/cases/1"
OTHER = "https://coord.example/cases/2"
REPORT = "https://finder.example/reports/1"
CONFIG = f"""
api_tokens:
  - {{token: {COORD}, role: coordinator}}
  - {{token: {AUDITOR}, role: auditor}}
  - {{token: {VENDOR}, role: vendor, cases: ["{CASE}"]}}
trackers:
  ghe: {{kind: github, url: "https://ghe.corp/api/v3", web_host: ghe.corp}}
"""


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(params=BOTH)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database(request.param, tmp_path) as d:
        yield d


@pytest.fixture
def client(store: Database) -> Iterator[httpx.Client]:
    """The app on loopback with its lifespan on (as ``serve`` runs it)."""
    rt = make_runtime(store, CONFIG)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(rt), host="127.0.0.1", port=port,
                                           log_level="error", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the app did not start"
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
            yield c
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def link(client: httpx.Client, subject: str, *refs: str, token: str = COORD,
         relation: str = "tracks") -> dict[str, object]:
    answer = client.post("/links", headers=bearer(token),
                         json={"subject": subject, "refs": list(refs), "relation": relation})
    assert answer.status_code in (200, 201), answer.text
    result: dict[str, object] = answer.json()
    return result


def test_coordinator_links_and_everyone_reads(client: httpx.Client, store: Database) -> None:
    first = link(client, CASE, "github:acme/widget#1", "https://ghe.corp/t/a/issues/4")
    assert first["created"] == 2
    again = client.post("/links", headers=bearer(COORD),
                        json={"subject": CASE, "refs": ["github:acme/widget#1"]})
    assert again.status_code == 200 and again.json()["created"] == 0
    for token in (COORD, AUDITOR, VENDOR):
        got = client.get("/links", params={"subject": CASE}, headers=bearer(token))
        assert got.status_code == 200, got.text
        assert sorted(d["ref"] for d in got.json()["links"]) == [
            "ghe:t/a#4", "github:acme/widget#1"]
    by_ref = client.get("/links", params={"ref": "https://github.com/acme/widget/issues/1"},
                        headers=bearer(AUDITOR))
    assert [d["subject"] for d in by_ref.json()["links"]] == [CASE]
    with store.reader() as s:
        entries = audit.entries_for(s, CASE)
    assert [e["kind"] for e in entries] == ["link.added", "link.added"]
    assert entries[0]["data"]["by"] == "api:" + auth.fingerprint(COORD)
    assert COORD not in str(entries)


def test_delete_by_body_or_query(client: httpx.Client, store: Database) -> None:
    link(client, CASE, "github:acme/widget#1", "github:acme/widget#2")
    link(client, CASE, "github:acme/widget#1", relation="fixes")
    one = client.request("DELETE", "/links", headers=bearer(COORD),
                         json={"subject": CASE, "ref": "github:acme/widget#1",
                               "relation": "fixes"})
    assert one.status_code == 200 and one.json()["relations"] == ["fixes"]
    rest = client.delete("/links", headers=bearer(COORD),
                         params={"subject": CASE, "ref": "github:acme/widget#1"})
    assert rest.json() == {"subject": CASE, "ref": "github:acme/widget#1", "removed": 1,
                           "relations": ["tracks"]}
    with store.reader() as s:
        assert [r.ref for r in links.links_for_subject(s, CASE)] == ["github:acme/widget#2"]
    half = client.delete("/links", headers=bearer(COORD), params={"subject": CASE})
    assert half.status_code == 400


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"},
                                     {"Authorization": f"Basic {COORD}"},
                                     {"Authorization": "Bearer"}])
def test_missing_or_bad_tokens_get_401(client: httpx.Client, headers: dict[str, str]) -> None:
    for answer in (client.get("/links", params={"subject": CASE}, headers=headers),
                   client.post("/links", headers=headers, json={"subject": CASE, "refs": []}),
                   client.get(f"/cases/{CASE}", headers=headers)):
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert COORD not in answer.text


@pytest.mark.parametrize("token", [AUDITOR, VENDOR])
def test_readers_may_not_write(client: httpx.Client, token: str) -> None:
    post = client.post("/links", headers=bearer(token),
                       json={"subject": CASE, "refs": ["github:o/r#1"]})
    delete = client.delete("/links", headers=bearer(token),
                           params={"subject": CASE, "ref": "github:o/r#1"})
    assert post.status_code == delete.status_code == 403
    assert "may not change links" in post.json()["error"]


def test_vendor_sees_only_its_cases(client: httpx.Client, store: Database) -> None:
    seed_case(store, CASE, reports=(REPORT,))
    link(client, CASE, "github:acme/widget#1")
    link(client, REPORT, "github:acme/widget#1", relation="mirrors")
    link(client, OTHER, "github:acme/widget#1", "github:acme/widget#9")
    mine = client.get("/links", params={"subject": REPORT}, headers=bearer(VENDOR))
    assert mine.status_code == 200  # a report of its case
    theirs = client.get("/links", params={"subject": OTHER}, headers=bearer(VENDOR))
    assert theirs.status_code == 403
    shared = client.get("/links", params={"ref": "github:acme/widget#1", "depth": 3},
                        headers=bearer(VENDOR))
    assert {d["subject"] for d in shared.json()["links"]} == {CASE, REPORT}
    assert "github:acme/widget#9" not in shared.text and OTHER not in shared.text
    assert client.get(f"/cases/{OTHER}", headers=bearer(VENDOR)).status_code == 403
    assert client.get(f"/cases/{CASE}", headers=bearer(VENDOR)).status_code == 200


def test_bad_input_is_named_never_echoed(client: httpx.Client) -> None:
    secret = "github:acme/embargoed-CVE-detail"
    bad_ref = client.post("/links", headers=bearer(COORD),
                          json={"subject": CASE, "refs": [secret]})
    assert bad_ref.status_code == 400 and "accepted forms" in bad_ref.json()["error"]
    not_json = client.post("/links", headers={**bearer(COORD),
                                              "Content-Type": "application/json"},
                           content=b"{not json: embargoed details")
    assert not_json.status_code == 400 and "embargoed" not in not_json.text
    wrong = client.post("/links", headers=bearer(COORD),
                        json={"subject": CASE, "refs": "x", "extra": "embargoed"})
    assert wrong.status_code == 422 and "embargoed" not in wrong.text
    assert "refs" in wrong.json()["error"] and "extra" in wrong.json()["error"]
    text = client.post("/links", headers={**bearer(COORD), "Content-Type": "text/plain"},
                       content=b"x")
    assert text.status_code == 415
    both = client.get("/links", params={"subject": CASE, "ref": "github:o/r#1"},
                      headers=bearer(AUDITOR))
    assert both.status_code == 400
    deep = client.get("/links", params={"subject": CASE, "depth": 11}, headers=bearer(AUDITOR))
    assert deep.status_code == 422
    subject = client.get("/links", params={"subject": "two words"}, headers=bearer(AUDITOR))
    assert subject.status_code == 400


def test_case_view_from_the_store(client: httpx.Client, store: Database) -> None:
    seed_case(store, CASE, em="ACTIVE", embargo_end=1_800_000_000.0,
              participants=((ACTOR, "ACCEPTED"), ("https://v2.example/actors/v", "VALID")))
    link(client, CASE, "github:acme/widget#1", "gitlab:g/p#2", "ghe:t/a#3")
    put_issue(store, "github:acme/widget#1", state="open", labels=["vultron:fix-ready"])
    put_issue(store, "gitlab:g/p#2", state="closed")
    answer = client.get(f"/cases/{CASE}", headers=bearer(AUDITOR))
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert view["em_state"] == "ACTIVE" and view["embargo_end"] == "2027-01-15T08:00:00+00:00"
    assert [p["rm_state"] for p in view["participants"]] == ["ACCEPTED", "VALID"]
    assert [(i["ref"], i["state"], i["fix_ready"]) for i in view["issues"]] == [
        ("ghe:t/a#3", "unknown", False), ("github:acme/widget#1", "open", True),
        ("gitlab:g/p#2", "closed", False)]
    assert view["aggregate"]["trackers"] == ["ghe", "github", "gitlab"]
    missing = client.get("/cases/https://nowhere.example/c/1", headers=bearer(AUDITOR))
    assert missing.status_code == 404


def test_cvd_metrics_on_the_metrics_endpoint(client: httpx.Client, store: Database) -> None:
    with store.factory() as s, s.begin():
        audit.append(s, "mirror.report", REPORT, {"ref": "github:o/r#1", "finder": "f"}, 100.0)
        audit.append(s, "rules.decided", REPORT, {"sent": ["RV"]}, 3700.0)
    text = client.get("/metrics").text
    assert 'vultron_bridge_cvd_median_seconds{metric="triage",tracker="all"} 3600.0' in text
    assert 'vultron_bridge_cvd_median_seconds{metric="triage",tracker="github"} 3600.0' in text
    assert 'vultron_bridge_cvd_duration_seconds_bucket{le="3600.0",metric="triage"} 1.0' in text
    assert REPORT not in text  # no ids in labels
