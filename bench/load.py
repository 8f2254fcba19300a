"""A small closed-loop load generator: N concurrent clients, each sending requests back to back
for a fixed duration; reports requests per second and latency percentiles.

Used by the benchmarks to measure the bridge and its reference in the same run, on loopback.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

RequestFactory = Callable[[int], tuple[str, dict[str, str], bytes]]
"""Given a sequence number, returns (path, headers, body)."""


def distinct_json(body: bytes, n: int) -> bytes:
    """``body`` (a non-empty JSON object) with ``"bench_seq": n`` added: a distinct webhook per
    request. The bridge deduplicates webhooks on their raw bytes too (a replay under a fresh
    delivery id is a duplicate), so one body re-sent would measure only the duplicate path."""
    end = body.rindex(b"}")
    return body[:end] + b',"bench_seq":%d' % n + body[end:]


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index]

    def summary(self) -> str:
        median = statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")
        return (
            f"{self.rps:8.1f} req/s  p50 {median:6.2f} ms  p99 {self.percentile(99):6.2f} ms  "
            f"errors {self.errors}/{self.requests}"
        )


async def _post(client: httpx.AsyncClient, path: str, headers: dict[str, str],
                body: bytes) -> bool:
    """POST once; True for a 2xx (a transport error or any other status is an error)."""
    try:
        response = await client.post(path, headers=headers, content=body)
    except httpx.HTTPError:
        return False
    return response.status_code < 300


async def _run(base_url: str, make: RequestFactory, clients: int, seconds: float) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    counter = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal errors, counter
            while time.perf_counter() < deadline:
                counter += 1
                path, headers, body = make(counter)
                start = time.perf_counter()
                ok = await _post(client, path, headers, body)
                latencies.append((time.perf_counter() - start) * 1000)
                errors += not ok

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return LoadResult(len(latencies), errors, elapsed, latencies)


async def _run_rate(base_url: str, make: RequestFactory, rate: float, seconds: float,
                    clients: int) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    gate = asyncio.Semaphore(clients)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def one(n: int, due: float) -> None:
            nonlocal errors
            path, headers, body = make(n)
            async with gate:
                ok = await _post(client, path, headers, body)
            # from when the request was due, not when it was sent: a stalled server
            # cannot hide its stall by delaying the requests queued behind it
            latencies.append((time.perf_counter() - due) * 1000)
            errors += not ok

        started = time.perf_counter()
        tasks = []
        for n in range(int(rate * seconds)):
            due = started + n / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(one(n, due)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return LoadResult(len(latencies), errors, elapsed, latencies)


def run_rate(
    base_url: str, make: RequestFactory, *, rate: float, seconds: float, clients: int = 16
) -> LoadResult:
    """An open-loop load: ``rate`` requests per second on schedule, at most ``clients`` in
    flight; latency counts from each request's due time (no coordinated omission)."""
    return asyncio.run(_run_rate(base_url, make, rate, seconds, clients))


def run_load(
    base_url: str, make: RequestFactory, *, clients: int = 16, seconds: float = 10.0
) -> LoadResult:
    """Run a closed-loop load against ``base_url`` and return what was measured."""
    return asyncio.run(_run(base_url, make, clients, seconds))


def compare(
    ref_url: str, make_ref: RequestFactory, bridge_url: str, make_bridge: RequestFactory,
    *, rounds: int, seconds: float, name: str, sample: Callable[[], float] = lambda: 0.0,
    rate: float = 100.0,
) -> dict[str, float]:
    """The bridge against the reference in the same run: warm both up, then alternate
    ``rounds`` closed-loop runs of 16 clients (throughput at saturation, where every server's
    tail is the queue: Little's law) and ``rounds`` open-loop runs at ``rate`` requests per
    second with up to 16 in flight (latency under a load the machine can carry). ``sample``
    (e.g. the server's RSS) is read after each round and its maximum reported."""
    run_load(ref_url, make_ref, clients=16, seconds=1)
    run_load(bridge_url, make_bridge, clients=16, seconds=1)
    groups: dict[str, list[LoadResult]] = {"reference": [], name: [], "reference@rate": [],
                                           f"{name}@rate": []}
    peak = 0.0
    for _ in range(rounds):
        groups["reference"].append(run_load(ref_url, make_ref, clients=16, seconds=seconds))
        groups[name].append(run_load(bridge_url, make_bridge, clients=16, seconds=seconds))
        groups["reference@rate"].append(run_rate(ref_url, make_ref, rate=rate, seconds=seconds))
        groups[f"{name}@rate"].append(
            run_rate(bridge_url, make_bridge, rate=rate, seconds=seconds))
        peak = max(peak, sample())
    for label, group in groups.items():
        for run in group:
            print(f"  {label:15s} {run.summary()}")
    ref_rps = statistics.median(r.rps for r in groups["reference"])
    rps = statistics.median(r.rps for r in groups[name])
    return {
        "reference_rps": ref_rps, f"{name}_rps": rps, "ratio": rps / ref_rps,
        "reference_p99_ms": max(r.percentile(99) for r in groups["reference"]),
        f"{name}_p99_ms": max(r.percentile(99) for r in groups[name]),
        "rate": rate,
        "reference_p99_at_rate_ms": max(r.percentile(99) for r in groups["reference@rate"]),
        f"{name}_p99_at_rate_ms": max(r.percentile(99) for r in groups[f"{name}@rate"]),
        "errors": sum(r.errors for g in groups.values() for r in g), "serve_rss_mb": peak,
    }
