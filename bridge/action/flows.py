"""What each trigger does, on top of the service's own handlers.

* ``repository_dispatch`` (``vultron-activity``): the activity in ``client_payload`` →
  ``bridge.app.mirror.handle_activity``, exactly as the inbox's worker does.
* ``issues`` / ``issue_comment``: the event file → ``adapters.github.parse_event`` → the same
  stored envelope as the webhook route → ``bridge.app.outbound.handle_webhook``.
* ``schedule`` (and ``workflow_dispatch``): retry what earlier runs could not deliver, note
  expired embargoes, poll ``peers.poll`` outboxes.

Before handling, the homes the input concerns are hydrated; an input whose key a home lists as
processed (a re-run of the same event) is not handled again.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlsplit

from bridge.action import poll as polling
from bridge.action.setup import Run
from bridge.core import stateblock
from bridge.core.errors import AuthenticationError, BridgeError, ConfigurationError, InputError
from bridge.core.markers import marker_token
from bridge.core.quoting import safe_name
from bridge.core.stateblock import subject_token
from bridge.core.states.em import OPEN
from bridge.core.storable import check_storable
from bridge.core.urls import trusted_peer
from bridge.core.vocab.base import ref_id
from bridge.core.vocab.parse import parse_activity
from bridge.store import audit, db, inbound
from bridge.store.inbound import InboundItem

EVENT_TYPE = "vultron-activity"
MAX_PAYLOAD_KEYS = 10
MAX_PAYLOAD_BYTES = 64 * 1024
STATE_OBJECT = "vultron-bridge:action-state"


# -- inputs --------------------------------------------------------------------------------


def dispatch_activity(payload: Any) -> dict[str, Any] | None:
    """The activity a ``repository_dispatch`` carries; None for another event type."""
    if not isinstance(payload, dict):
        raise InputError("the event file is not a JSON object")
    if payload.get("action") != EVENT_TYPE:
        return None
    client = payload.get("client_payload")
    if not isinstance(client, dict):
        raise InputError("client_payload must be a JSON object holding the activity")
    if len(client) > MAX_PAYLOAD_KEYS:
        raise InputError(f"client_payload has {len(client)} top-level keys; GitHub allows "
                         f"{MAX_PAYLOAD_KEYS}: send the activity as client_payload.activity")
    size = len(json.dumps(client, separators=(",", ":")).encode())
    if size >= MAX_PAYLOAD_BYTES:
        raise InputError(f"client_payload is {size} bytes; it must stay under 64 KB")
    activity = client.get("activity", client)
    if not isinstance(activity, dict) or not ({"type", "asType", "as_type"} & set(activity)):
        raise InputError("client_payload.activity must be an activity (a JSON object with a "
                         "type; the legacy asType is accepted too, as by the inbox)")
    check_storable(activity, "client_payload.activity")
    return activity


def shape(activity: dict[str, Any]) -> str:
    obj = activity.get("object")
    inner = safe_name(obj.get("type")) if isinstance(obj, dict) else None
    kind = safe_name(activity.get("type"))
    return f"{kind}({inner})" if inner else kind


# -- shared steps --------------------------------------------------------------------------


def hydrate_for(run: Run, activity: dict[str, Any]) -> None:
    """Load the homes of every object the activity names (state markers and the report
    markers, so a home whose block was never written is still found)."""
    ids = stateblock.ids_in(activity)
    tokens = [subject_token(i) for i in ids] + [marker_token(i) for i in ids]
    found = run.homes.locate(run.destination.project, run.destination.mode, tokens)
    for ref in dict.fromkeys(found.values()):
        run.store.hydrate(ref)


def _accept(run: Run, source: str, key: str, body: bytes) -> InboundItem:
    now = run.rt.clock()
    with db.transaction(run.rt.sessions) as session:
        inbound.accept(session, source, key, body, {}, now)
        items = inbound.claim_inbound(session, "action", now, 600, 1)
    if not items:
        raise InputError("the input could not be queued")  # pragma: no cover - fresh store
    return items[0]


def _finish(run: Run, item: InboundItem) -> None:
    with db.transaction(run.rt.sessions) as session:
        inbound.finish_inbound(session, item, "done", run.rt.clock())


def mirror(run: Run, source: str, activity: dict[str, Any]) -> bool:
    """Mirror one activity; False when an earlier run already handled it."""
    from bridge.app.mirror import handle_activity

    body = json.dumps(activity, separators=(",", ":"), ensure_ascii=False).encode()
    key = str(activity.get("id") or "sha256:" + hashlib.sha256(body).hexdigest())
    hydrate_for(run, activity)
    if run.store.origins.seen(f"{source}|{key}"):
        run.report.notes.append(f"{shape(activity)} was handled by an earlier run: "
                                "nothing to do")
        return False
    item = _accept(run, source, key, body)
    result = handle_activity(run.rt, item)
    if result.ignored:
        run.report.notes.append(f"{result.message}: ignored ({result.ignored})")
    else:
        _finish(run, item)
    for ref in result.refused:
        run.report.refused.append(f"report content not written to {ref}: it is not private")
    run.store.run_inputs.append(f"{source}|{key}")
    return True


# -- triggers ------------------------------------------------------------------------------


def on_dispatch(run: Run, payload: Any) -> None:
    activity = dispatch_activity(payload)
    if activity is None:
        action = payload.get("action") if isinstance(payload, dict) else None
        run.report.notes.append(f"repository_dispatch event type {str(action)[:60]!r} is not "
                                f"{EVENT_TYPE!r}: ignored")
        return
    parse_activity(activity)  # InputError with the problem (never the content) when malformed
    actor = ref_id(activity.get("actor"))
    run.report.came_in.append(f"repository_dispatch: {shape(activity)}")
    if trusted_peer(run.rt.config.peers.trusted, actor) is None:
        raise AuthenticationError(
            "the dispatched activity's actor is not under any peers.trusted prefix in the "
            "configuration; add the peer (repository_dispatch carries no HTTP signature: the "
            "token that sent it is the credential)")
    mirror(run, f"dispatch:{run.adapter.name}", activity)


def on_issue_event(run: Run, payload: Any) -> None:
    from adapters.github.webhooks import parse_event
    from bridge.app.outbound import handle_webhook

    env = run.env
    name = run.adapter.name
    hosts = run.rt.config.trackers[name].web_host
    result = parse_event(env.event_name, payload, delivery_id=f"run-{env.run_id}", tracker=name,
                         web_hosts=(hosts,) if hosts else ("github.com",))
    if result.ignored or not result.events:
        run.report.notes.append(f"{result.event_name}: {result.ignored or 'nothing to do'}")
        return
    for event in result.events:
        run.report.came_in.append(f"{result.event_name}: {event.kind.value}"
                                  + (f" on {event.ref}" if event.ref else ""))
        if event.ref is not None and event.ref.project == run.destination.project:
            run.store.hydrate(event.ref)
            if event.ref.ghsa:
                run.report.advisory = run.report.advisory or event.ref.ghsa
            elif event.ref.number:
                run.report.issue = run.report.issue or str(event.ref.number)
    key = f"{env.event_name}:{env.run_id}"
    if run.store.origins.seen(f"webhook|{key}"):
        run.report.notes.append("this event was handled by an earlier attempt of this run")
        return
    item = _accept(run, f"webhook:{name}", key, result.model_dump_json().encode())
    outcome = handle_webhook(run.rt, item)
    _finish(run, item)
    run.report.notes += [n for n in outcome.notes if n]
    run.report.refused += [f"embargo alert: {a}" for a in outcome.alerts]
    with run.rt.sessions() as session:
        for entry in audit.export(session):
            data = entry.get("data") or {}
            if entry.get("kind") == "rules.decided" and data.get("refused"):
                run.report.refused.append(f"{data.get('event')}: {data['refused']}")
    run.store.run_inputs.append(f"webhook|{key}")


def on_schedule(run: Run) -> None:
    from bridge.app.guard import check_expired

    dest = run.destination
    run.report.came_in.append("schedule: retry deliveries, check embargoes, poll peers")
    for ref, body in run.homes.with_state(dest.project, dest.mode):
        block = run.store.read(ref, body).state
        if block is None:
            continue
        in_force = any(s.case is not None and s.case.em in OPEN
                       for s in block.subjects.values())
        if stateblock.pending(block) or in_force:
            run.store.hydrate(ref, body)
    for subject in check_expired(run.rt):
        run.report.notes.append(f"the embargo on {subject} reached its end")
    if run.rt.config.peers.poll:
        poll_peers(run)


def poll_peers(run: Run) -> None:
    from bridge.delivery.ssrf import AllowPolicy, guarded_client
    from bridge.httpsig import Signer

    rt = run.rt
    holder = run.adapter.ensure_private_issue(
        run.destination, STATE_OBJECT, "vultron-bridge state (kept by the action; do not edit)",
        "**vultron-bridge**: the GitHub Action keeps its poll cursors here.\n")
    journal = run.adapter.journal
    journal.created = [r for r in journal.created if r != holder.ref]
    journal.found = [r for r in journal.found if r != holder.ref]
    run.store.holders.add(str(holder.ref))
    if not (run.env.dry_run and holder.created):
        run.store.hydrate(holder.ref)
    from bridge.action.hydrate import cursors as stored_cursors

    cursors = stored_cursors(rt)
    allow = AllowPolicy.build(allow_loopback=rt.config.delivery.allow_loopback,
                              networks=rt.config.delivery.allow_networks)
    timeout = rt.config.delivery.timeout_seconds
    signer = Signer.for_actor(rt.actor_id, run.key) if run.key is not None else None
    with guarded_client(allow, timeout=timeout) as client:
        reader = polling.OutboxReader(client, signer, rt.clock, timeout,
                                      rt.config.limits.max_json_depth)
        for url in rt.config.peers.poll:
            cursor = dict(cursors.get(url) or {})
            try:
                polled = polling.poll(reader, url, cursor, rt.actor_id)
            except ConfigurationError:
                raise
            except BridgeError as exc:
                run.report.notes.append(f"polling {polling.origin(url)[1]} failed: {exc.reason}")
                continue
            run.report.came_in.append(f"poll {urlsplit(url).netloc}: {polled.pages} page(s), "
                                      f"{len(polled.activities)} new activities for us")
            run.report.refused += [f"poll: {s}" for s in polled.skipped]
            polling.remember(cursor, polled.ignored_ids, rt.clock())
            for activity in polled.activities:
                mirror(run, f"poll:{url}", activity)
                polling.remember(cursor, [str(activity["id"])], rt.clock())
            cursors[url] = cursor
    block = stateblock.empty()
    block["cursors"] = cursors
    if not run.env.dry_run:
        run.store.commit_block(holder.ref, block)
