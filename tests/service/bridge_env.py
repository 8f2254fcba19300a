"""A whole bridge on loopback for end-to-end tests: fake GitHub (sending signed webhooks to
the bridge), the bridge's HTTP app with its processing and delivery workers, and a receiver
that behaves like the reference implementation's inbox.

``tests/reliability/e2e.py`` (privacy runs: the receiver's actors trusted, an alarm hook) and
``tests/mail/support.py`` (the mail listener) build theirs with ``bridge_env`` and its options.
The GitHub Action has no server and keeps its own (``tests/action/harness.py``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bridge.app import delivery, process
from bridge.app.runtime import Runtime
from bridge.config import load_config_text
from bridge.core.refs import TrackerRef
from bridge.core.tracker import TrackerAdapter
from bridge.service.app import create_app
from bridge.store import db, links, state
from tests.fakes.github.harness import (
    BOT,
    PRIVATE_REPO,
    WEBHOOK_SECRET,
    GitHubHarness,
    github_harness,
)
from tests.fakes.github.model import Comment, Label, User
from tests.fakes.gitlab import harness as gl
from tests.support.servers import Receiver, free_port, running_app

HUMAN = "maintainer"


@dataclass
class BridgeEnv:
    rt: Runtime
    gh: GitHubHarness
    receiver: Receiver
    bridge_url: str
    receiver_url: str
    glh: gl.GitLabHarness | None = None

    @property
    def adapter(self) -> TrackerAdapter:
        return self.glh.adapter if self.glh else self.gh.adapter

    @property
    def destination(self) -> Any:
        return (self.glh.private_issue_destination if self.glh
                else self.gh.private_issue_destination)

    @property
    def finder(self) -> str:
        return f"{self.receiver_url}/actors/finder"

    def seed_report(self, number: int = 1, content: str = "details") -> tuple[str, TrackerRef]:
        """A report that arrived earlier: its Offer stored, a private issue mirroring it,
        the finder as participant (what inbound mirroring leaves behind)."""
        report_id = f"{self.receiver_url}/reports/{number}"
        offer = {
            "@context": "https://www.w3.org/ns/activitystreams", "type": "Offer",
            "id": f"{self.receiver_url}/activities/offer-{number}", "actor": self.finder,
            "to": [self.rt.actor_id],
            "object": {"type": "VulnerabilityReport", "id": report_id,
                       "name": f"R-{number}", "content": content},
        }
        result = self.adapter.ensure_private_issue(
            self.destination, report_id, f"Report R-{number}", content, ["vultron:received"],
        )
        now = self.rt.clock()
        with db.transaction(self.rt.sessions) as session:
            state.put_object(session, str(offer["id"]), "Offer", offer, now)
            state.put_case(session, report_id, em_state="NONE", cs_state="Vfd.pxa",
                           embargo_end=None, now=now,
                           data={"kind": "report", "offer_id": offer["id"], "finder": self.finder})
            state.put_participant(session, report_id, self.rt.actor_id, rm_state="RECEIVED",
                                  em_consent=None, roles=["vendor"], now=now)
            state.put_participant(session, report_id, self.finder, rm_state="ACCEPTED",
                                  em_consent=None, roles=["finder"], now=now)
            links.add_link(session, report_id, result.ref, "mirrors", "test", now)
        return report_id, result.ref

    def _issue(self, ref: TrackerRef) -> Any:
        repo = self.gh.fake.repos[ref.project]
        assert ref.number is not None
        return repo, repo.issues[ref.number]

    def _gitlab_as_human(self, ref: TrackerRef, **changes: str) -> None:
        assert self.glh is not None
        project = quote(ref.project, safe="")
        answer = httpx.put(
            f"{self.glh.fake.url}/api/v4/projects/{project}/issues/{ref.number}",
            headers={"PRIVATE-TOKEN": gl.HUMAN_TOKEN}, json=changes, timeout=10,
        )
        assert answer.status_code == 200, answer.text

    def human_label(self, ref: TrackerRef, name: str, *, add: bool = True) -> None:
        """A person adds (or removes) a label in the tracker's web UI."""
        if self.glh is not None:
            self._gitlab_as_human(ref, **{"add_labels" if add else "remove_labels": name})
            return
        fake = self.gh.fake
        with fake.lock:
            repo, issue = self._issue(ref)
            label = repo.labels.setdefault(name, Label(name, "ededed", None))
            if add and name not in issue.labels:
                issue.labels.append(name)
            if not add and name in issue.labels:
                issue.labels.remove(name)
            payload = {"action": "labeled" if add else "unlabeled",
                       "issue": fake.render.issue(repo, issue),
                       "label": fake.render.label(repo, label)}
        self._emit(repo, "issues", payload)

    def human_comment(self, ref: TrackerRef, body: str) -> None:
        if self.glh is not None:
            project = quote(ref.project, safe="")
            answer = httpx.post(
                f"{self.glh.fake.url}/api/v4/projects/{project}/issues/{ref.number}/notes",
                headers={"PRIVATE-TOKEN": gl.HUMAN_TOKEN}, json={"body": body}, timeout=10,
            )
            assert answer.status_code == 201, answer.text
            return
        fake = self.gh.fake
        with fake.lock:
            repo, issue = self._issue(ref)
            comment = Comment(body, User(HUMAN), issue.number)
            issue.comments.append(comment)
            payload = {"action": "created", "issue": fake.render.issue(repo, issue),
                       "comment": fake.render.comment(repo, comment)}
        self._emit(repo, "issue_comment", payload)

    def human_close(self, ref: TrackerRef) -> None:
        if self.glh is not None:
            self._gitlab_as_human(ref, state_event="close")
            return
        fake = self.gh.fake
        with fake.lock:
            repo, issue = self._issue(ref)
            issue.state = "closed"
            payload = {"action": "closed", "issue": fake.render.issue(repo, issue)}
        self._emit(repo, "issues", payload)

    def _emit(self, repo: Any, event: str, payload: dict[str, Any]) -> None:
        fake = self.gh.fake
        full = {**payload, "repository": fake.render.repo(repo),
                "sender": fake.render.user(User(HUMAN))}
        sent = fake.hooks.emit(event, full)
        assert sent is not None and sent.status == 202, sent

    def outbox_count(self) -> int:
        from bridge.store import outbox

        with self.rt.sessions() as session:
            return sum(outbox.outbox_counts(session).values())

    def inbound_statuses(self) -> dict[str, int]:
        from bridge.store import inbound

        with self.rt.sessions() as session:
            return inbound.inbound_counts(session)


