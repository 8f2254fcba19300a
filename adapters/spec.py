"""What one kind of tracker declares to the bridge: the ``TrackerSpec`` every adapter package
exports as ``TRACKER`` (``adapters/<kind>/__init__.py``), and ``WebhookSettings``, the one
argument its webhook parser takes besides the headers and the raw body.

The service, the CLI and the configuration never branch on a tracker's kind: they look the
spec up in ``adapters.registry`` and call what it names. Declaring a spec imports no SDK:
``connect`` imports the adapter (and its SDK) when the first adapter is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bridge.core.effects import DestinationMode
from bridge.core.events import WebhookResult
from bridge.core.refs import RefForm
from bridge.core.tracker import TrackerAdapter

if TYPE_CHECKING:
    from bridge.config.schema import TrackerConfig


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """What verifying and parsing one delivery needs, taken from the tracker's configuration.

    Every adapter's ``webhooks.verify_and_parse(headers, body, settings)`` takes this: the
    kind decides which fields it reads (GitHub: ``secrets`` as HMAC secrets; GitLab:
    ``secrets`` as ``X-Gitlab-Token`` values, ``signing_keys``, ``now``; Trac: ``secrets``
    as HMAC secrets). Empty credentials accept nothing.
    """

    tracker: str
    """The configured tracker name the events are attributed to."""
    secrets: tuple[str, ...] = ()
    """Shared secrets (several during rotation)."""
    signing_keys: tuple[str, ...] = ()
    """Standard Webhooks signing keys (``whsec_…``), where the kind supports them."""
    web_hosts: tuple[str, ...] = ()
    """Web hosts whose issue URLs count as this tracker's (closing keywords)."""
    now: float | None = None
    """Epoch seconds, for timestamped signatures."""
    tolerance: float = 300.0
    """How far a signature's timestamp may be from ``now``, in seconds."""


WebhookParser = Callable[[Mapping[str, str], bytes, WebhookSettings], WebhookResult]
"""``(headers, raw body, settings) -> WebhookResult``; raises AuthenticationError (401),
InputError (400) or ConfigurationError, never with the body in the message."""


@dataclass(frozen=True, slots=True)
class TrackerSpec:
    """One kind of tracker, as the rest of the bridge sees it."""

    kind: str
    """The ``kind`` written in configuration (``trackers.<name>.kind``)."""
    title: str
    """How people name it (``GitHub``)."""
    refs: RefForm
    """How its references are spelled (``bridge.core.refs``)."""
    modes: frozenset[DestinationMode]
    """The destination modes its private destinations may have."""
    verify_and_parse: WebhookParser
    """Verify the delivery's authentication, then parse it (the ``/webhooks/{name}`` route)."""
    parse_trusted: WebhookParser
    """Parse a delivery already trusted (a local file in ``translate``): no verification."""
    connect: Callable[[str, TrackerConfig], TrackerAdapter]
    """Build the production adapter for a configured tracker (imports the SDK)."""
    event_header: str
    """The header naming the event (``translate --event`` sets it)."""
    default_url: str | None = None
    """The API base when ``url`` is not configured; None: ``url`` is required."""
    web_host: str | None = None
    """The public web host refs map to by default (``github.com``)."""
    options: frozenset[str] = frozenset()
    """Kind-specific ``TrackerConfig`` fields this kind reads; setting another kind's
    option is a configuration error."""
    options_hint: str = ""
    """Shown when another kind's option is set here (``use min_permission``)."""

    def settings(self, name: str, config: TrackerConfig, now: float) -> WebhookSettings:
        """The webhook settings of tracker ``name`` configured by ``config``."""
        host = config.web_host or self.web_host
        return WebhookSettings(
            tracker=name,
            secrets=tuple(s.get_secret_value() for s in config.webhook_secrets),
            signing_keys=tuple(k.get_secret_value() for k in config.signing_keys),
            web_hosts=(host,) if host else (),
            now=now,
        )
