"""GitLab: webhook verification and parsing (pure) and writes through python-gitlab.

``TRACKER`` is what the bridge knows of the kind ``gitlab`` (``adapters.registry``).
``parse_webhook`` is importable without python-gitlab being loaded; ``GitLabAdapter`` loads
it lazily on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.gitlab.signature import sign_standard_webhook
from adapters.gitlab.webhooks import parse_trusted, parse_webhook, verify_and_parse
from adapters.spec import TrackerSpec
from bridge.core.effects import DestinationMode
from bridge.core.refs import BUILTIN_FORMS, TrackerKind
from bridge.core.tracker import TrackerAdapter

if TYPE_CHECKING:
    from adapters.gitlab.adapter import GitLabAdapter
    from bridge.config.schema import TrackerConfig

__all__ = ["TRACKER", "GitLabAdapter", "parse_webhook", "sign_standard_webhook"]


def connect(name: str, config: TrackerConfig) -> TrackerAdapter:
    """The production adapter for tracker ``name`` (imports python-gitlab)."""
    from adapters.gitlab.adapter import GitLabAdapter

    token = config.token.get_secret_value() if config.token else None
    oauth = config.token_kind == "oauth"
    return GitLabAdapter(
        config.api_url(),
        private_token=None if oauth else token,
        oauth_token=token if oauth else None,
        name=name,
        username=config.bot_login,
        min_access_level=config.min_access_level,
        permission_ttl=config.permission_cache_seconds,
    )


TRACKER = TrackerSpec(
    kind="gitlab",
    title="GitLab",
    refs=BUILTIN_FORMS[TrackerKind.GITLAB],
    modes=frozenset({DestinationMode.CONFIDENTIAL_ISSUE}),
    verify_and_parse=verify_and_parse,
    parse_trusted=parse_trusted,
    connect=connect,
    event_header="x-gitlab-event",
    default_url="https://gitlab.com",
    web_host="gitlab.com",
    options=frozenset({"min_access_level", "signing_keys"}),
    options_hint="use min_access_level",
)


def __getattr__(name: str) -> Any:
    if name == "GitLabAdapter":
        from adapters.gitlab.adapter import GitLabAdapter

        return GitLabAdapter
    raise AttributeError(name)