CONFIG = """
actor: {{name: vendor, base_url: "{bridge}"}}
database_url: "sqlite:///{db}"
trackers:
  github:
    {{kind: github, url: "{github}", token: t, webhook_secrets: ["{secret}"], bot_login: {bot}}}
  gitlab:
    {{kind: gitlab, url: "{gitlab}", token: t, webhook_secrets: ["{gl_secret}"], bot_login: {bot}}}
destinations:
  default: {{tracker: {tracker}, project: {repo}, mode: {mode}}}
delivery: {{allow_loopback: true, timeout_seconds: 3, retry: {{base: 0.05, cap: 0.5}}}}
{peers}{extra}"""
TRUSTED = 'peers:\n  trusted: [{{prefix: "{receiver}/actors/"}}]\n'


@contextmanager
def bridge_env(
    tmp: Path, *, workers: bool = True, tracker: str = "github", repo: str = PRIVATE_REPO,
    adapter: TrackerAdapter | None = None, webhooks: bool = True,
    trust_receiver: bool = False, extra: str = "",
) -> Iterator[BridgeEnv]:
    """A bridge whose default destination is on ``tracker`` (``github`` or ``gitlab``).

    ``repo``: the GitHub repository of the default destination; ``adapter``: what the bridge
    writes through instead of the fakes' adapters (the fake GitHub then only renders and sends
    the people's webhooks); ``webhooks=False``: the fake GitHub sends none; ``trust_receiver``:
    the receiver's actors are trusted peers (they post unsigned, like the reference
    implementation's); ``extra``: more configuration (YAML, top-level keys).
    """
    receiver = Receiver()
    with ExitStack() as stack:
        gh = stack.enter_context(github_harness(timeout=3))
        glh = stack.enter_context(gl.gitlab_harness()) if tracker == "gitlab" else None
        receiver_url = stack.enter_context(running_app(receiver.app()))
        port = free_port()
        bridge_url = f"http://127.0.0.1:{port}"
        config = load_config_text(CONFIG.format(
            bridge=bridge_url, db=tmp / "bridge.db", github=gh.fake.base_url,
            secret=WEBHOOK_SECRET, bot=BOT, tracker=tracker,
            gitlab=glh.fake.url if glh else "http://127.0.0.1:9", gl_secret=gl.WEBHOOK_TOKEN,
            repo=glh.project if glh else repo,
            mode="confidential_issue" if glh else "private_issue",
            peers=TRUSTED.format(receiver=receiver_url) if trust_receiver else "",
            extra=extra), env={})
        adapters = {"github": gh.adapter, "gitlab": glh.adapter if glh else gh.adapter}
        rt = Runtime.from_config(
            config, adapter_factory=lambda name, _: adapters[name] if adapter is None else adapter)
        stack.enter_context(running_app(create_app(rt), port))
        if webhooks:
            gh.fake.hooks.sink = f"{bridge_url}/webhooks/github"
        if glh is not None:
            glh.fake.add_hook(url=f"{bridge_url}/webhooks/gitlab", token=gl.WEBHOOK_TOKEN,
                              confidential_issues_events=True, confidential_note_events=True)
        stop = threading.Event()
        threads = []
        if workers:
            threads = [
                threading.Thread(target=process.run_forever, args=(rt, "t-process", stop, 0.02),
                                 daemon=True),
                threading.Thread(target=delivery.run_delivery, args=(rt, "t-deliver", stop),
                                 daemon=True),
            ]
            for thread in threads:
                thread.start()
        try:
            yield BridgeEnv(rt, gh, receiver, bridge_url, receiver_url, glh)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
            rt.engine.dispose()
