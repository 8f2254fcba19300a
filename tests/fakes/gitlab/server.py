"""``FakeGitLab``: an in-memory GitLab REST server on a free loopback port.

python-gitlab talks real HTTP to it. It authenticates ``PRIVATE-TOKEN`` (personal, project
and group tokens), ``Authorization: Bearer`` (OAuth) and ``JOB-TOKEN``; paginates like GitLab
(``X-Total``, ``X-Total-Pages``, ``X-Page``, ``X-Per-Page``, ``X-Next-Page``, ``X-Prev-Page``
and a ``Link`` header with absolute URLs); records every response it sends (for the contract
check); can inject faults (``fail``: any status with headers, before or after carrying out the
request; ``delay``: an answer slower than the client's timeout, before the work is done or
after it — "issue created but the response was lost"); can flip an issue's confidentiality or
a project's visibility behind the client's back; and sends webhooks on state changes.

Webhooks are sent synchronously before the API answer goes out, which keeps tests
deterministic (GitLab sends them asynchronously, shortly after).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from tests.fakes.gitlab.api import ROUTES, Call, Reply, State
from tests.fakes.gitlab.hooks import Delivery, Hook, Sink, issue_payload, prepare, send
from tests.fakes.gitlab.state import ApiError, Issue, Project, User


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int | None = None
    headers: dict[str, str] | None = None
    delay: float = 0.0
    after: bool = False
    """Carry out the request first, then answer with the fault (the work is done)."""
    times: int = 1


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    template: str | None
    status: int
    body: Any
    headers: dict[str, str]


class FakeGitLab:
    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.state = State()
        self.clock = clock
        self.lock = threading.RLock()
        self.faults: list[Fault] = []
        self.responses: list[Recorded] = []
        self.requests: list[tuple[str, str]] = []
        self.hooks: list[Hook] = []
        self.deliveries: list[Delivery] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeGitLab:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = False
        self._server.block_on_close = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- set-up -----------------------------------------------------------------------------

    def add_user(
        self, username: str, token: str, *, role: str = "reporter", admin: bool = False
    ) -> User:
        with self.lock:
            user = User(self.state.next_id(), username, username.title(), token, role, admin)
            self.state.users[token] = user
            return user

    def add_project(self, path: str, *, visibility: str = "private") -> Project:
        with self.lock:
            project = Project(self.state.next_id(), path, visibility)
            self.state.projects[project.id] = project
            return project

    def add_hook(self, *, url: str | None = None, sink: Sink | None = None, **options: Any) -> Hook:
        hook = Hook(url=url, sink=sink, **options)
        with self.lock:
            self.hooks.append(hook)
        return hook

    def seed_issue(
        self,
        path: str,
        author: User,
        *,
        title: str = "seeded",
        description: str = "",
        confidential: bool = True,
    ) -> Issue:
        """An issue created directly in the state (no request, no webhook)."""
        with self.lock:
            project = self.state.project(path)
            now = self.clock()
            issue = Issue(
                self.state.next_id(),
                project.next_iid,
                project,
                title,
                description,
                author,
                now,
                now,
                confidential,
            )
            project.next_iid += 1
            self.state.issues[issue.id] = issue
            return issue

    # -- behind the client's back -----------------------------------------------------------

    def set_visibility(self, path: str, visibility: str) -> None:
        with self.lock:
            self.state.project(path).visibility = visibility

    def set_confidential(self, path: str, iid: int, confidential: bool, *, by: User) -> None:
        """Someone flips an issue's confidentiality in the UI (the hook fires, as in GitLab)."""
        with self.lock:
            issue = self.issue(path, iid)
            changes = {"confidential": {"previous": issue.confidential, "current": confidential}}
            issue.confidential = confidential
            issue.updated = self.clock()
            event = issue_payload(issue, by, "update", changes, self.url)
        self._deliver([event])

    def issue(self, path: str, iid: int) -> Any:
        with self.lock:
            project = self.state.project(path)
            for issue in self.state.issues.values():
                if issue.project is project and issue.iid == iid:
                    return issue
        raise KeyError(f"{path}#{iid}")

    def issues_in(self, path: str) -> list[Any]:
        with self.lock:
            project = self.state.project(path)
            return sorted(
                (i for i in self.state.issues.values() if i.project is project), key=lambda i: i.iid
            )

    # -- faults -----------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        pattern: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        after: bool = False,
        times: int = 1,
    ) -> None:
        with self.lock:
            self.faults.append(
                Fault(method, re.compile(pattern), status, headers, 0.0, after, times)
            )

    def delay(
        self, method: str, pattern: str, seconds: float, *, after: bool = True, times: int = 1
    ) -> None:
        with self.lock:
            self.faults.append(
                Fault(method, re.compile(pattern), None, None, seconds, after, times)
            )

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and fault.pattern.search(path) and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    # -- webhooks ---------------------------------------------------------------------------

    def _deliver(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        for event, payload in events:
            for hook in list(self.hooks):
                if hook.wants(event):
                    delivery = send(prepare(hook, event, payload), self.url, self.clock())
                    with self.lock:
                        self.deliveries.append(delivery)

    def resend(self, delivery: Delivery) -> Delivery:
        """GitLab's "Resend request": same Idempotency-Key, new X-Gitlab-Webhook-UUID."""
        again = Delivery(
            delivery.hook,
            delivery.event,
            delivery.body,
            delivery.idempotency_key,
            delivery.event_uuid,
        )
        send(again, self.url, self.clock())
        with self.lock:
            self.deliveries.append(again)
        return again

    # -- request handling -------------------------------------------------------------------

    def handle(
        self,
        method: str,
        raw_path: str,
        headers: Any,
        raw_body: bytes,
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(raw_path)
        path = parts.path
        with self.lock:
            self.requests.append((method, path))
        fault = self._take_fault(method, path)
        if fault is not None and not fault.after:
            if fault.delay:
                self._stop.wait(fault.delay)
            if fault.status is not None:
                return self._finish(
                    method,
                    path,
                    None,
                    fault.status,
                    {"message": f"{fault.status} injected"},
                    fault.headers or {},
                )
        status, reply_headers, body, template, events = self._route(
            method, parts, headers, raw_body
        )
        self._deliver(events)
        if fault is not None and fault.after:
            if fault.delay:
                self._stop.wait(fault.delay)
            if fault.status is not None:
                return self._finish(
                    method,
                    path,
                    None,
                    fault.status,
                    {"message": f"{fault.status} injected"},
                    fault.headers or {},
                )
        return self._finish(method, path, template, status, body, reply_headers)

    def _finish(
        self,
        method: str,
        path: str,
        template: str | None,
        status: int,
        body: Any,
        headers: dict[str, str],
    ) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.responses.append(Recorded(method, path, template, status, body, dict(headers)))
        data = b"" if status == 204 or body is None else json.dumps(body).encode("utf-8")
        return status, {"Content-Type": "application/json", **headers}, data

    def _user(self, headers: Any) -> User | None:
        token = headers.get("PRIVATE-TOKEN") or headers.get("JOB-TOKEN")
        auth = headers.get("Authorization") or ""
        if not token and auth.startswith("Bearer "):
            token = auth[len("Bearer ") :]
        return self.state.users.get(token or "")

    def _route(
        self, method: str, parts: Any, headers: Any, raw_body: bytes
    ) -> tuple[int, dict[str, str], Any, str | None, list[tuple[str, dict[str, Any]]]]:
        for m, rx, op, template in ROUTES:
            match = rx.match(parts.path)
            if m != method or match is None:
                continue
            params = {k: unquote(v) for k, v in match.groupdict().items()}
            with self.lock:
                user = self._user(headers)
                if user is None:
                    return 401, {}, {"message": "401 Unauthorized"}, template, []
                try:
                    body = json.loads(raw_body) if raw_body else {}
                except ValueError:
                    return 400, {}, {"error": "body is not JSON"}, template, []
                query = parse_qs(parts.query, keep_blank_values=True)
                call = Call(
                    user,
                    params,
                    query,
                    body if isinstance(body, dict) else {},
                    self.url,
                    self.clock(),
                )
                try:
                    reply = op(self.state, call)
                except ApiError as exc:
                    return exc.status, exc.headers, {"message": exc.message}, template, []
                status, reply_headers, payload = self._paginate(reply, parts)
                return status, reply_headers, payload, template, call.events
        return 404, {}, {"error": "404 Not Found"}, None, []

    def _paginate(self, reply: Reply, parts: Any) -> tuple[int, dict[str, str], Any]:
        if not reply.paginate:
            return reply.status, {}, reply.body
        query = parse_qs(parts.query, keep_blank_values=True)
        per_page = max(1, min(100, _int(query.get("per_page"), 20)))
        page = max(1, _int(query.get("page"), 1))
        items: list[Any] = reply.body
        pages = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]

        def link(n: int) -> str:
            q = {k: v for k, v in query.items() if k not in ("page", "per_page")}
            q.update(page=[str(n)], per_page=[str(per_page)])
            return f"{self.url}{parts.path}?{urlencode(q, doseq=True)}"

        rels = [("first", 1), ("last", pages)]
        if page < pages:
            rels.insert(0, ("next", page + 1))
        if page > 1:
            rels.insert(0, ("prev", page - 1))
        headers = {
            "X-Total": str(len(items)),
            "X-Total-Pages": str(pages),
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Next-Page": str(page + 1) if page < pages else "",
            "X-Prev-Page": str(page - 1) if page > 1 else "",
            "Link": ", ".join(f'<{link(n)}>; rel="{rel}"' for rel, n in rels),
        }
        return reply.status, headers, chunk


def _int(values: list[str] | None, default: int) -> int:
    if values and values[0].isdigit():
        return int(values[0])
    return default


def _handler(fake: FakeGitLab) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                status, headers, data = fake.handle(self.command, self.path, self.headers, raw)
            except Exception as exc:  # noqa: BLE001 - surfaced through fake.errors in teardown
                fake.errors.append(f"{self.command} {self.path}: {type(exc).__name__}: {exc}")
                status, headers, data = 500, {"Content-Type": "application/json"}, b"{}"
            if fake._stop.is_set():
                return
            try:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout): exactly what a lost response looks like

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    return Handler
