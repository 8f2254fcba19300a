"""Driving ``vultron-bridge action`` like a workflow run: the real environment variables, an
event file, the fake GitHub (a private and a public repository) and a reference-like inbox on
loopback for the finder."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bridge.cli.main import cli
from bridge.httpsig.keys import generate_rsa, private_pem
from tests.fakes.github.harness import PRIVATE_REPO, PUBLIC_REPO, TOKEN, github_harness
from tests.fakes.github.model import Comment, Issue, Label, User
from tests.fakes.github.server import FakeGitHub
from tests.paths import REPO
from tests.support.servers import Receiver, running_app

ACTOR_BASE = "https://vendor.example"
OUR_ACTOR = f"{ACTOR_BASE}/actors/vendor"
_KEY: list[str] = []


def actor_pem() -> str:
    if not _KEY:
        _KEY.append(private_pem(generate_rsa()))
    return _KEY[0]


CONFIG = """
actor: {{name: vendor, base_url: "{base}"}}
destinations:
  default: {{tracker: github, project: "{repo}", mode: {mode}}}
peers:
  trusted: [{{prefix: "{receiver}/actors/"}}]
  poll: [{poll}]
delivery: {{allow_loopback: true, timeout_seconds: 3, retry: {{base: 0.05, cap: 0.2}}}}
"""


@dataclass
class Result:
    code: int
    output: str
    summary: str
    outputs: dict[str, str]


@dataclass
class ActionEnv:
    tmp: Path
    fake: FakeGitHub
    receiver: Receiver
    receiver_url: str
    repo: str
    mode: str
    poll: list[str] = field(default_factory=list)
    runs: int = 0

    @property
    def finder(self) -> str:
        return f"{self.receiver_url}/actors/finder"

    def config(self) -> Path:
        path = self.tmp / "vultron-bridge.yml"
        polls = ", ".join(f'"{u}"' for u in self.poll)
        path.write_text(CONFIG.format(base=ACTOR_BASE, repo=self.repo, mode=self.mode,
                                      receiver=self.receiver_url, poll=polls))
        return path

    def offer(self, number: int = 1, content: str = "heap overflow in parse()",
              name: str | None = None) -> dict[str, Any]:
        return {
            "@context": "https://www.w3.org/ns/activitystreams", "type": "Offer",
            "id": f"{self.receiver_url}/activities/offer-{number}", "actor": self.finder,
            "to": [OUR_ACTOR],
            "object": {"type": "VulnerabilityReport", "id": f"{self.receiver_url}/reports/{number}",
                       "name": name or f"R-{number}", "content": content},
        }

    def environ(self, event: str, payload: dict[str, Any], *, dry_run: bool = False,
                token: str = TOKEN, run_id: str | None = None) -> dict[str, str]:
        self.runs += 1
        n = self.runs
        event_path = self.tmp / f"event-{n}.json"
        event_path.write_text(json.dumps(payload))
        return {
            "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_API_URL": self.fake.base_url, "GITHUB_REPOSITORY": self.repo,
            "GITHUB_STEP_SUMMARY": str(self.tmp / f"summary-{n}.md"),
            "GITHUB_OUTPUT": str(self.tmp / f"output-{n}.txt"),
            "RUNNER_TEMP": str(self.tmp / "runner-temp"),
            "GITHUB_RUN_ID": run_id or f"9000{n}", "GITHUB_RUN_ATTEMPT": "1",
            "INPUT_TOKEN": token, "INPUT_CONFIG": str(self.config()),
            "INPUT_ACTOR-KEY": actor_pem(), "INPUT_DRY-RUN": "true" if dry_run else "false",
        }

    def _result(self, env: dict[str, str], code: int, output: str) -> Result:
        summary_path = Path(env["GITHUB_STEP_SUMMARY"])
        out_path = Path(env["GITHUB_OUTPUT"])
        summary = summary_path.read_text() if summary_path.exists() else ""
        outputs = {}
        if out_path.exists():
            for line in out_path.read_text().splitlines():
                key, _, value = line.partition("=")
                outputs[key] = value
        return Result(code, output, summary, outputs)

    def run(self, event: str, payload: dict[str, Any], **options: Any) -> Result:
        env = self.environ(event, payload, **options)
        result = CliRunner().invoke(cli, ["action"], env=env, catch_exceptions=False)
        return self._result(env, result.exit_code, result.output)

    def run_process(self, event: str, payload: dict[str, Any], **options: Any) -> Result:
        """The same in a fresh Python process (what the composite action runs)."""
        env = self.environ(event, payload, **options)
        done = subprocess.run(  # noqa: S603 - fixed argv
            [sys.executable, "-m", "bridge.cli.main", "action"], cwd=REPO, env=env,
            capture_output=True, text=True, timeout=120, check=False,
        )
        return self._result(env, done.returncode, done.stdout + done.stderr)

    def dispatch(self, activity: dict[str, Any], **options: Any) -> Result:
        payload = {"action": "vultron-activity", "branch": "main",
                   "client_payload": {"activity": activity}}
        return self.run("repository_dispatch", payload, **options)

    # -- what a person does in GitHub's UI, as the event file of the run it triggers ---------

    def issues(self) -> list[Issue]:
        return self.fake.issues_of(self.repo)

    def issue(self, number: int) -> Issue:
        return self.fake.repos[self.repo].issues[number]

    def label_event(self, number: int, name: str) -> dict[str, Any]:
        fake = self.fake
        with fake.lock:
            repo = fake.repos[self.repo]
            issue = repo.issues[number]
            label = repo.labels.setdefault(name, Label(name, "ededed", None))
            if name not in issue.labels:
                issue.labels.append(name)
            return {"action": "labeled", "issue": fake.render.issue(repo, issue),
                    "label": fake.render.label(repo, label), "repository": fake.render.repo(repo),
                    "sender": fake.render.user(User("maintainer"))}

    def comment_event(self, number: int, body: str) -> dict[str, Any]:
        fake = self.fake
        with fake.lock:
            repo = fake.repos[self.repo]
            issue = repo.issues[number]
            comment = Comment(body, User("maintainer"), issue.number)
            issue.comments.append(comment)
            return {"action": "created", "issue": fake.render.issue(repo, issue),
                    "comment": fake.render.comment(repo, comment),
                    "repository": fake.render.repo(repo),
                    "sender": fake.render.user(User("maintainer"))}


@contextmanager
def action_env(tmp: Path, *, public: bool = False,
               receiver: Receiver | None = None) -> Iterator[ActionEnv]:
    receiver = receiver or Receiver()
    with ExitStack() as stack:
        gh = stack.enter_context(github_harness(timeout=3))
        url = stack.enter_context(running_app(receiver.app()))
        repo, mode = (PUBLIC_REPO, "advisory") if public else (PRIVATE_REPO, "private_issue")
        yield ActionEnv(tmp, gh.fake, receiver, url, repo, mode)
