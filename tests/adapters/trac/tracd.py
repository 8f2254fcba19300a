"""A real ``tracd`` on a free loopback port serving scratch environments with our plugin.

``TracServer`` starts one tracd over a parent directory (``-e``: every environment in it is
served under its name) with HTTP basic auth at ``/login`` from an htpasswd file; ``new_env``
copies a template environment made once by ``envtool.py`` (initenv, the plugin enabled and
first in the permission policies, ``trac-admin upgrade``, permissions). Stopped on exit.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

BIN = Path(sys.executable).parent
TOKEN = "trac-api-token-for-tests"
PASSWORD = "pw-{}"
USERS = ("alice", "mallory", "carol")
"""alice: a maintainer with SECURITY_VIEW; mallory: a plain logged-in user; carol: reporter."""
POLICIES = ("SecurityTicketPolicy, DefaultWikiPolicy, DefaultTicketPolicy, "
            "DefaultPermissionPolicy, LegacyAttachmentPolicy")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ini(webhook_url: str, secret: str) -> dict[str, dict[str, str]]:
    return {
        "components": {"adapters.trac.plugin.*": "enabled"},
        "trac": {"permission_policies": POLICIES},
        "ticket-custom": {"security": "checkbox", "security.label": "Security"},
        "vultron": {"api_user": "vultron-bot",
                    "api_token_sha256": hashlib.sha256(TOKEN.encode()).hexdigest(),
                    "webhook_url": webhook_url, "webhook_secret": secret,
                    "retry_seconds": "0.2", "retry_cap_seconds": "0.5",
                    "timeout_seconds": "2"},
        "logging": {"log_type": "file", "log_level": "WARNING"},
    }


GRANTS = {"vultron-bot": ["TICKET_ADMIN", "SECURITY_VIEW"],
          "alice": ["TICKET_MODIFY", "SECURITY_VIEW"]}
REVOKES = {"authenticated": ["TICKET_MODIFY"]}
"""docs/trac.md: a logged-in user holding only SECURITY_VIEW is a reader, not a writer."""


def trac_admin(env: Path, *args: str) -> None:
    subprocess.run([str(BIN / "trac-admin"), str(env), *args], check=True,
                   capture_output=True, timeout=120)


@dataclass
class TracServer:
    root: Path
    port: int
    proc: subprocess.Popen[bytes]
    template: Path
    envs: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def new_env(self, name: str, *, webhook_url: str = "", secret: str = "s3cret") -> Path:
        """A fresh environment served at ``{url}/{name}``; its webhooks go to ``webhook_url``."""
        path = self.root / "envs" / name
        shutil.copytree(self.template, path)
        ini = path / "conf" / "trac.ini"
        text = ini.read_text().replace("webhook_url = http://127.0.0.1:9/unused",
                                       f"webhook_url = {webhook_url}")
        ini.write_text(text.replace("webhook_secret = s3cret", f"webhook_secret = {secret}"))
        self.envs.append(name)
        wait_for(lambda: httpx.get(f"{self.url}/{name}/wiki", timeout=5).status_code == 200,
                 f"tracd serving {name}")
        return path

    def db(self, name: str) -> sqlite3.Connection:
        return sqlite3.connect(self.root / "envs" / name / "db" / "trac.db", timeout=30)

    def query(self, name: str, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.db(name) as conn:
            return list(conn.execute(sql, args))

    def execute(self, name: str, sql: str, args: tuple[Any, ...] = ()) -> None:
        with self.db(name) as conn:
            conn.execute(sql, args)

    @contextmanager
    def login(self, user: str) -> Iterator[httpx.Client]:
        """A client logged in as ``user`` through Trac's own /login (basic auth → cookie)."""
        with httpx.Client(base_url=self.url, timeout=30, follow_redirects=False) as client:
            env = self.envs[-1]
            answer = client.get(f"/{env}/login", auth=(user, PASSWORD.format(user)))
            assert answer.status_code in (302, 303), answer.status_code
            assert "trac_auth" in client.cookies
            client.auth = None
            yield client


def change(server: TracServer, env: str, number: int, author: str, **fields: str) -> None:
    """``author`` changes ticket ``number`` in Trac itself (a separate Trac process, whose
    change listeners run as the web UI's do)."""
    subprocess.run([sys.executable, str(Path(__file__).with_name("envtool.py")), "change",
                    str(server.root / "envs" / env), str(number), author, json.dumps(fields)],
                   check=True, capture_output=True, timeout=120)


def wait_for(check: Any, what: str, *, attempts: int = 300, pause: float = 0.05) -> None:
    """Poll ``check`` until it holds (bounded: attempts × pause, not a timing assertion)."""
    for _ in range(attempts):
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(pause)
    raise AssertionError(f"gave up waiting for {what}")


@contextmanager
def tracd(tmp: Path) -> Iterator[TracServer]:
    (tmp / "envs").mkdir(parents=True)
    template = tmp / "template"
    config = {"ini": _ini("http://127.0.0.1:9/unused", "s3cret"), "grants": GRANTS,
              "revokes": REVOKES}
    subprocess.run([sys.executable, str(Path(__file__).with_name("envtool.py")), "create",
                    str(template), json.dumps(config)], check=True, capture_output=True,
                   timeout=180)
    htpasswd = tmp / "htpasswd"
    htpasswd.write_text("".join(
        f"{u}:{{SHA}}{base64.b64encode(hashlib.sha1(PASSWORD.format(u).encode()).digest()).decode()}\n"  # noqa: E501
        for u in USERS))
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "tracd"), "--hostname", "127.0.0.1", "--port", str(port),
         "--basic-auth", f"*,{htpasswd},trac", "-e", str(tmp / "envs")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ})
    server = TracServer(tmp, port, proc, template)
    try:
        wait_for(lambda: httpx.get(server.url, timeout=5).status_code == 200, "tracd")
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
