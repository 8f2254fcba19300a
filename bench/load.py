"""Distinct request bodies for the benchmarks.

The closed-loop Python load generator that lived here is gone: it topped out at a few hundred
requests per second, below both servers it compared (docs/performance.md). The accept paths
are driven by wrk (``bench/wrk.py``); the slow-tracker soak sends its 50 requests per second
itself.
"""

from __future__ import annotations


def distinct_json(body: bytes, n: int) -> bytes:
    """``body`` (a non-empty JSON object) with ``"bench_seq": n`` added: a distinct webhook per
    request. The bridge deduplicates webhooks on their raw bytes too (a replay under a fresh
    delivery id is a duplicate), so one body re-sent would measure only the duplicate path."""
    end = body.rindex(b"}")
    return body[:end] + b',"bench_seq":%d' % n + body[end:]
