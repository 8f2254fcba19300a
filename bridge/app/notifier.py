"""Alarms to people: a Slack-compatible incoming webhook (``{"text": ...}``).

The text names the case, the tracker ref, what happened and the embargo end — never report
content. The webhook URL is a secret: it is never logged, never audited, never shown in an
error. A failed POST is logged (by its kind) and audited, never raised into the caller's path:
an alarm that cannot be delivered must not stop the work that raised it.
"""

from __future__ import annotations

import logging

import httpx

from bridge.app.runtime import Runtime
from bridge.core.errors import BridgeError
from bridge.delivery.bounded import BoundedTransport
from bridge.delivery.ssrf import AllowPolicy, guarded_client
from bridge.logs import event
from bridge.store import audit, db

log = logging.getLogger("bridge.notifier")

MAX_TEXT = 3000


def notify(rt: Runtime, kind: str, subject: str | None, text: str) -> bool:
    """POST one alarm; True when the receiver answered 2xx. Never raises for delivery trouble.

    Without ``notifier.webhook_url`` nothing is sent (the alarm is still in the audit log,
    written by the caller)."""
    url = rt.config.notifier.webhook_url
    if url is None:
        return False
    allow = AllowPolicy.build(
        allow_loopback=rt.config.delivery.allow_loopback,
        networks=rt.config.delivery.allow_networks,
    )
    outcome: dict[str, object] = {"kind": kind}
    ok = False
    try:
        timeout = rt.config.delivery.timeout_seconds
        inner = BoundedTransport(httpx.HTTPTransport(trust_env=False), total=timeout)
        with guarded_client(allow, timeout=timeout, inner=inner) as client:
            response = client.post(url.get_secret_value(), json={"text": text[:MAX_TEXT]})
        outcome["status"] = response.status_code
        ok = 200 <= response.status_code < 300
    except (httpx.HTTPError, BridgeError) as exc:
        outcome["error"] = type(exc).__name__
    event(log, "alarm", logging.WARNING, kind=kind, delivered=ok,
          problem=None if ok else outcome.get("error") or outcome.get("status"))
    with db.transaction(rt.sessions) as session:
        audit.append(session, "notifier.sent" if ok else "notifier.failed", subject, outcome,
                     rt.clock())
    return ok
