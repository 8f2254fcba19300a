"""The bridge's hidden state block in an issue body or advisory description (pure).

The GitHub Action has no database: each run rebuilds its state from the tracker and writes it
back. What the labels cannot say (the Offer a reply must carry inline, participants, the
embargo end, messages not yet delivered, echo records) lives in one section at the end of the
body of the private issue or draft advisory that mirrors the report::

    <!-- vultron-bridge-state:begin -->
    <!-- vultron-bridge vb… -->            one search marker per subject held here
    <!-- vultron-bridge-state v1 z
    BASE64(zlib(JSON)) -->
    <!-- vultron-bridge-state:end -->

``v1`` is the framing's version (``FRAME``); ``z`` is compressed JSON, ``s`` the same bytes
sealed (encrypted) by the caller. The JSON is the typed content of
``bridge.core.stateschema``, versioned by its own ``"v"`` (its strict parser migrates
content v1 to v2). ``merge`` combines two versions so that two runs writing at once
converge instead of losing each other's work.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from bridge.core.errors import PermanentError
from bridge.core.markers import marker_token
from bridge.core.stateschema import (
    VERSION,
    CursorRow,
    MessageRow,
    StateBlock,
    StateBlockError,
    SubjectRow,
    Unreadable,
    parse,
    to_json,
)

__all__ = ["VERSION", "StateBlock", "StateBlockError", "StateTooLarge", "Unreadable"]

FRAME = 1
"""The framing's version (header ``v1``): base64 of zlib, sealed or not."""
BEGIN = "<!-- vultron-bridge-state:begin -->"
END = "<!-- vultron-bridge-state:end -->"
MAX_BODY_CHARS = 65_535
"""GitHub's limit on an issue body and an advisory description."""
MAX_STATE_BYTES = 4 * 1024 * 1024
"""A block never inflates to more than this (a forged block cannot exhaust memory)."""
KEEP_INPUTS = 200
KEEP_DELIVERED = 200
_SECTION = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)
_PAYLOAD = re.compile(r"<!-- vultron-bridge-state v(\d+) ([zs])\s+([A-Za-z0-9+/=\s]*?)\s*-->")

Seal = Callable[[bytes], bytes]
Unseal = Callable[[bytes], bytes]


class StateTooLarge(PermanentError):
    """The state does not fit in the body even after dropping history."""


def subject_token(subject: str) -> str:
    """The search marker for the home of ``subject`` (distinct from its object marker)."""
    return marker_token("state:" + subject)


def empty() -> dict[str, Any]:
    """The JSON form of an empty block, to fill in by hand (tools, tests); ``render``,
    ``write`` and ``as_block`` check it with the strict parser. ``StateBlock()`` is the
    typed empty block."""
    return to_json(StateBlock())


def as_block(state: StateBlock | Mapping[str, Any]) -> StateBlock:
    """``state`` typed: a JSON form is parsed strictly (``Unreadable`` when it is wrong)."""
    return state if isinstance(state, StateBlock) else parse(dict(state))


# -- framing -----------------------------------------------------------------------------


def strip(body: str | None) -> str:
    """``body`` without its state section (and without the blank lines before it)."""
    text = _SECTION.sub("", body or "")
    return text.rstrip() + "\n" if text.strip() else ""


@dataclass(frozen=True)
class Reading:
    """What a body holds: the state (None when no block counts), why each other block was
    ignored, and why an authentic block could not be read (fixed texts, never block
    content). A body with an ``unreadable`` block must be neither acted on nor rewritten."""

    state: StateBlock | None
    ignored: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = ()


def read_trusted(body: str | None, unseal: Unseal | None, *,
                 allow_unsealed: bool = False) -> Reading:
    """The state in ``body`` as the bridge may trust it.

    With an actor key (``unseal``) only blocks sealed with it are state: an unsealed block or
    one sealed with another key is ignored, wherever it stands (before, after or inside the
    real one: every payload of every section is looked at). Without a key, an unsealed block
    is state only when ``allow_unsealed`` (the configuration says so explicitly). Several
    authentic blocks are merged (so a replayed older one cannot hide the current one). An
    authentic block whose content does not parse (damaged, a wrong-typed or unknown section,
    a newer version) is ``unreadable``: never silently replaced by an empty one."""
    states: list[StateBlock] = []
    ignored: list[str] = []
    unreadable: list[str] = []
    for section in _SECTION.finditer(body or ""):
        payloads = list(_PAYLOAD.finditer(section.group(0)))
        if not payloads:
            ignored.append("a damaged state block (no payload) was ignored")
        for found in payloads:
            reason = _refusal(found.group(2), unseal, allow_unsealed)
            if reason:
                ignored.append(reason)
                continue
            try:
                data = _authentic(found, unseal)
            except StateBlockError as exc:
                ignored.append(f"a state block was ignored: {exc.reason}")
                continue
            try:
                states.append(_content(found, data))
            except StateBlockError as exc:
                unreadable.append(exc.reason if isinstance(exc, Unreadable)
                                  else f"state block unreadable: {exc.reason}")
    if len(states) > 1:
        ignored.append(f"{len(states)} authentic state blocks were found and merged")
    state = None
    for one in states:
        state = one if state is None else merge(state, one)
    if unreadable:
        state = None
    return Reading(state, tuple(ignored), tuple(unreadable))


