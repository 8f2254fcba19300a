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

``v1 z`` is compressed JSON; ``v1 s`` is the same bytes sealed (encrypted) by the caller. The
state is a JSON object (see ``docs/action.md``); ``merge`` combines two versions so that two
runs writing at once converge instead of losing each other's work.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bridge.core.errors import InputError, PermanentError
from bridge.core.markers import marker_token

VERSION = 1
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


class StateBlockError(InputError):
    """The state block is damaged, from a newer version, or sealed with another key."""


class StateTooLarge(PermanentError):
    """The state does not fit in the body even after dropping history."""


def subject_token(subject: str) -> str:
    """The search marker for the home of ``subject`` (distinct from its object marker)."""
    return marker_token("state:" + subject)


def empty() -> dict[str, Any]:
    return {"v": VERSION, "subjects": {}, "objects": {}, "outbox": {}, "writes": {},
            "inputs": [], "cursors": {}}


def normalise(state: dict[str, Any]) -> dict[str, Any]:
    """``state`` with every top-level key present and of the right kind."""
    out = empty()
    for key, default in out.items():
        value = state.get(key, default)
        out[key] = value if isinstance(value, type(default)) else default
    out["v"] = VERSION
    return out


# -- framing -----------------------------------------------------------------------------


def strip(body: str | None) -> str:
    """``body`` without its state section (and without the blank lines before it)."""
    text = _SECTION.sub("", body or "")
    return text.rstrip() + "\n" if text.strip() else ""


@dataclass(frozen=True)
class Reading:
    """What a body holds: the state (None when no block counts) and why each other block
    was ignored (fixed texts, never block content)."""

    state: dict[str, Any] | None
    ignored: tuple[str, ...] = ()


def read_trusted(body: str | None, unseal: Unseal | None, *,
                 allow_unsealed: bool = False) -> Reading:
    """The state in ``body`` as the bridge may trust it.

    With an actor key (``unseal``) only blocks sealed with it are state: an unsealed block or
    one sealed with another key is ignored, wherever it stands (before, after or inside the
    real one: every payload of every section is looked at). Without a key, an unsealed block
    is state only when ``allow_unsealed`` (the configuration says so explicitly). Several
    authentic blocks are merged (so a replayed older one cannot hide the current one)."""
    states: list[dict[str, Any]] = []
    ignored: list[str] = []
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
                states.append(_decode(found, unseal))
            except StateBlockError as exc:
                ignored.append(f"a state block was ignored: {exc.reason}")
    if len(states) > 1:
        ignored.append(f"{len(states)} authentic state blocks were found and merged")
    state = None
    for one in states:
        state = one if state is None else merge(state, one)
    return Reading(state, tuple(ignored))


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


def read(body: str | None, unseal: Unseal | None = None) -> dict[str, Any] | None:
    """The state of a body holding one block (tests, tools); None when there is none;
    StateBlockError when unreadable. The Action reads with ``read_trusted``."""
    section = _SECTION.search(body or "")
    if section is None:
        return None
    found = _PAYLOAD.search(section.group(0))
    if found is None:
        raise StateBlockError("the state block is damaged (no payload)")
    return _decode(found, unseal)


