"""Verify and parse a GitHub webhook delivery: pure functions over headers and the raw body.

``parse_webhook`` is what an HTTP route calls: it checks ``X-Hub-Signature-256`` first (fail
closed), then decodes the body and normalises it (``adapters.github.normalize``).
``parse_event`` is the same normalisation for a payload that arrived by a trusted path with no
signature (the GitHub Action's event file). Unknown events and actions are ignored with a
reason, never an error; malformed deliveries raise InputError; bad signatures raise
AuthenticationError. Neither error message ever contains the body.

``verify_and_parse(headers, body, settings)`` and ``parse_trusted`` are the entries every
adapter has (the registry's ``TrackerSpec``); they call the two functions above.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.github.normalize import HANDLERS, Delivery
from adapters.github.signature import lower_headers, verify_signature
from adapters.spec import WebhookSettings
from bridge.core.errors import InputError
from bridge.core.events import WebhookResult
from bridge.core.jsonload import load_json

EVENT_HEADER = "x-github-event"
DELIVERY_HEADER = "x-github-delivery"
MAX_BODY_BYTES = 25 * 1024 * 1024
"""GitHub caps webhook payloads at 25 MB."""
MAX_DEPTH = 64


def _load_json(body: bytes) -> Any:
    try:
        return load_json(body, max_bytes=MAX_BODY_BYTES, max_depth=MAX_DEPTH)
    except InputError as exc:
        raise InputError(f"the webhook body is {exc.reason}", status=exc.status) from exc


def parse_webhook(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Sequence[str],
    *,
    tracker: str = "github",
    web_hosts: Sequence[str] = ("github.com",),
) -> WebhookResult:
    """Verify the delivery's signature, then parse it into tracker-neutral events.

    ``secrets``: every currently valid webhook secret (several during rotation); empty means
    nothing is accepted. ``web_hosts``: the GitHub web hosts whose issue URLs count as this
    tracker's in closing keywords (``github.com``, or a GitHub Enterprise host).
    """
    folded = lower_headers(headers)
    verify_signature(folded, body, secrets)
    event = folded.get(EVENT_HEADER, "").strip()
    if not event:
        raise InputError("the delivery has no X-GitHub-Event header")
    delivery_id = folded.get(DELIVERY_HEADER, "").strip() or None
    if delivery_id is not None and len(delivery_id) > 200:
        raise InputError("X-GitHub-Delivery is too long")
    payload = _load_json(body)
    return parse_event(
        event, payload, delivery_id=delivery_id, tracker=tracker, web_hosts=web_hosts
    )


def parse_event(
    event: str,
    payload: Any,
    *,
    delivery_id: str | None = None,
    tracker: str = "github",
    web_hosts: Sequence[str] = ("github.com",),
) -> WebhookResult:
    """Normalise an already trusted payload of GitHub event ``event`` (no signature check)."""
    if not isinstance(payload, dict):
        raise InputError(f"the {event[:40]!r} payload is not a JSON object")
    raw_action = payload.get("action")
    action = raw_action if isinstance(raw_action, str) else None
    name = f"{event}.{action}" if action and event != "repository_dispatch" else event
    handler = HANDLERS.get(event)
    if handler is None:
        return WebhookResult(
            tracker=tracker,
            event_name=name[:100],
            delivery_id=delivery_id,
            ignored=f"GitHub event {event[:40]!r} does not concern the bridge",
        )
    delivery = Delivery(tracker, event, action, payload, delivery_id, tuple(web_hosts))
    outcome = handler(delivery)
    if isinstance(outcome, str):
        return WebhookResult(
            tracker=tracker, event_name=name, delivery_id=delivery_id, ignored=outcome
        )
    return WebhookResult(tracker=tracker, event_name=name, delivery_id=delivery_id, events=outcome)


def _hosts(settings: WebhookSettings) -> tuple[str, ...]:
    return settings.web_hosts or ("github.com",)


def verify_and_parse(
    headers: Mapping[str, str], body: bytes, settings: WebhookSettings
) -> WebhookResult:
    """The adapters' one webhook entry: ``settings.secrets`` are the HMAC secrets."""
    return parse_webhook(headers, body, settings.secrets, tracker=settings.tracker,
                         web_hosts=_hosts(settings))


def parse_trusted(
    headers: Mapping[str, str], body: bytes, settings: WebhookSettings
) -> WebhookResult:
    """Parse a delivery already trusted by its path (a local file): no signature check."""
    folded = lower_headers(headers)
    event = folded.get(EVENT_HEADER, "").strip()
    if not event:
        raise InputError("no event name: give --event NAME or an X-GitHub-Event header")
    return parse_event(event, _load_json(body), delivery_id=folded.get(DELIVERY_HEADER),
                       tracker=settings.tracker, web_hosts=_hosts(settings))
