"""Benchmark the webhook accept path and the label → delivery latency (issue 5).

1. Accept path: ``vultron-bridge serve --no-worker`` vs the reference (bench/reference_app.py:
   bare FastAPI + HMAC + JSON parse + one SQLite insert), same payload (a real GitHub
   ``issues.labeled`` delivery from the shared corpus), same loads, measured alternately in
   one run: closed loop with 16 clients (throughput; goal: ratio ≥ 0.6) and open loop at
   ``--rate`` requests per second with up to 16 in flight (goal: bridge p99 < 25 ms). At
   saturation every server's p99 is its queue (16 / throughput, plus the load generator's own
   stalls on a 2-core machine), so the p99 goal is read at a rate the machine can carry;
   both p99s are printed.
2. Memory: RSS of the bridge's ``serve`` after the load. Goal: < 150 MB.
3. Label → delivery: ``serve`` with its workers, a fake GitHub and ten participant inboxes on
   loopback; a maintainer's label webhook until all ten inboxes have the activity.
   Goal: p99 < 250 ms.

Run: ``.venv/bin/python -m bench.bench_webhooks [--seconds 8] [--rounds 2] [--labels 60]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from adapters.github.signature import sign
from bench.load import compare, distinct_json
from bench.procs import rss_mb, server
from bridge.httpsig.keys import new_key_file

REPO = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
PAYLOAD = REPO.parent / "shared/corpus/github-webhooks/issues/labeled.payload.json"
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


def _webhook_factory(body: bytes):  # type: ignore[no-untyped-def]
    def make(n: int) -> tuple[str, dict[str, str], bytes]:
        distinct = distinct_json(body, n)  # the same bytes again would be a duplicate
        return "/webhooks/github", {
            "Content-Type": "application/json", "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": str(uuid.uuid4()), "X-Hub-Signature-256": sign(SECRET, distinct),
        }, distinct

    return make


def accept_path(tmp: Path, seconds: float, rounds: int, rate: float) -> dict[str, float]:
    body = PAYLOAD.read_bytes()
    make = _webhook_factory(body)
    cfg = tmp / "accept.yml"
    cfg.write_text(CONFIG.format(port=0, key=new_key_file(tmp / "k.pem"), db=tmp / "accept.db",
                                 github="http://127.0.0.1:9", secret=SECRET))
    env = {"BENCH_SECRET": SECRET, "BENCH_DB": str(tmp / "reference.db"), "PYTHONPATH": str(REPO)}
    with server(["uvicorn", "bench.reference_app:app", "--log-level", "warning"], env=env,
                cwd=REPO) as (ref_url, _), \
         server(["bridge.cli.main", "serve", "--no-worker", "--config", str(cfg)], env=env,
                cwd=tmp) as (bridge_url, bridge_proc):
        return compare(ref_url, make, bridge_url, make, rounds=rounds, seconds=seconds,
                       name="bridge", sample=lambda: rss_mb(bridge_proc.pid), rate=rate)


def label_to_delivery(tmp: Path, labels: int) -> dict[str, float]:
    sys.path.insert(0, str(REPO))
    from bridge.config import load_config_text
    from bridge.service.runtime import Runtime
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
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--labels", type=int, default=60)
    parser.add_argument("--rate", type=float, default=100.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print(f"accept path, 16 concurrent clients / {args.rate:.0f} req/s open loop:")
        results = accept_path(tmp, args.seconds, args.rounds, args.rate)
        print(f"label -> delivery at {PARTICIPANTS} inboxes, {args.labels} labels:")
        results |= label_to_delivery(tmp, args.labels)
    print(json.dumps(results, indent=2))
    goals = {
        "ratio >= 0.6": results["ratio"] >= 0.6,
        f"bridge p99 < 25 ms at {args.rate:.0f} req/s": results["bridge_p99_at_rate_ms"] < 25,
        "serve RSS < 150 MB": max(results["serve_rss_mb"],
                                  results["serve_with_workers_rss_mb"]) < 150,
        "label -> 10 inboxes p99 < 250 ms": results["label_to_10_inboxes_p99_ms"] < 250,
    }
    for goal, met in goals.items():
        print(f"{'met ' if met else 'MISSED'} {goal}")


if __name__ == "__main__":
    main()
