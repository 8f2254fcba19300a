"""The reference the accept-path benchmarks compare against: a bare FastAPI endpoint that only
verifies the HMAC, parses the JSON and inserts one row into SQLite (WAL, synchronous=FULL,
like the bridge), then answers 202. Run: ``uvicorn bench.reference_app:app``.

With ``BENCH_PG_URL`` (a libpq URL, e.g. ``postgresql://127.0.0.1/test``) it inserts into
PostgreSQL instead, with psycopg 3 and one autocommitted connection per thread: the reference
for the bridge on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import threading
from typing import Any

from fastapi import FastAPI, Request, Response

SECRET = os.environ.get("BENCH_SECRET", "bench-secret").encode()
DB = os.environ.get("BENCH_DB", "reference.db")
PG_URL = os.environ.get("BENCH_PG_URL")

app = FastAPI()
_local = threading.local()


def _conn() -> Any:
    conn = getattr(_local, "conn", None)
    if conn is None and PG_URL:
        import psycopg

        conn = psycopg.connect(PG_URL, autocommit=True)
        conn.execute("CREATE TABLE IF NOT EXISTS bench_reference_deliveries "
                     "(id TEXT PRIMARY KEY, body BYTEA NOT NULL)")
        _local.conn = conn
    elif conn is None:
        conn = sqlite3.connect(DB, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, body BLOB NOT NULL)"
        )
        _local.conn = conn
    return conn


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/webhooks/github")
async def receive(request: Request) -> Response:
    body = await request.body()
    expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("x-hub-signature-256", "")):
        return Response(status_code=401)
    json.loads(body)
    delivery = request.headers.get("x-github-delivery", "")
    if PG_URL:
        _conn().execute("INSERT INTO bench_reference_deliveries VALUES (%s, %s) "
                        "ON CONFLICT DO NOTHING", (delivery, body))
    else:
        _conn().execute("INSERT OR IGNORE INTO deliveries VALUES (?, ?)", (delivery, body))
    return Response(status_code=202)
