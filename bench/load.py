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
                try:
                    response = await client.post(path, headers=headers, content=body)
                    ok = response.status_code < 300
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - start) * 1000)
                if not ok:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return LoadResult(len(latencies), errors, elapsed, latencies)


def run_load(
    base_url: str, make: RequestFactory, *, clients: int = 16, seconds: float = 10.0
) -> LoadResult:
    """Run a closed-loop load against ``base_url`` and return what was measured."""
    return asyncio.run(_run(base_url, make, clients, seconds))


def compare(
    ref_url: str, make_ref: RequestFactory, bridge_url: str, make_bridge: RequestFactory,
    *, rounds: int, seconds: float, name: str, sample: Callable[[], float] = lambda: 0.0,
) -> dict[str, float]:
    """The bridge against the reference in the same run: warm both up, then alternate
    ``rounds`` closed-loop runs of 16 clients; ``sample`` (e.g. the server's RSS) is read
    after each round and its maximum reported."""
    run_load(ref_url, make_ref, clients=16, seconds=1)
    run_load(bridge_url, make_bridge, clients=16, seconds=1)
    ref_runs: list[LoadResult] = []
    runs: list[LoadResult] = []
    peak = 0.0
    for _ in range(rounds):
        ref_runs.append(run_load(ref_url, make_ref, clients=16, seconds=seconds))
        runs.append(run_load(bridge_url, make_bridge, clients=16, seconds=seconds))
        peak = max(peak, sample())
    for label, group in (("reference", ref_runs), (name, runs)):
        for run in group:
            print(f"  {label:9s} {run.summary()}")
    ref_rps = statistics.median(r.rps for r in ref_runs)
    rps = statistics.median(r.rps for r in runs)
    return {
        "reference_rps": ref_rps, f"{name}_rps": rps, "ratio": rps / ref_rps,
        f"{name}_p99_ms": max(r.percentile(99) for r in runs),
        "errors": sum(r.errors for r in runs), "serve_rss_mb": peak,
    }
