"""The GitHub adapter: webhook verification and parsing (pure) and writes through PyGithub.

* ``parse_webhook(headers, body, secrets)`` / ``parse_event(event, payload)`` — webhooks
* ``sign(secret, body)`` / ``verify_signature(headers, body, secrets)`` — X-Hub-Signature-256
* ``GitHubAdapter`` — the ``TrackerAdapter`` for GitHub (import ``adapters.github.adapter``;
  it pulls in PyGithub, which the webhook path does not need)
"""

from __future__ import annotations

from adapters.github.signature import sign, verify_signature
from adapters.github.webhooks import parse_event, parse_webhook

__all__ = ["parse_event", "parse_webhook", "sign", "verify_signature"]