def _refusal(kind: str, unseal: Unseal | None, allow_unsealed: bool) -> str:
    if kind == "s" and unseal is None:
        return "a sealed state block was ignored: no actor key was given"
    if kind == "z" and unseal is not None:
        return ("an unsealed state block was ignored: with an actor key only a block sealed "
                "with it is state (someone who can edit the body wrote it)")
    if kind == "z" and not allow_unsealed:
        return ("an unsealed state block was ignored: no actor key was given and "
                "action.allow_unsealed_state is off")
    return ""


def read(body: str | None, unseal: Unseal | None = None) -> StateBlock | None:
    """The state of a body holding one block (tests, tools); None when there is none;
    StateBlockError when unreadable. The Action reads with ``read_trusted``."""
    section = _SECTION.search(body or "")
    if section is None:
        return None
    found = _PAYLOAD.search(section.group(0))
    if found is None:
        raise StateBlockError("the state block is damaged (no payload)")
    return _content(found, _authentic(found, unseal))


def _authentic(found: re.Match[str], unseal: Unseal | None) -> bytes:
    """The payload's bytes, unsealed: a StateBlockError here means "not ours to read"."""
    try:
        raw = base64.b64decode("".join(found.group(3).split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise StateBlockError("the state block is damaged (not base64)") from exc
    if found.group(2) == "s":
        if unseal is None:
            raise StateBlockError("the state block is sealed and no actor key was given")
        raw = unseal(raw)
    return raw


def _content(found: re.Match[str], raw: bytes) -> StateBlock:
    """The block in authentic bytes (a v1 block migrated); StateBlockError when unreadable."""
    if int(found.group(1)[:6]) != FRAME:
        raise StateBlockError(f"the state block is version {found.group(1)[:4]}; "
                              "upgrade the action to read it")
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(raw, MAX_STATE_BYTES)
    except zlib.error as exc:
        raise StateBlockError("the state block is damaged (not zlib)") from exc
    if inflater.unconsumed_tail:
        raise StateBlockError("the state block is too large")
    try:
        state = json.loads(data)
    except ValueError as exc:
        raise StateBlockError("the state block is damaged (not JSON)") from exc
    return parse(state)


def render(state: StateBlock | Mapping[str, Any], seal: Seal | None = None) -> str:
    """The state section for ``state`` (with a search marker per subject)."""
    block = as_block(state)
    raw = zlib.compress(json.dumps(to_json(block), sort_keys=True, separators=(",", ":"),
                                   ensure_ascii=False).encode(), 9)
    kind = "z"
    if seal is not None:
        raw, kind = seal(raw), "s"
    text = base64.b64encode(raw).decode("ascii")
    lines = [text[i:i + 76] for i in range(0, len(text), 76)]
    markers = [f"<!-- vultron-bridge {subject_token(s)} -->" for s in sorted(block.subjects)]
    return "\n".join([BEGIN, *markers, f"<!-- vultron-bridge-state v{FRAME} {kind}",
                      *lines, "-->", END])


def write(body: str | None, state: StateBlock | Mapping[str, Any], seal: Seal | None = None,
          max_chars: int = MAX_BODY_CHARS) -> str:
    """``body`` with its state section replaced by ``state``; history is dropped (oldest
    first) when the body would exceed ``max_chars``; StateTooLarge when even that fails."""
    base = strip(body)
    current = as_block(state)
    for level in range(4):
        current = trim(current, level)
        text = f"{base.rstrip()}\n\n{render(current, seal)}\n" if base else render(current, seal)
        if len(text) <= max_chars:
            return text
    raise StateTooLarge(
        f"the bridge's state needs more than the {max_chars} characters GitHub allows in a "
        "body; close delivered cases or shorten the report text"
    )


def trim(state: StateBlock, level: int) -> StateBlock:
    """Drop history to save room: 1 = delivered messages and used echo records, 2 = also
    processed-input keys, 3 = also mirror plans (re-runs may then repeat idempotent writes)."""
    if level == 0:
        return state
    out = replace(state, outbox={k: v for k, v in state.outbox.items() if v.status == "pending"},
                  writes={k: v for k, v in state.writes.items() if not v.used})
    if level >= 2:
        out = replace(out, inputs=())
    if level >= 3:
        out = replace(out, objects={k: v for k, v in state.objects.items()
                                    if v.type != "MirrorPlan"})
    return out


# -- merging -----------------------------------------------------------------------------

_STATUS_RANK = {"pending": 0, "dead": 1, "delivered": 2}
def _newer(a: Any, b: Any) -> Any:
    """Of two timestamped rows (``at``), the newer; ``b`` (ours) wins a tie."""
    if a is None:
        return b
    if b is None:
        return a
    return a if float(a.at or 0) > float(b.at or 0) else b


def _merge_outbox(a: MessageRow, b: MessageRow) -> MessageRow:
    """The further delivered (then more attempted) row; the subjects of both (a delivered
    row read back keeps only its activity's id, not the subjects it named)."""
    rank_a = (_STATUS_RANK.get(a.status, 0), a.attempts)
    rank_b = (_STATUS_RANK.get(b.status, 0), b.attempts)
    subjects = tuple(sorted(set(a.subjects) | set(b.subjects)))
    return replace(a if rank_a > rank_b else b, subjects=subjects)


def _merge_subject(a: SubjectRow, b: SubjectRow) -> SubjectRow:
    links = sorted(set(a.links) | set(b.links),
                   key=lambda x: (x.ref, x.relation, x.by, -1.0 if x.at is None else x.at))
    parts = {k: _newer(a.participants.get(k), b.participants.get(k))
             for k in sorted(set(a.participants) | set(b.participants))}
    return SubjectRow(case=_newer(a.case, b.case), participants=parts, links=tuple(links))


def _merge_cursor(a: CursorRow, b: CursorRow) -> CursorRow:
    newest = _newer(a, b)
    seen = list(dict.fromkeys([*b.seen, *a.seen]))
    return CursorRow(seen=tuple(seen[:1000]), at=newest.at)


V = TypeVar("V")


def _union(a: Mapping[str, V], b: Mapping[str, V],
           pick: Callable[[V, V], V]) -> dict[str, V]:
    return {k: (pick(a[k], b[k]) if k in a and k in b else a[k] if k in a else b[k])
            for k in sorted(set(a) | set(b))}


def merge(theirs: StateBlock | None, ours: StateBlock) -> StateBlock:
    """Combine the stored state with this run's: sets are unioned, timestamped entries keep
    the newer, a delivered message stays delivered, a used echo record stays used."""
    a, b = theirs or StateBlock(), ours
    writes = _union(a.writes, b.writes, lambda x, y: replace(y, used=x.used or y.used))
    inputs = list(dict.fromkeys([*b.inputs, *a.inputs]))[:KEEP_INPUTS]
    return StateBlock(
        subjects=_union(a.subjects, b.subjects, _merge_subject),
        objects=_union(a.objects, b.objects, _newer),
        outbox=_prune_delivered(_union(a.outbox, b.outbox, _merge_outbox)),
        writes=writes,
        inputs=tuple(inputs),
        cursors=_union(a.cursors, b.cursors, _merge_cursor),
    )


def _prune_delivered(outbox: dict[str, MessageRow]) -> dict[str, MessageRow]:
    done = sorted((k for k, v in outbox.items() if v.status != "pending"),
                  key=lambda k: float(outbox[k].at or 0), reverse=True)
    drop = set(done[KEEP_DELIVERED:])
    return {k: v for k, v in outbox.items() if k not in drop}


def prune_writes(state: StateBlock, now: float, window: float) -> StateBlock:
    """Echo records older than ``window`` seconds can no longer match: drop them."""
    return replace(state, writes={k: v for k, v in state.writes.items()
                                  if v.at >= now - window})


def outbox_key(activity_id: str, recipient: str) -> str:
    return f"{activity_id}\x1f{recipient}"


def pending(state: StateBlock) -> list[MessageRow]:
    return [v for v in state.outbox.values() if v.status == "pending"]


def ids_in(value: Any, limit: int = 32) -> list[str]:
    """Object ids an activity names (its own, its object's, contexts, replies…), in order,
    at most ``limit``: the subjects whose state a run must load before handling it."""
    found: list[str] = []

    def walk(node: Any, depth: int) -> None:
        if len(found) >= limit or depth > 4:
            return
        if isinstance(node, str):
            if node.startswith(("http://", "https://", "urn:")) and node not in found:
                found.append(node)
            return
        if isinstance(node, list):
            for item in node[:16]:
                walk(item, depth + 1)
            return
        if isinstance(node, dict):
            for key in ("id", "object", "context", "inReplyTo", "target", "caseId", "case_id"):
                if key in node:
                    walk(node[key], depth + 1)

    walk(value, 0)
    return found
