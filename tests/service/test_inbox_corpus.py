"""Every file of the shared Vultron corpus, posted to the inbox: 202 with an effect or a 4xx
with a reason — never a 5xx. Unsigned activities from untrusted peers: 401 (documents that
name no actor — plain objects — are refused first with 400 "expected an activity").

Per-file outcomes are printed (``pytest -s`` or ``-rP`` shows them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bridge.core.vocab.base import ref_id
from tests.paths import VULTRON_CORPUS
from tests.support.app_env import Env, make_env

TRUSTED = [(p, None) for p in (
    "https://vultron.example/", "https://vendor.example/", "https://coordinators.r.us.example/",
    "https://another.affected.vendor.example/", "https://vuls.example.com/",
    "http://127.0.0.1:7999/api/v2/actors/",
)]
FILES = sorted(p for p in VULTRON_CORPUS.rglob("*.json"))


def request_for(path: Path) -> tuple[bytes, dict[str, str]]:
    """The bytes and headers to post: a capture's own, else the file as activity+json."""
    data: Any = json.loads(path.read_bytes())
    if isinstance(data, dict) and set(data) == {"headers", "path", "body"}:
        body = json.dumps(data["body"], separators=(",", ":"), ensure_ascii=False).encode()
        return body, dict(data["headers"])
    return path.read_bytes(), {"Content-Type": "application/activity+json"}


def _post_all(env: Env) -> dict[str, tuple[int, str]]:
    out = {}
    for path in FILES:
        body, headers = request_for(path)
        response = env.post(body, headers)
        reason = response.json().get("error") or response.json().get("status", "")
        out[str(path.relative_to(VULTRON_CORPUS))] = (response.status_code, reason)
    return out


def test_the_corpus_is_there() -> None:
    assert len(FILES) >= 80
    assert any(p.parent.name == "reference-server" for p in FILES)


def test_every_corpus_file_gets_202_or_a_4xx_with_a_reason(tmp_path: Path) -> None:
    with make_env(tmp_path, trusted=TRUSTED) as env:
        answers = _post_all(env)
        statuses = env.work()
        processed = {key: (status, error) for key, status, error in _rows(env)}
    lines = []
    for name, (status, reason) in answers.items():
        assert status < 500, (name, status, reason)
        assert status == 202 or (400 <= status < 500 and reason), (name, status, reason)
        lines.append(f"{status} {name}: {reason}")
    print("\n".join(["", "inbox outcomes per corpus file:", *lines]))
    print("processing outcomes:", {s: statuses.count(s) for s in set(statuses)})
    for key, (status, error) in processed.items():
        print(f"  {status:8} {key[:70]} {error or ''}")
        assert status in ("done", "ignored", "failed")
        if status != "done":
            assert error, key  # a reason, always
    accepted = [n for n, (s, _) in answers.items() if s == 202]
    assert any(n.startswith("reference-server/") for n in accepted)
    assert "failed" not in statuses, "a corpus activity failed in processing"


def _rows(env: Env) -> list[tuple[str, str, str | None]]:
    from sqlalchemy import select

    from bridge.store.models import Inbound

    with env.rt.sessions() as session:
        return [(r.key, r.status, r.last_error) for r in session.execute(
            select(Inbound.key, Inbound.status, Inbound.last_error).order_by(Inbound.id))]


def test_unsigned_corpus_posts_from_untrusted_peers_get_401(tmp_path: Path) -> None:
    with make_env(tmp_path, trusted=[]) as env:
        for path in FILES:
            body, headers = request_for(path)
            response = env.post(body, headers)
            actor = ref_id(json.loads(body).get("actor")) is not None
            # an activity from an untrusted actor: 401; a document with no actor: 400
            assert response.status_code == (401 if actor else 400), (path.name, response.text)
            assert response.json()["error"]
        assert env.inbound_rows() == []
