"""An in-memory GitHub REST server on loopback, for PyGithub to speak real HTTP to.

``FakeGitHub().start()`` serves on a free 127.0.0.1 port (``base_url``); ``stop()`` ends it.
Every answer is recorded in ``recorded`` for the contract check. Faults are injected with
``inject(Fault(...))``: canned answers (rate limits, 5xx), slow answers (after acting), and
answers lost after acting (the connection is closed without a response). State changes send
signed webhooks through ``hooks`` (a ``WebhookSender``).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.github import advisory_routes as adv_routes
from tests.fakes.github import routes as r
from tests.fakes.github.hooks import Sink, WebhookSender
from tests.fakes.github.model import Advisory, Issue, Label, Renderer, Repo, User
from tests.fakes.github_contract import Recorded

_O, _R = r"(?P<owner>[^/]+)", r"(?P<repo>[^/]+)"
_REPO = f"/repos/{_O}/{_R}"
_ISSUE = f"{_REPO}/issues/(?P<number>[0-9]+)"
_ADV = f"{_REPO}/security-advisories/(?P<ghsa>GHSA-[^/]+)"
Handler = Callable[[Any, r.Request], r.Response]
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    (m, re.compile(f"^{p}$"), h)
    for m, p, h in [
        ("GET", "/user", r.get_user),
        ("POST", "/app/installations/[0-9]+/access_tokens", r.installation_token),
        ("GET", "/rate_limit", r.rate_limit),
        ("GET", "/search/issues", r.search_issues),
        ("GET", _REPO, r.get_repo),
        ("GET", f"{_REPO}/collaborators/(?P<username>[^/]+)/permission",
         r.collaborator_permission),
        ("POST", f"{_REPO}/dispatches", r.dispatch),
        ("GET", f"{_REPO}/issues", r.list_issues),
        ("POST", f"{_REPO}/issues", r.create_issue),
        ("GET", _ISSUE, r.get_issue),
        ("PATCH", _ISSUE, r.update_issue),
        ("GET", f"{_ISSUE}/comments", r.list_comments),
        ("POST", f"{_ISSUE}/comments", r.create_comment),
        ("GET", f"{_ISSUE}/labels", r.list_issue_labels),
        ("POST", f"{_ISSUE}/labels", r.add_labels),
        ("PUT", f"{_ISSUE}/labels", r.set_labels),
        ("DELETE", f"{_ISSUE}/labels/(?P<name>[^/]+)", r.remove_label),
        ("POST", f"{_REPO}/labels", r.create_label),
        ("GET", f"{_REPO}/labels/(?P<name>[^/]+)", r.get_label),
        ("GET", f"{_REPO}/security-advisories", adv_routes.list_advisories),
        ("POST", f"{_REPO}/security-advisories", adv_routes.create_advisory),
        ("POST", f"{_REPO}/security-advisories/reports", adv_routes.report_vulnerability),
        ("GET", _ADV, adv_routes.get_advisory),
        ("PATCH", _ADV, adv_routes.update_advisory),
        ("POST", f"{_ADV}/cve", adv_routes.request_cve),
    ]
]


@dataclass
class Fault:
    """One injected misbehaviour for requests matching ``method`` and ``path`` (a regex).

    ``kind``: ``respond`` (answer ``status`` / ``headers`` / ``message`` without acting),
    ``slow`` (act, then wait ``delay`` seconds before answering), ``lost`` (act, then close
    the connection without answering). ``times``: how many requests it applies to (None:
    all).
    """

    method: str | None = None
    path: str | None = None
    kind: str = "respond"
    status: int = 500
    message: str = "Server Error"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    times: int | None = 1
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method and self.method != method:
            return False
        return not self.path or re.search(self.path, path) is not None


class FakeGitHub:
    def __init__(
        self,
        *,
        token: str = "fake-token",
        login: str = "vultron-bot",
        webhook_secret: str | None = None,
        webhook_sink: Sink | str | None = None,
        web: str = "https://github.com",
    ) -> None:
        self.token = token
        self.user = User(login, type="Bot" if login.endswith("[bot]") else "User")
        self.user_readable = True
        """False: ``GET /user`` answers 403 as for an App installation token."""
        self.repos: dict[str, Repo] = {}
        self.faults: list[Fault] = []
        self.recorded: list[Recorded] = []
        self.requests: list[tuple[str, str]] = []
        self.hooks = WebhookSender(webhook_secret, webhook_sink)
        self.search_lag = False
        """True: issues created from now on are invisible to search until ``reindex()``."""
        self.remaining = 5000
        self.installation_tokens = 0
        self.lock = threading.RLock()
        self._web = web
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._request_ids = itertools.count(1)
        self.base_url = ""
        self.render = Renderer("http://127.0.0.1", web)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        self.render = Renderer(self.base_url, self._web)
        self._thread = threading.Thread(
            target=server.serve_forever,
            name="fake-github",
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- state helpers for tests -------------------------------------------------------------

    def add_repo(self, full_name: str, *, private: bool) -> Repo:
        owner, name = full_name.split("/")
        with self.lock:
            repo = Repo(User(owner, type="Organization"), name, private)
            self.repos[full_name] = repo
            return repo

    def grant(self, full_name: str, login: str, role: str | None) -> None:
        """Give ``login`` a role on the repository (None: take it away)."""
        with self.lock:
            collaborators = self.repos[full_name].collaborators
            if role is None:
                collaborators.pop(login, None)
            else:
                collaborators[login] = role

    def set_private(self, full_name: str, private: bool) -> None:
        """Flip a repository's visibility and send ``repository.publicized/privatized``."""
        with self.lock:
            repo = self.repos[full_name]
            repo.private = private
            self.emit_repo(
                repo, "repository", {"action": "privatized" if private else "publicized"}
            )

    def transfer(self, full_name: str, number: int, to: str) -> Issue:
        """Move an issue to another repository; the old address answers 301."""
        with self.lock:
            old, target = self.repos[full_name].issues[number], self.repos[to]
            new = Issue(target.next_number(), old.title, old.body, old.user, list(old.labels))
            target.issues[new.number] = new
            old.moved_to = (to, new.number)
            return new

    def reindex(self) -> None:
        with self.lock:
            for repo in self.repos.values():
                for issue in repo.issues.values():
                    issue.indexed = True

    def inject(self, fault: Fault) -> Fault:
        with self.lock:
            self.faults.append(fault)
        return fault

    def issues_of(self, full_name: str) -> list[Issue]:
        with self.lock:
            return list(self.repos[full_name].issues.values())

    def reset_epoch(self) -> int:
        return int(time.time()) + 3600

    # -- webhooks ------------------------------------------------------------------------------

    def emit_repo(self, repo: Repo, event: str, payload: dict[str, Any]) -> None:
        full = {
            **payload,
            "repository": self.render.repo(repo),
            "sender": self.render.user(self.user),
        }
        self.hooks.emit(event, full)

    def emit_issue(
        self, repo: Repo, issue: Issue, action: str, *, label: Label | None = None
    ) -> None:
        payload: dict[str, Any] = {"action": action, "issue": self.render.issue(repo, issue)}
        if label is not None:
            payload["label"] = self.render.label(repo, label)
        self.emit_repo(repo, "issues", payload)

    def emit_advisory(self, repo: Repo, adv: Advisory, action: str) -> None:
        self.emit_repo(
            repo,
            "repository_advisory",
            {"action": action, "repository_advisory": self.render.advisory(repo, adv)},
        )

    # -- request handling ------------------------------------------------------------------------

    def _fault_for(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    return fault
        return None

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], raw_body: bytes
    ) -> tuple[r.Response, Fault | None]:
        parts = urlsplit(raw_path)
        path = parts.path
        self.requests.append((method, path))
        auth = headers.get("authorization", "")
        app_jwt = path.startswith("/app/") and auth.startswith("Bearer ey")
        if auth not in (f"token {self.token}", f"Bearer {self.token}") and not app_jwt:
            return _error(r.HttpError(401, "Bad credentials")), None
        fault = self._fault_for(method, path)
        if fault is not None and fault.kind == "respond":
            return _error(r.HttpError(fault.status, fault.message, headers=fault.headers)), fault
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            return _error(r.HttpError(400, "Problems parsing JSON")), fault
        for m, regex, handler in ROUTES:
            match = regex.match(path)
            if m == method and match:
                req = r.Request(
                    method, path, dict(parse_qsl(parts.query)), headers, body, match.groupdict()
                )
                with self.lock:
                    try:
                        return handler(self, req), fault
                    except r.HttpError as exc:
                        return _error(exc), fault
        return _error(r.HttpError(404, "Not Found")), fault

    def common_headers(self) -> dict[str, str]:
        with self.lock:
            self.remaining = max(self.remaining - 1, 0)
            remaining = self.remaining
        return {
            "x-github-request-id": f"FAKE:{next(self._request_ids):06d}:{uuid.uuid4().hex[:8]}",
            "x-github-api-version-selected": "2022-11-28",
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-reset": str(self.reset_epoch()),
            "x-ratelimit-used": str(5000 - remaining),
            "x-ratelimit-resource": "core",
        }

    def record(self, method: str, path: str, status: int, body: bytes, ctype: str | None) -> None:
        with self.lock:
            self.recorded.append(Recorded(method, urlsplit(path).path, status, body, ctype))

    def sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)


def _error(exc: r.HttpError) -> r.Response:
    body: dict[str, Any] = {"message": exc.message, "documentation_url": r.DOCS}
    if exc.errors:
        body["errors"] = exc.errors
    if exc.status in (403, 429, 500, 502, 503, 504) or exc.status == 301:
        body["status"] = str(exc.status)
    return r.Response(exc.status, body, dict(exc.headers))


def _make_handler(app: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls between header and body

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet server
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            response, fault = app.handle(self.command, self.path, headers, raw)
            if fault is not None and fault.kind == "lost":
                self.close_connection = True
                return
            payload = b"" if response.body is None else json.dumps(response.body).encode()
            ctype = "application/json; charset=utf-8"
            app.record(self.command, self.path, response.status, payload, ctype)
            if fault is not None and fault.kind == "slow":
                app.sleep(fault.delay)
            try:
                self.send_response(response.status)
                for key, value in {**app.common_headers(), **response.headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                self.close_connection = True

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    return Handler
