"""Malformed request bodies, deterministic from a seed: truncated JSON, invalid UTF-8, NaN and
Infinity, huge numbers, wrong types, duplicate keys, deep nesting, random byte mutations —
each built from a real payload of the corpus so the parser is exercised past its first check.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.paths import GITHUB_CORPUS, GITLAB_CORPUS, VULTRON_CORPUS

TRUSTED_ACTOR = "https://trusted.example/actors/t"

Mutation = Callable[[random.Random, dict[str, Any]], bytes]


def _load(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def github_seeds() -> list[tuple[str, dict[str, Any]]]:
    """(event name, payload) for every payload file of the GitHub corpus."""
    seeds = []
    for path in sorted(GITHUB_CORPUS.rglob("*.payload.json")):
        data = _load(path)
        if data is not None:
            seeds.append((path.parent.name, data))
    return seeds


def gitlab_seeds() -> list[dict[str, Any]]:
    return [d for p in sorted(GITLAB_CORPUS.glob("*.json"))
            if not p.name.endswith(".headers.json") and not p.name.endswith("_doc.json")
            and (d := _load(p)) is not None and "object_kind" in d]


def vultron_seeds() -> list[dict[str, Any]]:
    """Corpus activities re-attributed to the trusted peer (so they get past authentication)."""
    seeds = []
    for path in sorted(VULTRON_CORPUS.rglob("*.json")):
        data = _load(path)
        if data is not None and ("type" in data or "asType" in data):
            data["actor"] = TRUSTED_ACTOR
            seeds.append(data)
    return seeds


# --- the mutations ----------------------------------------------------------------------------

def _dump(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:5]):
            yield from _paths(v, (*prefix, i))


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return doc


def truncated(rnd: random.Random, doc: dict[str, Any]) -> bytes:
    raw = _dump(doc)
    return raw[: rnd.randrange(0, len(raw))]


def invalid_utf8(rnd: random.Random, doc: dict[str, Any]) -> bytes:
    raw = bytearray(_dump(doc))
    for _ in range(rnd.randint(1, 3)):
        at = rnd.randrange(len(raw))
        raw[at:at] = rnd.choice([b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\x80"])
    try:  # two insertions can make one valid character (b"\xc3" + b"\x80" is "À")
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return bytes(raw)
    at = rnd.randrange(len(raw))
    raw[at:at] = b"\xff"  # never in UTF-8
    return bytes(raw)


def not_a_number(rnd: random.Random, doc: dict[str, Any]) -> bytes:
    token = rnd.choice(["NaN", "Infinity", "-Infinity"])
    path = rnd.choice(list(_paths(doc))[1:] or [("x",)])
    return _dump(_set(doc, path, "@@NUMBER@@")).replace(b'"@@NUMBER@@"', token.encode())


def huge_number(rnd: random.Random, doc: dict[str, Any]) -> bytes:
    token = rnd.choice(["9" * rnd.randint(20, 50_000), "1e999", "-1e400", "1" + "0" * 5000,
                        "0." + "0" * 400 + "1", str(2**64), str(-(2**63) - 1)])
    path = rnd.choice(list(_paths(doc))[1:] or [("x",)])
    return _dump(_set(doc, path, "@@NUMBER@@")).replace(b'"@@NUMBER@@"', token.encode())


WRONG_VALUES: list[Any] = [None, True, 0, -1, 1.5, "", "x" * 300, [], [1, "a"], {}, {"a": None},
                           "\u0000", "\ud7ff\ue000", 10**30, "../../etc/passwd"]


def wrong_type(rnd: random.Random, doc: dict[str, Any]) -> bytes:
    for _ in range(rnd.randint(1, 3)):
        path = rnd.choice(list(_paths(doc))[1:] or [("x",)])
        doc = _set(doc, path, copy.deepcopy(rnd.choice(WRONG_VALUES)))
    return _dump(doc)


def duplicate_keys(rnd: random.Random, doc: dict[str, Any]) -> bytes:
    raw = _dump(doc)
    key = rnd.choice(list(doc) or ["x"])
    dup = json.dumps(key).encode() + b": " + rnd.choice([b"1", b'"other"', b"null", b"{}"])
    return b"{" + dup + b", " + raw[1:] if raw != b"{}" else b"{" + dup + b"}"


def deep_nesting(rnd: random.Random, doc: dict[str, Any]) -> bytes:
    depth = rnd.choice([65, 100, 1000, 10_000])
    opener, closer = rnd.choice([(b"[", b"]"), (b'{"a":', b"}")])
    inner = opener * depth + b"1" + closer * depth
    raw = _dump(_set(doc, (rnd.choice(list(doc) or ["x"]),), "@@DEEP@@"))
    return raw.replace(b'"@@DEEP@@"', inner)


def byte_mutation(rnd: random.Random, doc: dict[str, Any]) -> bytes:
    raw = bytearray(_dump(doc))
    for _ in range(rnd.randint(1, 8)):
        op = rnd.randrange(4)
        at = rnd.randrange(len(raw)) if raw else 0
        if op == 0 and raw:
            raw[at] ^= 1 << rnd.randrange(8)
        elif op == 1:
            raw[at:at] = bytes([rnd.randrange(256)])
        elif op == 2 and raw:
            del raw[at]
        else:
            raw[at:at] = rnd.choice([b"{", b"}", b"[", b"]", b",", b":", b'"', b"\\"])
    return bytes(raw)


def not_an_object(rnd: random.Random, doc: dict[str, Any]) -> bytes:
    return rnd.choice([b"[]", b"null", b"1", b'"a string"', b"true", b"", b" ", b"\xef\xbb\xbf",
                       _dump(list(doc.values())[:3]), b"{}" * 2, b"{} {}"])


MUTATIONS: dict[str, Mutation] = {f.__name__: f for f in (
    truncated, invalid_utf8, not_a_number, huge_number, wrong_type, duplicate_keys,
    deep_nesting, byte_mutation, not_an_object)}
MALFORMED = frozenset({"truncated", "invalid_utf8", "not_a_number", "duplicate_keys",
                       "deep_nesting", "not_an_object"})
"""Mutations whose result is never an acceptable document (a row for one of them is a bug).
Not ``huge_number``: ``2**64`` is a fine JSON number."""


def bodies(seeds: list[Any], count: int, seed: int) -> Iterator[tuple[str, int, bytes]]:
    """``count`` (mutation name, seed index, body) triples, round robin over the mutations."""
    rnd = random.Random(seed)
    names = list(MUTATIONS)
    for n in range(count):
        name = names[n % len(names)]
        index = rnd.randrange(len(seeds))
        doc = json.loads(json.dumps(seeds[index][1] if isinstance(seeds[index], tuple)
                                    else seeds[index]))
        yield name, index, MUTATIONS[name](rnd, doc)
