"""The accept paths against their references, with wrk (issue 16).

Each scenario runs a reference and the bridge side by side in one run and alternates them,
``--rounds`` times each, ``--seconds`` a run, 16 connections, wrk pinned to CPU 0 and every
server (all its threads) to CPU 1:

* ``webhook``: a signed 10 KB GitHub ``issues.labeled`` delivery, distinct per request, to
  ``serve --no-worker``'s ``POST /webhooks/github`` vs the reference (bench/reference_app.py:
  bare FastAPI, HMAC, JSON parse, one ``INSERT`` into SQLite with WAL and synchronous=FULL).
* ``inbox``: a trusted peer's unsigned ``Offer`` with a fresh id to ``POST
  /actors/vendor/inbox/`` (media type, capped body, safe JSON, trust check, liberal parse,
  dedupe, durable insert, audit entry) vs the reference taking the same bytes HMAC-signed.
* ``webhook+worker``: the webhook scenario against ``serve`` with its built-in worker on,
  processing what arrives.
* ``webhook+worker-process``: the recommended layout on a machine with a core to spare:
  ``serve --no-worker`` plus a ``worker`` process at lower priority (nice 10) on the other
  core (wrk's, which it leaves mostly idle), processing what arrives.
* ``postgres``: the webhook scenario on PostgreSQL (``--pg-url``, a schema of its own) vs the
  reference inserting into PostgreSQL with psycopg.

Goals (ratios of medians in one run): bridge ≥ 1.0× the reference on SQLite, p99 < 25 ms;
≥ 0.8× with the worker on; ≥ 0.8× the PostgreSQL reference; serve RSS < 150 MB throughout.
Each goal prints ``met`` or ``MISSED``; a run where wrk itself was near saturation is flagged.

Run: ``.venv/bin/python -m bench.bench_accept [--seconds 8] [--rounds 2] [--only webhook,inbox]``
(needs ``apt-get install -y wrk``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from adapters.github.signature import sign
from bench import wrk
from bench.procs import rss_mb, server, stop
from bridge.httpsig.keys import new_key_file

REPO = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
PAYLOAD = REPO.parent / "shared/corpus/github-webhooks/issues/labeled.payload.json"
FINDER = "https://finder.example/actors/finn"
SCENARIOS = ("webhook", "inbox", "webhook+worker", "webhook+worker-process", "postgres")

CONFIG = """
actor: {{name: vendor, base_url: "http://127.0.0.1:8000", key_file: "{key}"}}
database_url: "{db}"
trackers:
  github: {{kind: github, url: "http://127.0.0.1:9", token: fake-token-for-tests,
            webhook_secrets: ["{secret}"], bot_login: vultron-bot}}
destinations:
  default: {{tracker: github, project: acme/embargoed, mode: private_issue}}
peers:
  trusted: [{{prefix: "https://finder.example/actors/"}}]
delivery: {{allow_loopback: true, timeout_seconds: 5}}
"""


def _signed(n: int, body: bytes, run: str) -> list[str]:
    return [f"{run}-{n}", sign(SECRET, body)]


def webhook_requests(path: str = "/webhooks/github", *, body: bytes | None = None) -> wrk.Requests:
    """Distinct signed GitHub deliveries: ``"bench_run"`` (fresh for each set) and
    ``"bench_seq": n`` added to the corpus payload."""
    body = PAYLOAD.read_bytes() if body is None else body
    end = body.rindex(b"}")
    run = uuid.uuid4().hex
    return wrk.Requests(
        path=path, headers={"Content-Type": "application/json", "X-GitHub-Event": "issues"},
        prefix=body[:end] + b',"bench_run":"%s","bench_seq":' % run.encode(),
        suffix=body[end:],
        vary_names=("X-GitHub-Delivery", "X-Hub-Signature-256"),
        vary=lambda n, b: _signed(n, b, run))


def offer_parts() -> tuple[bytes, bytes]:
    """An Offer of a report, split where its fresh activity id's counter goes."""
    run = uuid.uuid4().hex
    offer = {
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Offer",
        "id": f"https://finder.example/activities/{run}-@@N@@", "actor": FINDER,
        "object": {"type": "VulnerabilityReport", "id": f"https://finder.example/reports/{run}",
                   "name": "FDR-bench", "content": "heap overflow in parse() " * 20,
                   "attributedTo": FINDER},
    }
    prefix, suffix = json.dumps(offer).encode().split(b"@@N@@")
    return prefix, suffix


