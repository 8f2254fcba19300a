"""The fake GitHub's webhook sender: signed deliveries, like GitHub's, to a URL or a callable.

Deliveries are signed with the real signing function (``adapters.github.signature.sign``)
and carry ``X-GitHub-Event``, ``X-GitHub-Delivery`` and ``X-Hub-Signature-256``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from adapters.github.signature import sign

Sink = Callable[[dict[str, str], bytes], Any]


@dataclass(frozen=True)
class SentWebhook:
    event: str
    action: str | None
    headers: dict[str, str]
    body: bytes
    status: int | None = None
    """The receiver's HTTP status (URL sinks), None for callable sinks or failures."""
    error: str | None = None

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


class WebhookSender:
    def __init__(self, secret: str | None = None, sink: Sink | str | None = None) -> None:
        self.secret = secret
        self.sink = sink
        self.sent: list[SentWebhook] = []
        self._lock = threading.Lock()

    def emit(self, event: str, payload: dict[str, Any]) -> SentWebhook | None:
        """Sign and deliver one webhook now; None when no sink is configured."""
        if self.sink is None:
            return None
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/fake",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-GitHub-Hook-ID": "1",
        }
        if self.secret:
            headers["X-Hub-Signature-256"] = sign(self.secret, body)
            sha1 = hmac.new(self.secret.encode(), body, hashlib.sha1).hexdigest()
            headers["X-Hub-Signature"] = f"sha1={sha1}"
        status: int | None = None
        error: str | None = None
        if callable(self.sink):
            self.sink(dict(headers), body)
        else:
            try:
                status = httpx.post(
                    self.sink, content=body, headers=headers, timeout=5.0
                ).status_code
            except httpx.HTTPError as exc:
                error = type(exc).__name__
        action = payload.get("action")
        sent = SentWebhook(
            event, action if isinstance(action, str) else None, headers, body, status, error
        )
        with self._lock:
            self.sent.append(sent)
        return sent
