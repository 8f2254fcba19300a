"""``kill -9`` between the tracker's "created" and the bridge's record: exactly one issue per
report.

A real ``vultron-bridge worker`` process mirrors stored report offers (inbox inputs) into a
fake GitHub. The fake kills the worker with SIGKILL the moment it has created an issue, before
the answer leaves: the worker never learns the issue number and never records the link. The
test then lets the lease run out (as 120 s would) and starts a new worker, which must find the
issue again by its hidden marker instead of creating a second one.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import update

from bridge.core.markers import marker_token
from bridge.httpsig.keys import new_key_file
from bridge.store import db, inbound, links
from bridge.store.models import Inbound
from tests.fakes.github import routes as r
from tests.fakes.github.harness import BOT, PRIVATE_REPO, TOKEN
from tests.fakes.github.server import FakeGitHub, Fault
from tests.reliability.appenv import activity
from tests.reliability.figures import figure

CONFIG = """
actor: {{name: vendor, base_url: "https://bridge.example", key_file: "{key}"}}
database_url: "{db}"
trackers:
  github: {{kind: github, url: "{github}", token: "{token}", webhook_secrets: [s],
            bot_login: {bot}}}
destinations:
  default: {{tracker: github, project: {repo}, mode: private_issue}}
delivery: {{timeout_seconds: 1}}
"""
CREATE = re.compile(r"^/repos/[^/]+/[^/]+/issues$")


class KillingGitHub(FakeGitHub):
    """Kills the worker process right after creating an issue, before answering."""

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.victim: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def handle(self, method: str, raw_path: str, headers: dict[str, str],
               raw_body: bytes) -> tuple[r.Response, Fault | None]:
        answer, fault = super().handle(method, raw_path, headers, raw_body)
        if method == "POST" and CREATE.match(raw_path) and answer.status == 201:
            victim = self.victim
            if victim is not None and victim.poll() is None:
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                self.kills += 1
        return answer, fault


def _crash_between_create_and_record(tmp_path: Path, reports: int) -> None:
    fake = KillingGitHub(token=TOKEN, login=BOT)
    with fake:
        repo = fake.add_repo(PRIVATE_REPO, private=True)
        url = f"sqlite:///{tmp_path / 'bridge.db'}"
        config = tmp_path / "bridge.yaml"
        config.write_text(CONFIG.format(key=new_key_file(tmp_path / "actor.pem"), db=url,
                                        github=fake.base_url, token=TOKEN, bot=BOT,
                                        repo=PRIVATE_REPO),
                          encoding="utf-8")
        engine = db.make_engine(url)
        db.migrate(engine)
        sessions = db.session_factory(engine)
        peer = "https://finder.example/actors/finn"
        report_ids = []
        with db.transaction(sessions) as s:
            for n in range(reports):
                doc = activity(peer, n)
                report_ids.append(doc["object"]["id"])
                inbound.accept(s, "inbox:vendor", doc["id"], json.dumps(doc).encode(), {},
                               time.time())
        log = tmp_path / "worker.log"
        starts = 0
        deadline = time.monotonic() + 60 + 3 * reports
        try:
            while time.monotonic() < deadline:
                with sessions() as s:
                    counts = inbound.inbound_counts(s)
                if counts["pending"] == 0:
                    break
                with db.transaction(sessions) as s:  # the dead worker's leases run out
                    s.execute(update(Inbound).values(lease_until=None, lease_owner=None)
                              .where(Inbound.status == "pending"))
                with log.open("ab") as err:
                    fake.victim = subprocess.Popen(
                        [sys.executable, "-m", "bridge.cli.main", "worker", "--config",
                         str(config)], stdout=subprocess.DEVNULL, stderr=err)
                starts += 1
                while fake.victim.poll() is None:  # until the fake kills it on a create
                    with sessions() as s:
                        if inbound.inbound_counts(s)["pending"] == 0:
                            break
                    assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
                    time.sleep(0.05)
        finally:
            if fake.victim is not None and fake.victim.poll() is None:
                fake.victim.kill()
                fake.victim.wait()
        with sessions() as s:
            counts = inbound.inbound_counts(s)
            linked = {rid: links.links_for_subject(s, rid) for rid in report_ids}
        engine.dispose()
        issues_per_report = {
            rid: sum(1 for i in repo.issues.values() if marker_token(rid) in (i.body or ""))
            for rid in report_ids
        }
    detail = log.read_text(errors="replace")[-3000:]
    assert counts["pending"] == 0 and counts["failed"] == 0, (counts, detail)
    assert fake.kills >= reports, (fake.kills, detail)
    assert set(issues_per_report.values()) == {1}, issues_per_report
    assert len(repo.issues) == reports
    assert all(len(v) == 1 for v in linked.values()), linked
    figure("kill -9 between create and record", f"{fake.kills} kills right after the tracker "
           f"created an issue, {starts} worker starts -> {reports} reports, {len(repo.issues)} "
           "issues (1 each, found again by marker), every report linked once")


def test_kill_between_create_and_record(tmp_path: Path) -> None:
    _crash_between_create_and_record(tmp_path, reports=2)


@pytest.mark.slow
def test_kill_between_create_and_record_50_times(tmp_path: Path) -> None:
    _crash_between_create_and_record(tmp_path, reports=50)
