"""After a run, the OSV entries of its public cases are committed to a branch of the repository
(``publication.osv_feed``), as projects publishing OSV feeds do (docs/action.md).

Git plumbing in the workflow's checkout, so that its working tree, index and checked-out
branch are never touched: the branch's tip is fetched into a private ref, the files are
written as blobs (``hash-object -w``) into a temporary index (``GIT_INDEX_FILE``) read from
that tip, ``write-tree`` and ``commit-tree`` (the tip as parent, none for a new branch) make
the commit, and ``git push origin <commit>:refs/heads/<branch>`` publishes it. A push
rejected because another run moved the branch is rebuilt on the new tip (``ATTEMPTS`` times
in all). The push uses the checkout's remote and credentials (``actions/checkout`` persists
the token); nothing this module prints holds a URL's credentials.

Which entries, which files and what the commit says are decided in
:mod:`bridge.core.records.feed`; the entries are :mod:`bridge.publish.at_publication`'s.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridge.action.setup import Run
from bridge.core.errors import BridgeError, InputError
from bridge.core.records import feed
from bridge.core.records.feed import FeedFile
from bridge.publish.at_publication import osv_entries
from bridge.store import db

ATTEMPTS = 4
FEED_REF = "refs/vultron-bridge/osv-feed"
"""Where the branch's tip is fetched to in the checkout (no branch, no remote-tracking ref)."""
GIT_TIMEOUT = 120.0
IDENTITY = {"GIT_AUTHOR_NAME": "github-actions[bot]",
            "GIT_AUTHOR_EMAIL": "41898282+github-actions[bot]@users.noreply.github.com"}
_DROPPED = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
            "GIT_TRACE", "GIT_TRACE_CURL", "GIT_TRACE_PACKET", "GIT_TRACE2", "GIT_CURL_VERBOSE")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")

BeforePush = Callable[[int], None]
"""Called with the attempt number just before each push (tests: another clone pushes)."""


class FeedError(BridgeError):
    """The feed could not be committed or pushed; the reason holds no credentials."""

    kind = "osv_feed"


def redact(text: str) -> str:
    """``text`` without the user and password part of any URL in it."""
    return _USERINFO.sub(r"\1***@", text)


def _said(exc: subprocess.CalledProcessError) -> str:
    out = b"\n".join(x for x in (exc.stderr, exc.stdout) if x).decode("utf-8", "replace")
    lines = [line.strip() for line in redact(out).splitlines() if line.strip()]
    return "; ".join(lines)[:400] or f"exit status {exc.returncode}"


