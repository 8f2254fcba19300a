"""Trac: webhook verification and parsing (pure) for deliveries of our plugin, and writes
through the plugin's JSON API (``adapters.trac.adapter``, httpx).

``TRACKER`` is what the bridge knows of the kind ``trac`` (``adapters.registry``). The
plugin itself (``adapters.trac.plugin``) runs inside Trac and is never imported here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.spec import TrackerSpec
from adapters.trac.refs import FORM
from adapters.trac.webhooks import EVENT_HEADER, parse_trusted, verify_and_parse
from bridge.core.effects import DestinationMode
from bridge.core.tracker import TrackerAdapter

if TYPE_CHECKING:
    from bridge.config.schema import TrackerConfig

__all__ = ["TRACKER", "parse_trusted", "verify_and_parse"]


def connect(name: str, config: TrackerConfig) -> TrackerAdapter:
    """The production adapter for tracker ``name``: ``url`` serves the environments."""
    from adapters.trac.adapter import TracAdapter

    return TracAdapter(
        config.api_url(), token=config.token.get_secret_value() if config.token else None,
        name=name, bot_login=config.bot_login, min_permission=config.min_permission,
        permission_ttl=config.permission_cache_seconds,
    )


TRACKER = TrackerSpec(
    kind="trac",
    title="Trac",
    refs=FORM,
    modes=frozenset({DestinationMode.CONFIDENTIAL_ISSUE}),
    verify_and_parse=verify_and_parse,
    parse_trusted=parse_trusted,
    connect=connect,
    event_header=EVENT_HEADER,
    options=frozenset({"min_permission"}),
    options_hint="use min_permission",
)
