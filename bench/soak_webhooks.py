"""Soak: signed GitHub webhooks at a steady rate into one ``vultron-bridge serve`` process
(SQLite, workers on) while the tracker API answers every call in 5 s.

    .venv/bin/python -m bench.soak_webhooks                # 50/s for 600 s (the issue's run)
    .venv/bin/python -m bench.soak_webhooks --seconds 60   # a shorter look

A warm-up of 5 s at the same rate comes first: its answers count for errors and losses but
not for the latency percentiles (the slowest is reported as ``warmup_max_ms``: a process that
has just started imports its SDKs on first use). Open loop: request *n* is sent at
``start + n / rate`` whatever happened to the earlier ones, so a slow answer cannot hide
behind a slower send rate. Reported: acknowledgement latency
percentiles (send → answer), errors (anything but 202, and transport failures), "database is
locked" lines in the server's log, and lost webhooks (answered 202 but not in the inbound
table afterwards). Exit status 1 when p99 ≥ 500 ms or any error, lock or loss was seen.

The reports the webhooks talk about are seeded first (issues in the fake, cases, participants
and links in the store), so the worker has real work: rules, state, outbox rows, label writes
to the slow tracker, deliveries to a loopback inbox.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from adapters.github.signature import sign
from bench.load import distinct_json
from bench.procs import free_port, server
from bridge.core.refs import TrackerRef
from bridge.httpsig.keys import new_key_file
from bridge.store import db, inbound, links, state
from tests.fakes.github.harness import BOT, PRIVATE_REPO, TOKEN
from tests.fakes.github.model import Issue, Label, User
from tests.fakes.github.server import FakeGitHub, Fault
from tests.support.servers import Receiver

SECRET = "soak webhook secret"
LABELS = ("vultron:valid", "vultron:invalid", "triage", "bug", "needs-info")
CONFIG = """
actor: {{name: vendor, base_url: "http://127.0.0.1:{port}", key_file: "{key}"}}
database_url: "{db}"
trackers:
  github: {{kind: github, url: "{github}", token: "{token}", webhook_secrets: ["{secret}"],
            bot_login: {bot}}}
destinations:
  default: {{tracker: github, project: {repo}, mode: private_issue}}
delivery: {{allow_loopback: true, timeout_seconds: 10}}
"""


@dataclass
class SoakResult:
    sent: int = 0
    acknowledged: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    locked: int = 0
    lost: int = 0
    lag_ms: float = 0.0
    """The worst delay between a request's scheduled and actual send (generator health)."""
    seconds: float = 0.0
    pending_after: int = 0
    warmup_ms: float = 0.0
    """The slowest answer during the warm-up (not in the percentiles)."""
    timeline: list[tuple[float, float]] = field(default_factory=list)
    """(seconds since the start, latency ms) of every answer."""

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    @property
    def ok(self) -> bool:
        return (self.percentile(99) < 500 and not self.errors and self.locked == 0
                and self.lost == 0 and self.sent > 0)

    def summary(self) -> dict[str, Any]:
        return {
            "sent": self.sent, "acknowledged": len(self.acknowledged),
            "rate_per_s": round(self.sent / self.seconds, 1) if self.seconds else 0,
            "p50_ms": round(self.percentile(50), 1), "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1), "max_ms": round(self.percentile(100), 1),
            "errors": self.errors, "database_locked": self.locked, "lost": self.lost,
            "warmup_max_ms": round(self.warmup_ms, 1),
            "generator_lag_ms": round(self.lag_ms, 1), "inbound_pending_after": self.pending_after,
            "ok": self.ok,
        }


def _seed(url: str, fake: FakeGitHub, reports: int, finder: str, us: str) -> list[int]:
    engine = db.make_engine(url)
    db.migrate(engine)
    sessions = db.session_factory(engine)
    numbers = []
    repo = fake.repos[PRIVATE_REPO]
    now = time.time()
    with db.transaction(sessions) as s:
        for n in range(1, reports + 1):
            report = f"{finder}/reports/{n}"
            offer = {"type": "Offer", "id": f"{finder}/offers/{n}", "actor": finder,
                     "object": {"type": "VulnerabilityReport", "id": report, "name": f"R-{n}"}}
            with fake.lock:
                repo.issues[n] = Issue(n, f"Report R-{n}", "details", User(BOT),
                                       labels=["vultron:received"])
            state.put_object(s, offer["id"], "Offer", offer, now)
            state.put_case(s, report, em_state="NONE", cs_state="Vfd.pxa", embargo_end=None,
                           now=now, data={"kind": "report", "offer_id": offer["id"],
                                          "finder": finder})
            state.put_participant(s, report, us, rm_state="RECEIVED",
                                  em_consent=None, roles=["vendor"], now=now)
            state.put_participant(s, report, finder, rm_state="ACCEPTED", em_consent=None,
                                  roles=["finder"], now=now)
            links.add_link(s, report, TrackerRef("github", PRIVATE_REPO, n), "mirrors", "soak",
                           now)
            numbers.append(n)
    engine.dispose()
    return numbers


