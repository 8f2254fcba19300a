"""A PGP mail to a real ``vultron-bridge serve`` (its SMTP listener), ``kill -9`` after the
250 and before any processing, the MTA resending it to a restarted ``serve``: exactly one
private issue once a worker runs — the 250 came only after the mail was committed."""

from __future__ import annotations

import signal
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.app.runtime import Runtime
from bridge.config import load_config_text
from tests.fakes.github.harness import BOT, PRIVATE_REPO, WEBHOOK_SECRET, github_harness
from tests.mail.support import REPORTER, TEAM, Keyring, MailEnv, crlf, keyring, pgp_mime, text_part
from tests.support.servers import Receiver, free_port

CONFIG = """
actor: {{name: vendor, base_url: "http://127.0.0.1:{http}"}}
database_url: "sqlite:///{db}"
trackers:
  github: {{kind: github, url: "{github}", token: t, webhook_secrets: ["{secret}"],
            bot_login: {bot}}}
destinations:
  default: {{tracker: github, project: {repo}, mode: private_issue}}
mail: {{listen: "127.0.0.1:{smtp}", from_address: {team}, gpg_home: {home}}}
"""


@pytest.fixture(scope="module")
def keys() -> Iterator[tuple[Keyring, Keyring]]:
    with keyring(TEAM) as team, keyring(REPORTER) as alice:
        alice.trust(team)
        yield team, alice


def start_serve(config: Path, http: int, smtp: int) -> subprocess.Popen[bytes]:
    log = config.parent / "serve.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bridge.cli.main", "serve", "--no-worker", "--config",
             str(config), "--port", str(http)],
            cwd=config.parent, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # start-up: wait for the listener to answer
        assert proc.poll() is None, log.read_text()
        try:
            with socket.create_connection(("127.0.0.1", smtp), timeout=1):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("serve did not start its mail listener")


def send(smtp: int, raw: bytes) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
        client.ehlo()
        client.mail(REPORTER)
        client.rcpt(TEAM)
        return client.data(crlf(raw))


def test_kill_9_after_250_then_a_resend_make_exactly_one_issue(
        tmp_path: Path, keys: tuple[Keyring, Keyring]) -> None:
    team, alice = keys
    raw = pgp_mime(alice, team, text_part("CANARY-crash overflow"), subject="Crash",
                   message_id="crash-1@finder.example")
    http, smtp = free_port(), free_port()
    with github_harness(timeout=3) as gh:
        config = tmp_path / "bridge.yml"
        config.write_text(CONFIG.format(
            http=http, db=tmp_path / "bridge.db", github=gh.fake.base_url,
            secret=WEBHOOK_SECRET, bot=BOT, repo=PRIVATE_REPO, smtp=smtp, team=TEAM,
            home=team.home))
        proc = start_serve(config, http, smtp)
        try:
            code, answer = send(smtp, raw)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        assert code == 250 and b"Stored as #1" in answer
        proc = start_serve(config, http, smtp)  # the MTA did not trust us: it sends again
        try:
            code, answer = send(smtp, raw)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        assert code == 250 and b"Already received as #1" in answer
        rt = Runtime.from_config(load_config_text(config.read_text(), env={}),
                                 adapter_factory=lambda name, _: gh.adapter)
        try:
            env = MailEnv(rt, gh, Receiver(), f"http://127.0.0.1:{http}", "http://127.0.0.1:9")
            assert env.settle() == [("done", None)]
            assert env.settle() == [("done", None)]
            [issue] = gh.fake.issues_of(PRIVATE_REPO)
            assert "CANARY-crash overflow" in issue.body
        finally:
            rt.engine.dispose()
