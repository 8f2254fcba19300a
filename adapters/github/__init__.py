"""The GitHub adapter: webhook verification and parsing (pure) and writes through PyGithub.

* ``TRACKER`` — what the bridge knows of the kind ``github`` (``adapters.registry``)
* ``parse_webhook(headers, body, secrets)`` / ``parse_event(event, payload)`` — webhooks
* ``sign(secret, body)`` / ``verify_signature(headers, body, secrets)`` — X-Hub-Signature-256
* ``GitHubAdapter`` — the ``TrackerAdapter`` for GitHub (import ``adapters.github.adapter``;
  it pulls in PyGithub, which the webhook path does not need)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.github.signature import sign, verify_signature
from adapters.github.webhooks import parse_event, parse_trusted, parse_webhook, verify_and_parse
from adapters.spec import TrackerSpec
from bridge.core.effects import DestinationMode
from bridge.core.refs import BUILTIN_FORMS, TrackerKind
from bridge.core.tracker import TrackerAdapter

if TYPE_CHECKING:
    from bridge.config.schema import TrackerConfig

__all__ = ["TRACKER", "parse_event", "parse_webhook", "sign", "verify_signature"]


def connect(name: str, config: TrackerConfig) -> TrackerAdapter:
    """The production adapter for tracker ``name`` (imports PyGithub)."""
    from adapters.github.adapter import GitHubAdapter

    token = config.token.get_secret_value() if config.token else None
    return GitHubAdapter.connect(
        config.api_url(), token=token, name=name, bot_login=config.bot_login,
        min_permission=config.min_permission,
        permission_ttl=config.permission_cache_seconds,
    )


TRACKER = TrackerSpec(
    kind="github",
    title="GitHub",
    refs=BUILTIN_FORMS[TrackerKind.GITHUB],
    modes=frozenset({DestinationMode.ADVISORY, DestinationMode.PRIVATE_ISSUE}),
    verify_and_parse=verify_and_parse,
    parse_trusted=parse_trusted,
    connect=connect,
    event_header="x-github-event",
    default_url="https://api.github.com",
    web_host="github.com",
    options=frozenset({"min_permission"}),
    options_hint="use min_permission",
)