@dataclass(frozen=True)
class Git:
    """``git -C <checkout>`` with a clean environment (no tracing, no prompts)."""

    checkout: Path
    environ: Mapping[str, str] | None = None

    def _env(self, index: Path | None) -> dict[str, str]:
        base = dict(os.environ if self.environ is None else self.environ)
        env = {k: v for k, v in base.items() if k not in _DROPPED}
        env.update(IDENTITY, GIT_COMMITTER_NAME=IDENTITY["GIT_AUTHOR_NAME"],
                   GIT_COMMITTER_EMAIL=IDENTITY["GIT_AUTHOR_EMAIL"],
                   GIT_TERMINAL_PROMPT="0", LC_ALL="C")
        if index is not None:
            env["GIT_INDEX_FILE"] = str(index)
        return env

    def raw(self, *args: str, data: bytes | None = None,
            index: Path | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run git; CalledProcessError when it fails (FeedError when git cannot start)."""
        git = shutil.which("git")
        if git is None:
            raise FeedError("git is not installed on the runner")
        try:
            return subprocess.run(  # noqa: S603 - fixed argv, no shell
                [git, "-C", str(self.checkout), *args], input=data, capture_output=True,
                env=self._env(index), timeout=GIT_TIMEOUT, check=True)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise FeedError(f"git {args[0]} could not run ({type(exc).__name__})") from None

    def data(self, *args: str, data: bytes | None = None, index: Path | None = None) -> bytes:
        """Git's standard output; FeedError saying what git said when it fails."""
        try:
            return self.raw(*args, data=data, index=index).stdout
        except subprocess.CalledProcessError as exc:
            raise FeedError(f"git {args[0]} failed: {_said(exc)}") from None

    def out(self, *args: str, data: bytes | None = None, index: Path | None = None) -> str:
        return self.data(*args, data=data, index=index).decode("utf-8", "replace").strip()


@dataclass(frozen=True)
class Pushed:
    commit: str | None
    """The commit pushed; None when the branch already held every entry."""
    files: tuple[FeedFile, ...]
    attempts: int


def check_checkout(git: Git) -> None:
    """FeedError unless ``git.checkout`` is a git checkout (the workflow ran actions/checkout)."""
    try:
        git.raw("rev-parse", "--git-dir")
    except subprocess.CalledProcessError:
        raise FeedError(f"{git.checkout} is not a git checkout: put actions/checkout before "
                        "the bridge's step (docs/action.md#publishing-an-osv-feed)") from None


def remote_tip(git: Git, branch: str) -> str | None:
    """The branch's tip on ``origin``, fetched into :data:`FEED_REF`; None: no such branch."""
    ref = f"refs/heads/{branch}"
    listed = git.out("ls-remote", "--heads", "origin", ref)
    if not any(line.split("\t")[-1] == ref for line in listed.splitlines()):
        return None
    git.out("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "origin",
            f"+{ref}:{FEED_REF}")
    return git.out("rev-parse", "--verify", f"{FEED_REF}^{{commit}}")


def branch_files(git: Git, tip: str | None, paths: Sequence[str]) -> dict[str, bytes]:
    """The content of those of ``paths`` that are files in ``tip``."""
    if tip is None or not paths:
        return {}
    listing = git.data("ls-tree", "-z", "--full-tree", tip, "--", *paths)
    out: dict[str, bytes] = {}
    for item in listing.split(b"\0"):
        head, _, name = item.partition(b"\t")
        fields = head.split()
        if len(fields) == 3 and fields[1] == b"blob":
            out[name.decode("utf-8")] = git.data("cat-file", "blob", fields[2].decode())
    return out


def build_commit(git: Git, tip: str | None, files: Sequence[FeedFile], message: str,
                 scratch: Path) -> str | None:
    """The commit of ``tip``'s tree with ``files`` written; None when the tree is the same."""
    index = scratch / "index"
    index.unlink(missing_ok=True)
    git.out("read-tree", *([tip] if tip else ["--empty"]), index=index)
    for f in files:
        blob = git.out("hash-object", "-w", "--stdin", data=f.content)
        git.out("update-index", "--add", "--cacheinfo", f"100644,{blob},{f.path}", index=index)
    tree = git.out("write-tree", index=index)
    if tip is not None and tree == git.out("rev-parse", f"{tip}^{{tree}}"):
        return None
    parents = ["-p", tip] if tip else []
    return git.out("commit-tree", "--no-gpg-sign", tree, *parents, "-F", "-",
                   data=message.encode("utf-8"))


def push(git: Git, commit: str, branch: str) -> bool:
    """Push ``commit`` as the branch; False when refused for not being a fast-forward."""
    try:
        git.raw("push", "--porcelain", "origin", f"{commit}:refs/heads/{branch}")
    except subprocess.CalledProcessError as exc:
        if b"\t[rejected]" in (exc.stdout or b""):
            return False
        raise FeedError(f"git push to {branch} failed: {_said(exc)}") from None
    return True


def publish(git: Git, branch: str, directory: str, entries: Sequence[Mapping[str, Any]], *,
            before_push: BeforePush | None = None, attempts: int = ATTEMPTS) -> Pushed:
    """Commit the entries that differ from the branch's files, in one commit, and push it."""
    paths = [feed.file_path(directory, str(e.get("id") or "")) for e in entries]
    check_checkout(git)
    with tempfile.TemporaryDirectory(prefix="vultron-osv-feed-") as scratch:
        for attempt in range(1, attempts + 1):
            tip = remote_tip(git, branch)
            files = feed.plan(directory, entries, branch_files(git, tip, paths))
            commit = build_commit(git, tip, files, feed.commit_message(files),
                                  Path(scratch)) if files else None
            if commit is None:
                return Pushed(None, (), attempt)
            if before_push is not None:
                before_push(attempt)
            if push(git, commit, branch):
                return Pushed(commit, files, attempt)
    raise FeedError(f"the push to branch {branch} was refused {attempts} times (other runs "
                    "kept moving it); the next run commits the entries")


def checkout_dir(environ: Mapping[str, str]) -> Path:
    """The workflow's checkout: ``GITHUB_WORKSPACE`` (where ``actions/checkout`` puts it)."""
    return Path(environ.get("GITHUB_WORKSPACE") or ".")


def after_run(run: Run, checkout: Path, *, before_push: BeforePush | None = None,
              environ: Mapping[str, str] | None = None) -> Pushed | None:
    """Commit the run's OSV entries to ``publication.osv_feed.branch``; notes on the summary.
    FeedError when the branch could not be updated."""
    config = run.rt.config.publication.osv_feed
    if config is None:
        return None
    with db.transaction(run.rt.sessions) as session:
        entries, problems = osv_entries(session, run.rt, run.rt.now(), run.rt.clock())
    report = run.report
    report.notes += [f"OSV feed: not committed: {p}" for p in problems]
    usable = []
    for entry in entries:
        try:
            feed.file_path(config.directory, str(entry.get("id") or ""))
        except InputError as exc:
            report.notes.append(f"OSV feed: not committed: {exc.reason}")
            continue
        usable.append(entry)
    if not usable:
        return None
    ids = ", ".join(str(e["id"]) for e in usable)
    if run.env.dry_run:
        report.written.append(f"OSV feed: {ids} to branch {config.branch} (where changed)")
        return None
    pushed = publish(Git(checkout, environ), config.branch, config.directory, usable,
                     before_push=before_push)
    if pushed.commit is None:
        report.notes.append(f"OSV feed: branch {config.branch} already holds {ids}")
    else:
        done = ", ".join(f.entry_id for f in pushed.files)
        report.written.append(f"OSV feed: {done} committed to branch {config.branch} "
                              f"({pushed.commit[:12]})")
    return pushed
