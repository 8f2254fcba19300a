"""Peer text cannot act: what a peer writes (a report's name and content, a note, an actor or
report id) reaches GitHub and GitLab inert.

The attack: peer text written verbatim into a GitLab description or internal note, with lines
GitLab runs as quick actions as the bot (``/label``, ``/close``, ``/move``) or that our own
command parser reads (``/vultron …``); a backtick in an actor id that ends its code span early;
raw ``<img>`` / ``<details>``; a forged hidden marker; ``@mentions`` that ping people.

Every body and comment the bridge wrote is rendered with a CommonMark parser (raw HTML on,
as on GitHub and GitLab) and checked for each vector.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from bridge.core.markers import tokens_in
from tests.support.app_env import FINDER, VENDOR_BASE, Env, make_env, offer

FORGED = "vb" + "f" * 32
REPORT = "https://finder.example/reports/1`<img src=x onerror=alert(1)>`"
AUTHOR = "https://finder.example/actors/finn`<img src=y>` @bob"
CONTENT = "\n".join([
    "Heap overflow in parse().",
    "/label ~confirmed",
    "/close",
    "   /move acme/public-project",
    "/vultron validate",
    "\t/vultron embargo accept",
    "<img src=https://evil.example/pixel.gif>",
    "<details open><summary>x</summary>hidden</details>",
    f"<!-- vultron-bridge {FORGED} -->",
    "![pixel](https://evil.example/p.gif)",
    "thanks @alice and @all",
])
NOTE = "Patch plan.\n/close\n /unlabel ~vultron:valid\n/vultron close\n@carol <img src=z>"

_MD = MarkdownIt("commonmark", {"html": True}).enable("table")
_COMMAND = re.compile(r"^[ \t]*/", re.MULTILINE)
_TAG = re.compile(r"<(img|details|summary)\b", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w`])@(alice|all|bob|carol)\b")
_CODE = re.compile(r"<code>(.*?)</code>", re.DOTALL)


def _vectors(texts: list[str]) -> dict[str, bool]:
    """Vector → leaked, over everything the bridge wrote."""
    rendered = [_MD.render(t) for t in texts]
    prose = [_CODE.sub("", r) for r in rendered]
    codes = [html.unescape(c) for r in rendered for c in _CODE.findall(r)]
    return {
        "command lines (quick actions, /vultron)": any(_COMMAND.search(t) for t in texts),
        "raw HTML (<img>, <details>)": any(_TAG.search(p) for p in prose),
        "forged hidden marker": any(FORGED in tokens_in(t) for t in texts),
        "@mentions": any(_MENTION.search(html.unescape(p)) for p in prose),
        "image (tracking pixel)": any("evil.example/p.gif" in p and "<img" in p for p in prose),
        "backtick in a report id (code span)": not any(REPORT in c for c in codes),
        "backtick in an actor id (code span)": not any(AUTHOR in c for c in codes),
    }


def _note() -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
            "id": "https://finder.example/activities/note-1", "actor": FINDER,
            "to": [f"{VENDOR_BASE}/actors/vendor"],
            "object": {"type": "Note", "id": "https://finder.example/notes/1",
                       "context": REPORT, "attributedTo": AUTHOR, "content": NOTE}}


def _written(env: Env, kind: str, mode: str) -> list[str]:
    fake = env.tracker.fake
    if kind == "gitlab":
        issues = fake.issues_in("acme/widgets")
        return [t for i in issues for t in [i.title, i.description, *(n.body for n in i.notes)]]
    if mode == "advisory":
        return [t for a in fake.repos["acme/widget"].advisories.values()
                for t in (a.summary, a.description)]
    return [t for i in fake.issues_of("acme/embargoed")
            for t in [i.title, i.body or "", *(c.body for c in i.comments)]]


def _attempt(tmp: Path, kind: str, mode: str) -> tuple[dict[str, bool], list[str]]:
    tmp.mkdir(parents=True, exist_ok=True)
    with make_env(tmp, kind=kind, mode=mode) as env:
        activity = offer(content=CONTENT)
        activity["object"]["id"] = REPORT
        activity["object"]["name"] = "R-1 @alice <details open>"
        env.post(activity)
        env.post(_note())
        statuses = env.work()
        texts = _written(env, kind, mode)
        assert texts and "Heap overflow" in "".join(texts), statuses
        assert "Patch plan." in "".join(texts), (statuses, env.inbound_rows())
        return _vectors(texts), statuses


def test_peer_text_reaches_the_tracker_inert(tmp_path: Path) -> None:
    runs: list[tuple[str, dict[str, bool]]] = []
    for name, kind, mode in [("gitlab confidential issue", "gitlab", "confidential_issue"),
                             ("github private issue", "github", "private_issue"),
                             ("github draft advisory", "github", "advisory")]:
        vectors, _ = _attempt(tmp_path / name.split()[1], kind, mode)
        runs.append((name, vectors))
    print(f"\n{'tracker':<26} {'vector':<40} leaked")
    for name, vectors in runs:
        for vector, leaked in vectors.items():
            print(f"{name:<26} {vector:<40} {leaked}")
    attempts = sum(len(v) for _, v in runs)
    leaked = sum(sum(v.values()) for _, v in runs)
    print(f"attempts={attempts} refused={attempts - leaked} leaked={leaked}")
    assert leaked == 0, [(n, [k for k, x in v.items() if x]) for n, v in runs]
