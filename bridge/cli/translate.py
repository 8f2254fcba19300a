"""``vultron-bridge translate``: what a tracker webhook means and which protocol messages it
would cause — a dry run, nothing stored, written or sent.

Prints one JSON line per normalised event (or one for an ignored delivery)::

    {"event": {...} | null, "ignored": null | "<reason>", "messages": [...],
     "refused": null | "<reason>", "effects": [...]}

Messages are computed by the same rules as the service, for the issue assumed linked to a
report whose state is given by ``--rm-state`` / ``--em-state`` / ``--cs-state``. Exit 0
when handled or ignored, 1 on a verification failure or bad input, 2 on a usage error.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from bridge.core.errors import BridgeError, InputError
from bridge.core.states.cs import VENDOR_AWARE
from bridge.core.states.em import EM

MAX_PAYLOAD = 25 * 1024 * 1024
"""GitHub's and GitLab's own limit on a webhook body."""


def _read(path: str, what: str, limit: int) -> bytes:
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        why = exc.strerror or "error"
        raise InputError(f"cannot read the {what} file {path!r} ({why})") from None
    if len(data) > limit:
        raise InputError(f"the {what} file is larger than {limit} bytes")
    return data


def _headers(path: str | None) -> dict[str, str]:
    if path is None:
        return {}
    from bridge.core.jsonload import load_json

    data = load_json(_read(path, "headers", 1_048_576))
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str | int) for k, v in data.items()
    ):
        raise InputError("the headers file must be a JSON object of header names to values")
    return {k.lower(): str(v) for k, v in data.items()}


def _parse(kind: str, name: str, headers: dict[str, str], body: bytes, secret: str | None,
           event: str | None, web_host: str | None) -> Any:
    from adapters.registry import spec
    from adapters.spec import WebhookSettings

    tracker = spec(kind)
    if event and tracker.event_header not in headers:
        headers = {**headers, tracker.event_header: event}
    host = web_host or tracker.web_host
    settings = WebhookSettings(tracker=name, web_hosts=(host,) if host else (), now=time.time())
    if secret is None:  # a local file is trusted: parse it without verification
        return tracker.parse_trusted(headers, body, settings)
    if secret.startswith("whsec_"):  # a Standard Webhooks signing key
        return tracker.verify_and_parse(headers, body, replace(settings, signing_keys=(secret,)))
    return tracker.verify_and_parse(headers, body, replace(settings, secrets=(secret,)))


def _kind(tracker: str) -> str:
    """``--tracker`` names no configured tracker: it must be a kind (a usage error if not)."""
    from adapters.registry import TRACKERS

    if tracker not in TRACKERS:
        raise click.UsageError(
            f"--tracker {tracker[:40]!r} is neither a configured tracker nor a kind "
            f"({', '.join(sorted(TRACKERS))})")
    return tracker


def _messages(event: Any, rules: Any, view: Any) -> dict[str, Any]:
    from bridge.core.catalogue import BY_TYPE, MessageType
    from bridge.core.rules import decide

    decision = decide(event, view, rules, datetime.now(UTC))
    messages = []
    for intent in decision.intents:
        code = "CREATE_NOTE" if intent.message == "NOTE" else intent.message
        spec = BY_TYPE.get(MessageType(code))
        messages.append({
            "message": intent.message, "name": spec.name if spec else intent.message,
            "wire": spec.wire if spec else None, "subject": intent.subject,
            "end_time": intent.end_time.isoformat() if intent.end_time else None,
        })
    return {
        "messages": messages, "refused": decision.refused,
        "ignored_by_rules": decision.ignored, "alert": decision.alert,
        "effects": [e.model_dump(mode="json") for e in decision.effects],
    }


@click.command()
@click.option("--tracker", required=True,
              help="a configured tracker name, or a tracker kind (github, gitlab, ...)")
@click.option("--payload", "payload_file", required=True, help="the webhook body (JSON file)")
@click.option("--headers", "headers_file", help="a JSON object of header names to values")
@click.option("--secret", envvar="VULTRON_BRIDGE_WEBHOOK_SECRET",
              help="verify with this secret (GitHub HMAC secret, GitLab token or whsec_ key); "
              "without it the file is trusted and not verified")
@click.option("--config", "config_path", help="configuration file (label mapping, trackers)")
@click.option("--event", help="the event name when the headers do not carry it")
@click.option("--rm-state", default="RECEIVED", show_default=True,
              help="assumed RM state of the report the issue is linked to")
@click.option("--em-state", default=EM.NONE.value, show_default=True, help="assumed EM state")
@click.option("--cs-state", default=str(VENDOR_AWARE), show_default=True, help="assumed case state")
def translate(tracker: str, payload_file: str, headers_file: str | None, secret: str | None,
              config_path: str | None, event: str | None, rm_state: str, em_state: str,
              cs_state: str) -> None:
    """Show what a tracker webhook means and the messages it would cause (dry run)."""
    from bridge.config import ConfigError, load_config
    from bridge.core.rules import CaseView, RuleSet
    from bridge.core.states import cs, em, rm

    try:
        config = load_config(config_path)
        body = _read(payload_file, "payload", MAX_PAYLOAD)
        headers = _headers(headers_file)
        cfg = config.trackers.get(tracker)
        kind = cfg.kind if cfg else _kind(tracker)
        result = _parse(kind, tracker, headers, body, secret, event, cfg.web_host if cfg else None)
        rules = RuleSet.from_config(config.rules.labels, close_policy=config.rules.close_policy,
                                    bot_login=cfg.bot_login if cfg else None)
        end = datetime(2100, 1, 1, tzinfo=UTC)
        embargo_state = em.parse(em_state)
        embargo = em.Embargo.of(embargo_state, end, end)
        view = CaseView("(the linked report)", rm.parse(rm_state), embargo,
                        cs.CaseState.from_string(cs_state))
    except (BridgeError, ConfigError) as exc:
        raise click.ClickException(getattr(exc, "reason", str(exc))) from None
    if result.ignored or not result.events:
        click.echo(json.dumps({"event": None, "ignored": result.ignored or "no events",
                               "messages": [], "refused": None, "effects": []}))
        return
    for item in result.events:
        line = {"event": item.model_dump(mode="json"), "ignored": None}
        line |= _messages(item, rules, view)
        click.echo(json.dumps(line, ensure_ascii=False))
