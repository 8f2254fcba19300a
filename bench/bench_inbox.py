"""Benchmark the inbox (issue 6).

1. Accept path: ``vultron-bridge serve --no-worker``'s ``POST /actors/vendor/inbox/`` (media
   type, capped body, safe JSON, trusted-peer check, liberal parse, one inbound row + one audit
   entry) vs the reference (bench/reference_app.py: bare FastAPI + HMAC + JSON parse + one
   SQLite insert), same Offer body, 16 closed-loop clients, measured alternately in one run.
2. Memory: RSS of ``serve`` after the load.
3. Mirroring: Offers fully processed per second by one worker (``process.run_once``) against
   the fake GitHub on loopback (each: marker search, issue create with its label, state,
   link, audit). Goal: >= 100/s.

Run: ``.venv/bin/python -m bench.bench_inbox [--seconds 8] [--rounds 2] [--offers 300]``
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.load import compare
from bench.procs import rss_mb, server

REPO = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
FINDER = "https://finder.example/actors/finn"

CONFIG = """
actor: {{name: vendor, base_url: "http://127.0.0.1:{port}", key_file: "{key}"}}
database_url: "sqlite:///{db}"
trackers:
  github: {{kind: github, url: "{github}", token: fake-token-for-tests, bot_login: vultron-bot}}
destinations:
  default: {{tracker: github, project: acme/embargoed, mode: private_issue}}
peers:
  trusted: [{{prefix: "https://finder.example/actors/"}}]
delivery: {{allow_loopback: true, timeout_seconds: 5}}
"""


def offer(n: str) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Offer",
        "id": f"https://finder.example/activities/{n}", "actor": FINDER,
        "object": {"type": "VulnerabilityReport", "id": f"https://finder.example/reports/{n}",
                   "name": f"FDR-{n}", "content": "heap overflow in parse() " * 20,
                   "attributedTo": FINDER},
    }


def _inbox(n: int) -> tuple[str, dict[str, str], bytes]:
    body = json.dumps(offer(uuid.uuid4().hex)).encode()
    return "/actors/vendor/inbox/", {"Content-Type": "application/activity+json"}, body


def _reference(n: int) -> tuple[str, dict[str, str], bytes]:
    body = json.dumps(offer(uuid.uuid4().hex)).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return "/webhooks/github", {
        "Content-Type": "application/json", "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": signature}, body


def accept_path(tmp: Path, seconds: float, rounds: int) -> dict[str, float]:
    cfg = tmp / "accept.yml"
    cfg.write_text(CONFIG.format(port=0, key=tmp / "k.pem", db=tmp / "accept.db",
                                 github="http://127.0.0.1:9"))
    env = {"BENCH_SECRET": SECRET, "BENCH_DB": str(tmp / "reference.db"), "PYTHONPATH": str(REPO)}
    with server(["uvicorn", "bench.reference_app:app", "--log-level", "warning"], env=env,
                cwd=REPO) as (ref_url, _), \
         server(["bridge.cli.main", "serve", "--no-worker", "--config", str(cfg)], env=env,
                cwd=tmp) as (bridge_url, bridge_proc):
        return compare(ref_url, _reference, bridge_url, _inbox, rounds=rounds, seconds=seconds,
                       name="inbox", sample=lambda: rss_mb(bridge_proc.pid))


def mirroring(tmp: Path, offers: int) -> dict[str, float]:
    sys.path.insert(0, str(REPO))
    from bridge.config import load_config_text
    from bridge.service import process
    from bridge.service.runtime import Runtime
    from bridge.store import db, inbound
    from tests.fakes.github.harness import github_harness

    with github_harness(timeout=5) as gh:
        cfg = CONFIG.format(port=8000, key=tmp / "k2.pem", db=tmp / "mirror.db",
                            github=gh.fake.base_url)
        rt = Runtime.from_config(load_config_text(cfg, env={}),
                                 adapter_factory=lambda name, tracker: gh.adapter)
        with db.transaction(rt.sessions) as session:
            for n in range(offers):
                activity = offer(f"m{n}")
                inbound.accept(session, "inbox:vendor", activity["id"],
                               json.dumps(activity).encode(), {}, time.time())
        start = time.perf_counter()
        while process.run_once(rt, "bench", batch=50):
            pass
        elapsed = time.perf_counter() - start
        with rt.sessions() as session:
            counts = inbound.inbound_counts(session)
        issues = len(gh.fake.issues_of("acme/embargoed"))
        rt.engine.dispose()
    if counts["done"] != offers or issues != offers:
        raise RuntimeError(f"not every offer was mirrored: {counts}, {issues} issues")
    return {"offers": offers, "offers_per_second": offers / elapsed,
            "ms_per_offer": elapsed * 1000 / offers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--offers", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print("inbox accept path, 16 concurrent clients:")
        results = accept_path(tmp, args.seconds, args.rounds)
        print(f"mirroring {args.offers} offers with one worker against the fake GitHub:")
        results |= mirroring(tmp, args.offers)
    print(json.dumps(results, indent=2))
    print(f"ratio inbox/reference: {results['ratio']:.2f}")
    print(f"{'met ' if results['offers_per_second'] >= 100 else 'MISSED'} "
          f"offers fully processed per second >= 100 ({results['offers_per_second']:.0f})")


if __name__ == "__main__":
    main()
