"""A loopback inbox idempotent by activity id, with a configurable answer delay, recording
every POST (path, id, time) for order and exactly-once checks."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class SlowReceiver:
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.stored: dict[str, dict[str, Any]] = {}
        self.duplicates_stored = 0
        self.received: list[tuple[str, str, float]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                activity = json.loads(body)
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver.lock:
                    receiver.received.append((self.path, activity["id"], time.monotonic()))
                    if activity["id"] not in receiver.stored:
                        receiver.stored[activity["id"]] = activity
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def first_seen(self, path: str) -> list[str]:
        """Activity ids POSTed to ``path``, each at its first arrival, in arrival order."""
        seen: list[str] = []
        with self.lock:
            for p, aid, _ in self.received:
                if p == path and aid not in seen:
                    seen.append(aid)
        return seen

    def __enter__(self) -> SlowReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
