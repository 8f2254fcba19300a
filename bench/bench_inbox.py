"""Benchmark the inbox (issue 6).

1. Accept path: ``vultron-bridge serve --no-worker``'s ``POST /actors/vendor/inbox/`` (media
   type, capped body, safe JSON, trusted-peer check, liberal parse, one inbound row + one audit
   entry) vs the reference (bench/reference_app.py: bare FastAPI + HMAC + JSON parse + one
   SQLite insert), same Offer body, measured alternately in one run: 16 closed-loop clients
   (throughput; goal: ratio ≥ 0.5) and an open loop at ``--rate`` requests per second with up
   to 16 in flight (goal: p99 < 25 ms; see bench_webhooks for why the p99 is read there).
2. Memory: RSS of ``serve`` after the load.
3. Mirroring: Offers fully processed per second by one worker (``process.run_once``) against
   the fake GitHub on loopback, in its own process as a real tracker would be (each: privacy
   check, issue create with its label, state, link, audit), handled one at a time and with
   the default ``processing.concurrency``. Goal: >= 100/s.

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
from bridge.httpsig.keys import new_key_file

REPO = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
FINDER = "https://finder.example/actors/finn"
WARM_UP = 5
"""Offers processed before timing: the first one imports the handlers and PyGithub and
creates the repository's ``vultron:*`` labels, which a running worker did long ago."""

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


def accept_path(tmp: Path, seconds: float, rounds: int, rate: float) -> dict[str, float]:
    cfg = tmp / "accept.yml"
    cfg.write_text(CONFIG.format(port=0, key=new_key_file(tmp / "k.pem"), db=tmp / "accept.db",
                                 github="http://127.0.0.1:9"))
    env = {"BENCH_SECRET": SECRET, "BENCH_DB": str(tmp / "reference.db"), "PYTHONPATH": str(REPO)}
    with server(["uvicorn", "bench.reference_app:app", "--log-level", "warning"], env=env,
                cwd=REPO) as (ref_url, _), \
         server(["bridge.cli.main", "serve", "--no-worker", "--config", str(cfg)], env=env,
                cwd=tmp) as (bridge_url, bridge_proc):
        return compare(ref_url, _reference, bridge_url, _inbox, rounds=rounds, seconds=seconds,
                       name="inbox", sample=lambda: rss_mb(bridge_proc.pid), rate=rate)


def mirroring(tmp: Path, offers: int, concurrency: int | None = None) -> dict[str, float]:
    sys.path.insert(0, str(REPO))
    from bench.fake_tracker import remote_github
    from bridge.config import load_config_text
    from bridge.service import process
    from bridge.service.runtime import Runtime
    from bridge.store import db, inbound

    tmp.mkdir(parents=True, exist_ok=True)
    with remote_github() as gh:
        cfg = CONFIG.format(port=8000, key=new_key_file(tmp / "k2.pem"), db=tmp / "mirror.db",
                            github=gh.base_url)
        rt = Runtime.from_config(load_config_text(cfg, env={}))
        for first, count in ((0, WARM_UP), (WARM_UP, offers)):
            with db.transaction(rt.sessions) as session:
                for n in range(first, first + count):
                    activity = offer(f"m{n}")
                    inbound.accept(session, "inbox:vendor", activity["id"],
                                   json.dumps(activity).encode(), {}, time.time())
            start, cpu = time.perf_counter(), time.process_time()
            while process.run_once(rt, "bench", concurrency=concurrency):
                pass
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        with rt.sessions() as session:
            counts = inbound.inbound_counts(session)
        issues = gh.issue_count()
        rt.engine.dispose()
    if counts["done"] != WARM_UP + offers or issues != WARM_UP + offers:
        raise RuntimeError(f"not every offer was mirrored: {counts}, {issues} issues")
    return {"offers": offers, "offers_per_second": offers / elapsed,
            "ms_per_offer": elapsed * 1000 / offers, "worker_cpu_ms_per_offer": cpu * 1000 / offers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--offers", type=int, default=300)
    parser.add_argument("--rate", type=float, default=100.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print(f"inbox accept path, 16 concurrent clients / {args.rate:.0f} req/s open loop:")
        results = accept_path(tmp, args.seconds, args.rounds, args.rate)
        print(f"mirroring {args.offers} offers with one worker against the fake GitHub:")
        one = mirroring(tmp / "one", args.offers, concurrency=1)
        results |= {f"sequential_{k}": v for k, v in one.items()}
        results |= mirroring(tmp / "concurrent", args.offers)
    print(json.dumps(results, indent=2))
    goals = {
        "inbox/reference ratio >= 0.5": results["ratio"] >= 0.5,
        f"inbox p99 < 25 ms at {args.rate:.0f} req/s": results["inbox_p99_at_rate_ms"] < 25,
        "serve RSS < 150 MB": results["serve_rss_mb"] < 150,
        f"offers fully processed per second >= 100 ({results['offers_per_second']:.0f})":
            results["offers_per_second"] >= 100,
    }
    for goal, met in goals.items():
        print(f"{'met ' if met else 'MISSED'} {goal}")


if __name__ == "__main__":
    main()
