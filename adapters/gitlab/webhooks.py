"""Verify and parse a GitLab webhook delivery: a pure function over headers and the raw body.

The HTTP route only reads the body and maps errors to status codes:
``AuthenticationError`` → 401, ``InputError`` → 400, anything parsed → 2xx (202 when ignored).
GitLab counts 4xx answers as failures, pauses a hook after 4 failures in a row and disables
it after 40, so deliveries the bridge does not use are *ignored* (with a reason), never refused.

Delivery id (idempotency key): ``Idempotency-Key``, which GitLab keeps stable across retries.
``X-Gitlab-Webhook-UUID`` changes on every attempt and is never used. When an older GitLab
sends no ``Idempotency-Key``, ``X-Gitlab-Event-UUID`` (one per triggering event) is used,
then the Standard Webhooks ``webhook-id``.

``verify_and_parse(headers, body, settings)`` is the entry every adapter has (the registry's
``TrackerSpec.verify_and_parse``); ``parse_trusted`` parses without authentication, for a
delivery already trusted (``vultron-bridge translate`` on a local file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.gitlab.normalize import HANDLERS, HOOK_KINDS, Context
from adapters.gitlab.signature import verify_standard_webhook, verify_token
from adapters.spec import WebhookSettings
from bridge.core.errors import AuthenticationError, ConfigurationError, InputError
from bridge.core.events import WebhookResult
from bridge.core.jsonload import load_json
from bridge.core.quoting import word as shown

MAX_BODY_BYTES = 25 * 1024 * 1024
"""GitLab's own default limit for a webhook payload is 25 MB (checked after authentication)."""
MAX_DEPTH = 64


def _headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def authenticate(
    h: Mapping[str, str],
    body: bytes,
    *,
    tokens: Sequence[str],
    signing_keys: Sequence[str],
    now: float | None,
    tolerance: float,
) -> None:
    """Every configured mechanism must pass; with none configured, nothing passes."""
    if isinstance(tokens, str) or isinstance(signing_keys, str):
        # A bare string is a Sequence of one-character "tokens": refuse, never match them.
        raise ConfigurationError("webhook tokens and signing keys must be given as a list")
    tokens = [t for t in tokens if t]
    signing_keys = [k for k in signing_keys if k]
    if not tokens and not signing_keys:
        raise AuthenticationError(
            "no GitLab webhook token or signing key is configured: refusing the delivery"
        )
    if tokens:
        verify_token(h.get("x-gitlab-token"), tokens)
    if signing_keys:
        if now is None:
            raise ConfigurationError("checking a webhook signature needs the current time (now=)")
        verify_standard_webhook(
            msg_id=h.get("webhook-id"),
            timestamp=h.get("webhook-timestamp"),
            signature=h.get("webhook-signature"),
            body=body,
            keys=signing_keys,
            now=now,
            tolerance=tolerance,
        )


def delivery_id(h: Mapping[str, str]) -> str | None:
    """The delivery's idempotency key (see the module docstring for the order)."""
    for name in ("idempotency-key", "x-gitlab-event-uuid", "webhook-id"):
        value = (h.get(name) or "").strip()
        if value:
            return value[:200]
    return None


def parse_webhook(
    headers: Mapping[str, str],
    body: bytes,
    *,
    tokens: Sequence[str] = (),
    signing_keys: Sequence[str] = (),
    now: float | None = None,
    tolerance: float = 300,
    tracker: str = "gitlab",
) -> WebhookResult:
    """Authenticate one delivery, then normalise it into tracker events or an ignore reason.

    Raises AuthenticationError (bad/missing token or signature), InputError (malformed body),
    ConfigurationError (a malformed signing key, or ``now`` missing while one is configured).
    """
    h = _headers(headers)
    authenticate(h, body, tokens=tokens, signing_keys=signing_keys, now=now, tolerance=tolerance)
    return _parse(h, body, tracker)


def verify_and_parse(
    headers: Mapping[str, str], body: bytes, settings: WebhookSettings
) -> WebhookResult:
    """The adapters' one webhook entry: ``settings.secrets`` are ``X-Gitlab-Token`` values,
    ``settings.signing_keys`` Standard Webhooks keys (every configured one must pass)."""
    return parse_webhook(
        headers, body, tokens=settings.secrets, signing_keys=settings.signing_keys,
        now=settings.now, tolerance=settings.tolerance, tracker=settings.tracker,
    )


def parse_trusted(
    headers: Mapping[str, str], body: bytes, settings: WebhookSettings
) -> WebhookResult:
    """Parse a delivery already trusted by its path (a local file): no authentication."""
    return _parse(_headers(headers), body, settings.tracker)


def _parse(h: Mapping[str, str], body: bytes, tracker: str) -> WebhookResult:
    payload = load_json(body, max_bytes=MAX_BODY_BYTES, max_depth=MAX_DEPTH)
    if not isinstance(payload, dict):
        raise InputError("the webhook body must be a JSON object")
    hook = (h.get("x-gitlab-event") or "").strip()[:100]
    kind = payload.get("object_kind")
    if not isinstance(kind, str) or not kind:
        kind = HOOK_KINDS.get(hook, "")
    name = hook or kind or "unknown"
    action = _action(payload)
    event_name = f"{name}.{action}" if action else name
    ctx = Context(tracker=tracker, hook=hook, delivery_id=delivery_id(h))
    handler = HANDLERS.get(kind)
    if handler is None:
        what = shown(kind) if kind else "deliveries without object_kind"
        return WebhookResult(
            tracker=tracker,
            event_name=event_name,
            delivery_id=ctx.delivery_id,
            ignored=f"{what} events are not used by the bridge",
        )
    events, reason = handler(ctx, payload)
    return WebhookResult(
        tracker=tracker,
        event_name=event_name,
        delivery_id=ctx.delivery_id,
        events=tuple(events),
        ignored=None if events else (reason or "nothing to do"),
    )


def _action(payload: Mapping[str, Any]) -> str | None:
    attrs = payload.get("object_attributes")
    action = attrs.get("action") if isinstance(attrs, Mapping) else payload.get("action")
    return action[:40] if isinstance(action, str) and action else None
