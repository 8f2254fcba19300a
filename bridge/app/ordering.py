"""What a stored input touches: the keys that keep related inputs in order when a worker
processes a batch concurrently (see ``bridge.app.keyed``).

- an activity (``inbox:``/``dispatch:``): its own id and every id it names below it — the
  object, target, context, reports inside a case, the Invite an Accept answers — but not
  who sent it or to whom (one finder's unrelated reports may overlap);
- a webhook: the issue, and the cases and reports linked to it (so a label on a linked issue
  and an activity about its case keep their order), and its tracker project — shared by issue
  events (labels on two unrelated issues of one project overlap), exclusive for project-wide
  events such as a release, which wait for the project's earlier events and hold back later
  ones.

Keys only order work; an input whose keys cannot be read runs on its own and its handler
reports what is wrong with it.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from bridge.app.keyed import Keys
from bridge.app.runtime import Runtime
from bridge.core.events import WebhookResult
from bridge.store import links
from bridge.store.inbound import InboundItem

NOT_SUBJECTS = frozenset({
    "@context", "actor", "to", "cc", "bto", "bcc", "audience", "attributedTo",
    "attributed_to", "url", "href", "icon", "image", "generator", "inbox", "outbox",
    "publicKey", "public_key", "owner", "content", "summary", "name", "mediaType",
})
"""Fields whose values are people, audiences or text, not the objects an input is about."""

MAX_DEPTH = 4
MAX_KEYS = 200


def _harvest(value: Any, depth: int, found: set[str]) -> None:
    if len(found) >= MAX_KEYS or depth > MAX_DEPTH:
        return
    if isinstance(value, str):
        if value.startswith(("http://", "https://", "urn:")):
            found.add(value)
    elif isinstance(value, list):
        for entry in value:
            _harvest(entry, depth + 1, found)
    elif isinstance(value, dict):
        for key, entry in value.items():
            if key not in NOT_SUBJECTS:
                _harvest(entry, depth + 1, found)


def activity_keys(body: bytes) -> set[str]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return set()
    found: set[str] = set()
    _harvest(data, 0, found)
    return found


def webhook_keys(rt: Runtime, body: bytes) -> Keys:
    try:
        result = WebhookResult.model_validate_json(body)
    except ValidationError:
        return Keys()
    exclusive: set[str] = set()
    shared: set[str] = set()
    refs = []
    for event in result.events:
        project = event.project or (event.ref.project if event.ref else None)
        (shared if event.ref is not None else exclusive).add(f"project:{event.tracker}:{project}")
        if event.ref is not None:
            refs.append(event.ref)
            exclusive.add(str(event.ref))
    if refs:
        with rt.readers() as session:
            for ref in refs:
                exclusive.update(link.subject for link in links.links_for_ref(session, ref))
    return Keys(frozenset(exclusive), frozenset(shared - exclusive))


def ordering_keys(rt: Runtime, item: InboundItem) -> Keys:
    source = item.source.partition(":")[0]
    if source == "webhook":
        return webhook_keys(rt, item.body)
    if source == "mail":  # one lane: a thread's mails keep their order
        return Keys(frozenset({"mail"}))
    return Keys(frozenset(activity_keys(item.body)))
