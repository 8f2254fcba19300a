"""An OSV feed in a git branch, decided without git: which files a run writes, under which
names, and what its commit says. The edge (``bridge.action.osvfeed``) reads the branch and
writes what this module decides.

A file is written only when its entry changed: an entry that differs from the branch's only in
``modified`` (which every build stamps with the time of the run) is unchanged, so a run that
has nothing new commits nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bridge.core.errors import InputError

_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")
SUBJECT_IDS = 3
"""At most this many ids in a commit's first line; every id is in its body."""


def render(record: Mapping[str, Any]) -> bytes:
    """A record as the bridge writes every record file: indented JSON, UTF-8, one newline."""
    return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def branch_problem(name: str) -> str | None:
    """Why ``name`` is not a branch name git accepts (``git check-ref-format --branch``);
    None when it is one."""
    if not name:
        return "must not be empty"
    if name.startswith("-"):
        return "must not start with '-'"
    if name in ("@", "HEAD"):
        return f"{name!r} is not a branch name"
    if _REF_FORBIDDEN.search(name):
        return "must not hold spaces, control characters or any of ~ ^ : ? * [ \\"
    if ".." in name or "@{" in name:
        return "must not hold '..' or '@{'"
    if name.startswith("/") or name.endswith("/") or "//" in name:
        return "must not start or end with '/' nor hold '//'"
    if name.endswith("."):
        return "must not end with '.'"
    for part in name.split("/"):
        if part.startswith(".") or part.endswith(".lock"):
            return "no part between '/' may start with '.' or end with '.lock'"
    return None


def directory_problem(path: str) -> str | None:
    """Why ``path`` is not a directory of the branch: it must be relative, with no ``..``,
    no empty part and no ``.git``; ``.`` is the branch's top."""
    if path == ".":
        return None
    if not path or path.startswith("/") or "\\" in path:
        return "must be a relative path with '/' between its parts"
    if any(ord(c) < 0x20 or c == "\x7f" for c in path):
        return "must not hold control characters"
    parts = path.rstrip("/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "must not hold '..', '.' or empty parts"
    if any(p.lower() == ".git" for p in parts):
        return "must not name .git"
    return None


def file_path(directory: str, entry_id: str) -> str:
    """Where the entry ``entry_id`` lives in the branch (``<directory>/<id>.json``)."""
    if not _FILE_NAME.match(entry_id):
        raise InputError(f"the OSV id {entry_id[:80]!r} cannot be a file name in the feed")
    top = directory.rstrip("/")
    return f"{entry_id}.json" if top == "." else f"{top}/{entry_id}.json"


@dataclass(frozen=True)
class FeedFile:
    entry_id: str
    path: str
    content: bytes
    new: bool
    """No file of that name in the branch yet (else: an update)."""


def _without_modified(data: object) -> object:
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if k != "modified"}
    return data


def unchanged(old: bytes | None, record: Mapping[str, Any]) -> bool:
    """The branch's file already says what ``record`` says (``modified`` aside)."""
    if old is None:
        return False
    try:
        before = json.loads(old.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return _without_modified(before) == _without_modified(dict(record))


def plan(directory: str, records: Sequence[Mapping[str, Any]],
         existing: Mapping[str, bytes]) -> tuple[FeedFile, ...]:
    """The files to write: each record whose file is missing or says something else.
    ``existing``: the branch's files by path (those of the records' paths, at least)."""
    out: dict[str, FeedFile] = {}
    for record in records:
        entry_id = str(record.get("id") or "")
        path = file_path(directory, entry_id)
        if unchanged(existing.get(path), record):
            continue
        out[path] = FeedFile(entry_id, path, render(record), new=path not in existing)
    return tuple(out[p] for p in sorted(out))


def commit_message(files: Sequence[FeedFile]) -> str:
    """One line naming the entries (the first few, and how many more), then every id."""
    ids = [f.entry_id for f in files]
    shown = ", ".join(ids[:SUBJECT_IDS])
    more = f" and {len(ids) - SUBJECT_IDS} more" if len(ids) > SUBJECT_IDS else ""
    body = "\n".join(f"- {f.entry_id} ({'new' if f.new else 'updated'})" for f in files)
    return f"OSV: {shown}{more}\n\nWritten by vultron-bridge:\n{body}\n"