def inbox_requests(prefix: bytes, suffix: bytes) -> wrk.Requests:
    return wrk.Requests(
        path="/actors/vendor/inbox/", headers={"Content-Type": "application/activity+json"},
        prefix=prefix, suffix=suffix, vary_names=("X-Bench-Seq",),
        vary=lambda n, b: [str(n)])


def reference_offer_requests(prefix: bytes, suffix: bytes) -> wrk.Requests:
    run = uuid.uuid4().hex
    return wrk.Requests(
        path="/webhooks/github", headers={"Content-Type": "application/json"},
        prefix=prefix, suffix=suffix,
        vary_names=("X-GitHub-Delivery", "X-Hub-Signature-256"),
        vary=lambda n, b: _signed(n, b, run))


@contextmanager
def servers(tmp: Path, name: str, pg_url: str | None) -> Iterator[tuple[str, int, str, int]]:
    """(reference URL, its pid, bridge URL, its pid) for one scenario."""
    db = f"sqlite:///{tmp / name}.db"
    ref_env = {"BENCH_SECRET": SECRET, "BENCH_DB": str(tmp / f"{name}-reference.db"),
               "PYTHONPATH": str(REPO)}
    if name == "postgres":
        assert pg_url is not None
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        _create_schema(pg_url, schema)
        db = f"postgresql+psycopg://{pg_url.split('://', 1)[1]}?options=-csearch_path%3D{schema}"
        ref_env["BENCH_PG_URL"] = f"{pg_url}?options=-csearch_path%3D{schema}"
    cfg = tmp / f"{name}.yml"
    cfg.write_text(CONFIG.format(key=new_key_file(tmp / f"{name}.pem"), db=db, secret=SECRET))
    bridge_args = ["bridge.cli.main", "serve", "--config", str(cfg)]
    if name != "webhook+worker":
        bridge_args.append("--no-worker")
    try:
        with ExitStack() as stack:
            if name == "webhook+worker-process":
                stack.enter_context(_worker_process(cfg, tmp))
            ref_url, ref = stack.enter_context(server(
                ["uvicorn", "bench.reference_app:app", "--log-level", "warning"], env=ref_env,
                cwd=REPO, cpu=wrk.SERVER_CPU))
            bridge_url, bridge = stack.enter_context(server(
                bridge_args, env={"PYTHONPATH": str(REPO)}, cwd=tmp, cpu=wrk.SERVER_CPU))
            yield ref_url, ref.pid, bridge_url, bridge.pid
    finally:
        if name == "postgres":
            _drop_schema(pg_url or "", schema)


@contextmanager
def _worker_process(cfg: Path, tmp: Path) -> Iterator[None]:
    """``vultron-bridge worker`` on the generator's core at nice 10, stopped afterwards."""
    def lower() -> None:
        os.sched_setaffinity(0, {wrk.GENERATOR_CPU})
        os.nice(10)

    with (tmp / "worker.log").open("ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "bridge.cli.main", "worker", "--config",
                                 str(cfg)], cwd=tmp, stdout=log, stderr=log,
                                env={**os.environ, "PYTHONPATH": str(REPO)}, preexec_fn=lower)
        try:
            yield
        finally:
            stop(proc)