def _bodies(fake: FakeGitHub, numbers: list[int]) -> list[bytes]:
    """Every body the run sends, rendered before the clock starts. Each request adds its
    sequence number (``bench.load.distinct_json``) and signs that, with its own delivery id:
    a distinct webhook to the bridge (the same bytes again would be a replay, a duplicate)."""
    return [_webhook(fake, number, name) for number in numbers for name in LABELS]


def _webhook(fake: FakeGitHub, number: int, name: str) -> bytes:
    repo = fake.repos[PRIVATE_REPO]
    with fake.lock:
        issue = repo.issues[number]
        label = repo.labels.setdefault(name, Label(name, "ededed", None))
        payload = {"action": "labeled", "issue": fake.render.issue(repo, issue),
                   "label": fake.render.label(repo, label), "repository": fake.render.repo(repo),
                   "sender": fake.render.user(User("maintainer"))}
    return json.dumps(payload, separators=(",", ":")).encode()


async def _drive(url: str, bodies: list[bytes], rate: float, seconds: float,
                 result: SoakResult, seed: int, warmup: float = 0.0) -> None:
    rnd = random.Random(seed)
    total = int(rate * seconds)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        async def one(headers: dict[str, str], body: bytes, counted: bool) -> None:
            started = time.perf_counter()
            try:
                answer = await client.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                key = type(exc).__name__
                result.errors[key] = result.errors.get(key, 0) + 1
                return
            took = (time.perf_counter() - started) * 1000
            result.timeline.append((started - origin, took))
            if answer.status_code == 202:
                result.acknowledged.append(headers["X-GitHub-Delivery"])
            else:
                key = f"HTTP {answer.status_code}"
                result.errors[key] = result.errors.get(key, 0) + 1
            if counted:
                result.latencies_ms.append(took)
            else:
                result.warmup_ms = max(result.warmup_ms, took)

        tasks = []
        start = origin = time.perf_counter()
        warm = int(rate * warmup)
        total += warm
        for n in range(total):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            result.lag_ms = max(result.lag_ms, (time.perf_counter() - due) * 1000)
            body = distinct_json(rnd.choice(bodies), n)
            headers = {"Content-Type": "application/json", "X-GitHub-Event": "issues",
                       "X-GitHub-Delivery": str(uuid.uuid4()),
                       "X-Hub-Signature-256": sign(SECRET, body)}
            tasks.append(asyncio.ensure_future(one(headers, body, n >= warm)))
            result.sent += n >= warm
        await asyncio.gather(*tasks)
        result.seconds = time.perf_counter() - start - warmup


def soak(*, rate: float = 50, seconds: float = 600, tracker_delay: float = 5.0,
         reports: int = 200, workdir: Path | None = None, seed: int = 1,
         workers: bool = True, warmup: float = 5.0) -> SoakResult:
    """Run the soak and return its figures (also used by tests/reliability/test_load.py)."""
    tmp = Path(workdir or tempfile.mkdtemp(prefix="vb-soak-"))
    tmp.mkdir(parents=True, exist_ok=True)
    result = SoakResult()
    fake = FakeGitHub(token=TOKEN, login=BOT)
    with fake, Receiver(documents=False) as receiver:
        fake.add_repo(PRIVATE_REPO, private=True)
        fake.faults.append(Fault(kind="slow", delay=tracker_delay, times=None))
        url = f"sqlite:///{tmp / 'bridge.db'}"
        port = free_port()
        numbers = _seed(url, fake, reports, f"{receiver.base}/actors/finder",
                        f"http://127.0.0.1:{port}/actors/vendor")
        config = tmp / "bridge.yaml"
        config.write_text(CONFIG.format(port=port, key=new_key_file(tmp / "actor.pem"), db=url,
                                        github=fake.base_url, token=TOKEN, secret=SECRET,
                                        bot=BOT, repo=PRIVATE_REPO), encoding="utf-8")
        args = ["bridge.cli.main", "serve", "--config", str(config)]
        log = tmp / "serve.log"
        with server(args + ([] if workers else ["--no-worker"]), env={}, cwd=tmp,
                    ready_path="/readyz", port=port, log_path=log) as (base, _):
            bodies = _bodies(fake, numbers)
            asyncio.run(_drive(f"{base}/webhooks/github", bodies, rate, seconds, result, seed,
                               warmup))
        engine = db.make_engine(url)
        with engine.connect() as conn:
            from sqlalchemy import select

            from bridge.store.models import Inbound

            stored = {str(k) for k in conn.execute(select(Inbound.key)).scalars()}
        with db.session_factory(engine)() as s:
            result.pending_after = inbound.inbound_counts(s)["pending"]
        engine.dispose()
        result.lost = sum(1 for d in result.acknowledged if d not in stored)
        result.locked = log.read_text(errors="replace").lower().count("database is locked")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="webhooks per second")
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--tracker-delay", type=float, default=5.0,
                        help="seconds the fake tracker takes to answer each API call")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--no-worker", action="store_true",
                        help="accept only (isolates the accept path from the workers' writes)")
    args = parser.parse_args(argv)
    result = soak(rate=args.rate, seconds=args.seconds, tracker_delay=args.tracker_delay,
                  workdir=args.workdir, workers=not args.no_worker)
    print(json.dumps(result.summary(), indent=2))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