def _decode(found: re.Match[str], unseal: Unseal | None) -> dict[str, Any]:
    if int(found.group(1)) != VERSION:
        raise StateBlockError(f"the state block is version {found.group(1)[:4]}; "
                              "upgrade the action to read it")
    try:
        raw = base64.b64decode("".join(found.group(3).split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise StateBlockError("the state block is damaged (not base64)") from exc
    if found.group(2) == "s":
        if unseal is None:
            raise StateBlockError("the state block is sealed and no actor key was given")
        raw = unseal(raw)
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
    if not isinstance(state, dict):
        raise StateBlockError("the state block is damaged (not an object)")
    return normalise(state)


def render(state: dict[str, Any], seal: Seal | None = None) -> str:
    """The state section for ``state`` (with a search marker per subject)."""
    raw = zlib.compress(
        json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(), 9
    )
    kind = "z"
    if seal is not None:
        raw, kind = seal(raw), "s"
    text = base64.b64encode(raw).decode("ascii")
    lines = [text[i:i + 76] for i in range(0, len(text), 76)]
    markers = [f"<!-- vultron-bridge {subject_token(s)} -->" for s in sorted(state["subjects"])]
    return "\n".join([BEGIN, *markers, f"<!-- vultron-bridge-state v{VERSION} {kind}",
                      *lines, "-->", END])


def write(body: str | None, state: dict[str, Any], seal: Seal | None = None,
          max_chars: int = MAX_BODY_CHARS) -> str:
    """``body`` with its state section replaced by ``state``; history is dropped (oldest
    first) when the body would exceed ``max_chars``; StateTooLarge when even that fails."""
    base = strip(body)
    current = state
    for level in range(4):
        current = trim(current, level)
        text = f"{base.rstrip()}\n\n{render(current, seal)}\n" if base else render(current, seal)
        if len(text) <= max_chars:
            return text
    raise StateTooLarge(
        f"the bridge's state needs more than the {max_chars} characters GitHub allows in a "
        "body; close delivered cases or shorten the report text"
    )


def trim(state: dict[str, Any], level: int) -> dict[str, Any]:
    """Drop history to save room: 1 = delivered messages and used echo records, 2 = also
    processed-input keys, 3 = also mirror plans (re-runs may then repeat idempotent writes)."""
    if level == 0:
        return state
    out = dict(state)
    out["outbox"] = {k: v for k, v in state["outbox"].items() if v.get("status") == "pending"}
    out["writes"] = {k: v for k, v in state["writes"].items() if not v.get("used")}
    if level >= 2:
        out["inputs"] = []
    if level >= 3:
        out["objects"] = {k: v for k, v in state["objects"].items()
                          if v.get("type") != "MirrorPlan"}
    return out


# -- merging -----------------------------------------------------------------------------

_STATUS_RANK = {"pending": 0, "dead": 1, "delivered": 2}


def _newer(a: Any, b: Any) -> Any:
    """Of two timestamped entries (``at``), the newer; ``b`` (ours) wins a tie."""
    if not isinstance(a, dict):
        return b
    if not isinstance(b, dict):
        return a
    return a if float(a.get("at") or 0) > float(b.get("at") or 0) else b


def _merge_outbox(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    rank_a = (_STATUS_RANK.get(str(a.get("status")), 0), int(a.get("attempts") or 0))
    rank_b = (_STATUS_RANK.get(str(b.get("status")), 0), int(b.get("attempts") or 0))
    return a if rank_a > rank_b else b


def _merge_subject(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    parts_a, parts_b = a.get("participants") or {}, b.get("participants") or {}
    links = {tuple(x) for x in (a.get("links") or []) + (b.get("links") or [])
             if isinstance(x, list | tuple)}
    return {
        "case": _newer(a.get("case"), b.get("case")),
        "participants": {k: _newer(parts_a.get(k), parts_b.get(k))
                         for k in sorted(set(parts_a) | set(parts_b))},
        "links": [list(x) for x in sorted(links)],
    }


def _merge_cursor(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    newest = _newer(a, b)
    seen = list(dict.fromkeys([*(b.get("seen") or []), *(a.get("seen") or [])]))
    return {**newest, "seen": seen[:1000]}


def _union(a: dict[str, Any], b: dict[str, Any],
           pick: Callable[[Any, Any], Any]) -> dict[str, Any]:
    return {k: (pick(a[k], b[k]) if k in a and k in b else a.get(k, b.get(k)))
            for k in sorted(set(a) | set(b))}


def merge(theirs: dict[str, Any] | None, ours: dict[str, Any]) -> dict[str, Any]:
    """Combine the stored state with this run's: sets are unioned, timestamped entries keep
    the newer, a delivered message stays delivered, a used echo record stays used."""
    a, b = normalise(theirs or {}), normalise(ours)
    writes = _union(a["writes"], b["writes"],
                    lambda x, y: {**y, "used": bool(x.get("used") or y.get("used"))})
    inputs = list(dict.fromkeys([*b["inputs"], *a["inputs"]]))[:KEEP_INPUTS]
    return {
        "v": VERSION,
        "subjects": _union(a["subjects"], b["subjects"], _merge_subject),
        "objects": _union(a["objects"], b["objects"], _newer),
        "outbox": _prune_delivered(_union(a["outbox"], b["outbox"], _merge_outbox)),
        "writes": writes,
        "inputs": inputs,
        "cursors": _union(a["cursors"], b["cursors"], _merge_cursor),
    }


def _prune_delivered(outbox: dict[str, Any]) -> dict[str, Any]:
    done = sorted((k for k, v in outbox.items() if v.get("status") != "pending"),
                  key=lambda k: float(outbox[k].get("at") or 0), reverse=True)
    drop = set(done[KEEP_DELIVERED:])
    return {k: v for k, v in outbox.items() if k not in drop}


def prune_writes(state: dict[str, Any], now: float, window: float) -> dict[str, Any]:
    """Echo records older than ``window`` seconds can no longer match: drop them."""
    keep = {k: v for k, v in state["writes"].items() if float(v.get("at") or 0) >= now - window}
    return {**state, "writes": keep}


def outbox_key(activity_id: str, recipient: str) -> str:
    return f"{activity_id}\x1f{recipient}"


def pending(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in state["outbox"].values() if v.get("status") == "pending"]


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
