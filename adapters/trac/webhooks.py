"""Verify and parse a delivery of our Trac plugin: pure functions over headers and the body.

``verify_and_parse(headers, body, settings)`` checks ``X-Hub-Signature-256`` against
``settings.secrets`` first (fail closed), then decodes and normalises
(``adapters.trac.normalize``); ``parse_trusted`` skips the check (a local file given to
``translate``). The delivery id is ``X-Trac-Delivery`` (one per queued change, the same on
every retry). Unknown events are ignored with a reason; malformed deliveries raise
InputError; bad signatures raise AuthenticationError. No message contains the body.
"""

from __future__ import annotations

from collections.abc import Mapping

from adapters.github.signature import lower_headers
from adapters.spec import WebhookSettings
from adapters.trac.normalize import HANDLERS, Delivery
from adapters.trac.signature import verify_signature
from bridge.core.errors import InputError
from bridge.core.events import WebhookResult
from bridge.core.jsonload import load_json

EVENT_HEADER = "x-trac-event"
DELIVERY_HEADER = "x-trac-delivery"
MAX_BODY_BYTES = 25 * 1024 * 1024
MAX_DEPTH = 32


def verify_and_parse(
    headers: Mapping[str, str], body: bytes, settings: WebhookSettings
) -> WebhookResult:
    """The adapters' one webhook entry: ``settings.secrets`` are the HMAC secrets."""
    verify_signature(headers, body, settings.secrets)
    return parse_trusted(headers, body, settings)


def parse_trusted(
    headers: Mapping[str, str], body: bytes, settings: WebhookSettings
) -> WebhookResult:
    """Parse a delivery already trusted by its path (a local file): no signature check."""
    folded = lower_headers(headers)
    payload = load_json(body, max_bytes=MAX_BODY_BYTES, max_depth=MAX_DEPTH)
    if not isinstance(payload, dict):
        raise InputError("the Trac delivery must be a JSON object")
    event = folded.get(EVENT_HEADER, "").strip() or payload.get("event")
    if not isinstance(event, str) or not event:
        raise InputError("the delivery names no event (X-Trac-Event)")
    delivery_id = (folded.get(DELIVERY_HEADER, "").strip() or None)
    if delivery_id is not None and len(delivery_id) > 200:
        raise InputError("X-Trac-Delivery is too long")
    name = event[:100]
    handler = HANDLERS.get(event)
    if handler is None:
        return WebhookResult(tracker=settings.tracker, event_name=name, delivery_id=delivery_id,
                             ignored="this Trac event does not concern the bridge")
    outcome = handler(Delivery(settings.tracker, payload, delivery_id))
    if isinstance(outcome, str):
        return WebhookResult(tracker=settings.tracker, event_name=name,
                             delivery_id=delivery_id, ignored=outcome)
    return WebhookResult(tracker=settings.tracker, event_name=name, delivery_id=delivery_id,
                         events=tuple(outcome))