def _create_schema(pg_url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')


def _drop_schema(pg_url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def scenario(tmp: Path, name: str, *, rounds: int, seconds: float,
             pg_url: str | None) -> dict[str, float]:
    def fresh(side: str) -> wrk.Requests:
        """A new set of requests for every run: a body sent in an earlier run would be a
        duplicate, a cheaper path for the reference and a dearer one for the bridge."""
        if name != "inbox":
            return webhook_requests()
        prefix, suffix = offer_parts()
        return (reference_offer_requests if side == "reference" else inbox_requests)(
            prefix, suffix)

    runs: dict[str, list[wrk.Run]] = {"reference": [], "bridge": []}
    peak = 0.0
    with servers(tmp, name, pg_url) as (ref_url, ref_pid, bridge_url, bridge_pid):
        # warm both up (imports, first statements, connection pools)
        wrk.run("warm-up", ref_url, fresh("reference"), server_pid=ref_pid, seconds=1)
        warm = wrk.run("warm-up", bridge_url, fresh("bridge"), server_pid=bridge_pid,
                       seconds=1)
        for _ in range(rounds):
            if "worker" in name:  # the reference's core must not be the worker's meanwhile
                _drained(bridge_url)
            runs["reference"].append(wrk.run(f"{name} reference", ref_url, fresh("reference"),
                                             server_pid=ref_pid, seconds=seconds))
            runs["bridge"].append(wrk.run(f"{name} bridge", bridge_url, fresh("bridge"),
                                          server_pid=bridge_pid, seconds=seconds))
            peak = max(peak, rss_mb(bridge_pid))
        queue = _inbound_queue(bridge_url)
    sent = warm.requests + sum(r.requests for r in runs["bridge"])
    if sum(queue.values()) < sent:  # every answered request must have made its own row
        raise RuntimeError(f"{name}: {sent} requests answered but only "
                           f"{sum(queue.values()):.0f} inbound rows: duplicates were sent")
    for group in runs.values():
        for one in group:
            print("  " + one.summary())
    ref_rps = statistics.median(r.rps for r in runs["reference"])
    rps = statistics.median(r.rps for r in runs["bridge"])
    return {
        "reference_rps": ref_rps, "bridge_rps": rps, "ratio": rps / ref_rps,
        "reference_p99_ms": max(r.p99_ms for r in runs["reference"]),
        "bridge_p99_ms": max(r.p99_ms for r in runs["bridge"]),
        "errors": sum(r.non_2xx + r.socket_errors for g in runs.values() for r in g),
        "generator_bound_runs": sum(r.generator_bound for g in runs.values() for r in g),
        "max_generator_cpu": max(r.generator_cpu for g in runs.values() for r in g),
        "serve_rss_mb": peak,
        **{f"inbound_{status}": n for status, n in queue.items()},
    }


def _drained(bridge_url: str, limit: float = 300.0) -> None:
    """Wait until the bridge's worker has processed every stored input (at most ``limit``
    seconds): a worker still busy on the server's core during the reference's run would
    measure the reference slower than it is."""
    import time

    give_up = time.monotonic() + limit
    while _inbound_queue(bridge_url).get("pending", 0) > 0:
        if time.monotonic() > give_up:
            raise RuntimeError(f"the worker did not drain its backlog in {limit:.0f} s")
        time.sleep(0.5)


def _inbound_queue(bridge_url: str) -> dict[str, float]:
    """The bridge's inbound rows by status (its ``/metrics``): how much a worker processed."""
    import httpx

    text = httpx.get(f"{bridge_url}/metrics", timeout=30).text
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith('vultron_bridge_queue{queue="inbound"'):
            status = line.split('status="', 1)[1].split('"', 1)[0]
            found[status] = float(line.rsplit(" ", 1)[1])
    return found


GOALS = {"webhook": 1.0, "inbox": 1.0, "webhook+worker": 0.8, "webhook+worker-process": 0.8,
         "postgres": 0.8}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", default=",".join(SCENARIOS),
                        help=f"comma-separated scenarios among {', '.join(SCENARIOS)}")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    wrk.require_wrk()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario {unknown[0]!r}; choose among {', '.join(SCENARIOS)}")
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as d:
        for name in chosen:
            print(f"{name}: 16 connections, {args.rounds} x {args.seconds:g} s each, "
                  "alternating:")
            results[name] = scenario(Path(d), name, rounds=args.rounds, seconds=args.seconds,
                                     pg_url=args.pg_url)
    print(json.dumps(results, indent=2))
    for name, got in results.items():
        goal = GOALS[name]
        lines = {f"{name}: bridge/reference {got['ratio']:.2f} >= {goal}": got["ratio"] >= goal,
                 f"{name}: no errors ({got['errors']:.0f})": got["errors"] == 0,
                 f"{name}: serve RSS {got['serve_rss_mb']:.0f} MB < 150 MB":
                     got["serve_rss_mb"] < 150}
        if name in ("webhook", "inbox"):
            lines[f"{name}: bridge p99 {got['bridge_p99_ms']:.1f} ms < 25 ms"] = (
                got["bridge_p99_ms"] < 25)
        if "worker" in name:
            print(f"       {name}: inbound rows after the run: done "
                  f"{got.get('inbound_done', 0):.0f}, ignored {got.get('inbound_ignored', 0):.0f}"
                  f", pending {got.get('inbound_pending', 0):.0f}, "
                  f"failed {got.get('inbound_failed', 0):.0f}")
        for text, met in lines.items():
            print(f"{'met   ' if met else 'MISSED'} {text}")
        if got["generator_bound_runs"]:
            print(f"FLAG   {name}: {got['generator_bound_runs']:.0f} run(s) generator-bound "
                  f"(wrk at {got['max_generator_cpu']:.0%} of its core): those figures are "
                  "wrk's, not the server's")


if __name__ == "__main__":
    main()
