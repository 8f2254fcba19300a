"""Benchmark the label → delivery latency (issues 5 and 16).

``serve`` with its workers, a fake GitHub and ten participant inboxes on loopback; a
maintainer's label webhook until all ten inboxes have the activity, one label at a time.
Goals: p99 < 150 ms; ``serve`` RSS < 150 MB.

The accept path is measured by ``bench/bench_accept.py`` with wrk: the Python load generator
this benchmark used before topped out below both servers (docs/performance.md).

Run: ``.venv/bin/python -m bench.bench_webhooks [--labels 60]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.procs import rss_mb, server
from bridge.httpsig.keys import new_key_file

REPO = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
PARTICIPANTS = 10

CONFIG = """
actor: {{name: vendor, base_url: "http://127.0.0.1:{port}", key_file: "{key}"}}
database_url: "sqlite:///{db}"
trackers:
  github: {{kind: github, url: "{github}", token: fake-token-for-tests,
            webhook_secrets: ["{secret}"], bot_login: vultron-bot}}
destinations:
  default: {{tracker: github, project: acme/embargoed, mode: private_issue}}
delivery: {{allow_loopback: true, timeout_seconds: 5}}
"""


def label_to_delivery(tmp: Path, labels: int) -> dict[str, float]:
    sys.path.insert(0, str(REPO))
    from bridge.app.runtime import Runtime
    from bridge.config import load_config_text
    from bridge.store import db, links, state
    from tests.fakes.github.harness import WEBHOOK_SECRET, github_harness
    from tests.service.bridge_env import BridgeEnv
    from tests.support.servers import Receiver, free_port, running_app

    receiver = Receiver()
    latencies: list[float] = []
    with github_harness(timeout=5) as gh, running_app(receiver.app()) as receiver_url:
        port = free_port()
        cfg = tmp / "latency.yml"
        cfg.write_text(CONFIG.format(port=port, key=new_key_file(tmp / "k2.pem"),
                                     db=tmp / "latency.db", github=gh.fake.base_url,
                                     secret=WEBHOOK_SECRET))
        config = load_config_text(cfg.read_text(), env={})
        rt = Runtime.from_config(config, adapter_factory=lambda name, tracker: gh.adapter)
        env = BridgeEnv(rt, gh, receiver, f"http://127.0.0.1:{port}", receiver_url)
        seeded = []
        for n in range(1, labels + 1):
            # a case we own with PARTICIPANTS others: CF is a broadcast to all of them (RV
            # answers the finder alone)
            report_id, ref = env.seed_report(n)
            case_id = f"{env.bridge_url}/cases/{n}"
            with db.transaction(rt.sessions) as session:
                now = time.time()
                state.put_case(session, case_id, em_state="NONE", cs_state="Vfd.pxa",
                               embargo_end=None, now=now, data={
                                   "kind": "case", "owner": rt.actor_id,
                                   "reports": [report_id]})
                state.put_participant(session, case_id, rt.actor_id, rm_state="ACCEPTED",
                                      em_consent=None, roles=["vendor", "case_owner"], now=now)
                state.put_participant(session, case_id, env.finder, rm_state="ACCEPTED",
                                      em_consent=None, roles=["finder"], now=now)
                for p in range(1, PARTICIPANTS):
                    state.put_participant(session, case_id, f"{receiver_url}/actors/p{p}",
                                          rm_state="ACCEPTED", em_consent=None,
                                          roles=["vendor"], now=now)
                links.add_link(session, case_id, ref, "tracks", "bench", now)
            seeded.append(ref)
        with server(["bridge.cli.main", "serve", "--config", str(cfg)],
                    env={"PYTHONPATH": str(REPO)}, cwd=tmp, port=port) as (url, proc):
            gh.fake.hooks.sink = f"{url}/webhooks/github"
            def posts() -> int:
                return sum(receiver.posts.values())

            for ref in seeded:
                before = posts()
                start = time.perf_counter()
                env.human_label(ref, "vultron:fix-ready")
                while posts() < before + PARTICIPANTS:
                    if time.perf_counter() - start > 10:
                        raise RuntimeError("delivery did not complete within 10 s")
                    time.sleep(0.001)
                latencies.append((time.perf_counter() - start) * 1000)
            rss = rss_mb(proc.pid)
        rt.engine.dispose()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, round(0.99 * len(latencies)) - 1)]
    return {"label_to_10_inboxes_p50_ms": statistics.median(latencies),
            "label_to_10_inboxes_p99_ms": p99, "serve_with_workers_rss_mb": rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--labels", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        print(f"label -> delivery at {PARTICIPANTS} inboxes, {args.labels} labels:")
        results = label_to_delivery(Path(d), args.labels)
    print(json.dumps(results, indent=2))
    goals = {
        "serve RSS < 150 MB": results["serve_with_workers_rss_mb"] < 150,
        "label -> 10 inboxes p99 < 150 ms": results["label_to_10_inboxes_p99_ms"] < 150,
    }
    for goal, met in goals.items():
        print(f"{'met ' if met else 'MISSED'} {goal}")


if __name__ == "__main__":
    main()
