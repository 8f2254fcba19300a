"""Benchmark mirroring (issues 6 and 16): Offers fully processed per second by one worker
(``process.run_once``) against the fake GitHub on loopback, in its own process as a real
tracker would be (each: privacy check, issue create with its label, state, link, audit),
handled one at a time and with the default ``processing.concurrency``. Goal: >= 300/s.

The inbox's accept path is measured by ``bench/bench_accept.py`` with wrk.

Run: ``.venv/bin/python -m bench.bench_inbox [--offers 300]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bridge.httpsig.keys import new_key_file

REPO = Path(__file__).resolve().parent.parent
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


def mirroring(tmp: Path, offers: int, concurrency: int | None = None) -> dict[str, float]:
    sys.path.insert(0, str(REPO))
    from bench.fake_tracker import remote_github
    from bridge.app import process
    from bridge.app.runtime import Runtime
    from bridge.config import load_config_text
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
    parser.add_argument("--offers", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print(f"mirroring {args.offers} offers with one worker against the fake GitHub:")
        one = mirroring(tmp / "one", args.offers, concurrency=1)
        results = {f"sequential_{k}": v for k, v in one.items()}
        results |= mirroring(tmp / "concurrent", args.offers)
    print(json.dumps(results, indent=2))
    rate = results["offers_per_second"]
    print(f"{'met ' if rate >= 300 else 'MISSED'} offers fully processed per second >= 300 "
          f"({rate:.0f})")


if __name__ == "__main__":
    main()
