"""wrk as the load generator: a C program, one thread pinned to its own core, many times faster
than the Python servers it measures (issue 16). The Python generator in ``bench/load.py`` tops
out at a few hundred requests per second on this machine, which is below both servers.

Every request must be distinct (the bridge deduplicates on delivery id *and* on the body's
sha256), and a GitHub webhook's signature covers its body, so wrk cannot make requests up
itself. The body of request *n* is ``prefix + str(n) + suffix``; headers that vary per request
(a delivery id, the HMAC signature of that body) are computed here beforehand, one row per
request, and read by the Lua script at start-up. A run that would outlast its rows is refused
rather than re-sending a body (a duplicate is a cheaper path and would flatter the server).

What each run reports besides throughput and latency: the generator's CPU time over the run
(from ``wait4``'s resource usage) as a share of its core, and the server's CPU share over the
same window (``/proc/PID/stat``). A run whose generator used more than ``SATURATED`` of its
core — i.e. less than 5× headroom over what it achieved — is flagged ``generator-bound``:
its figure is the generator's, not the server's.

Install wrk with ``apt-get install -y wrk`` (Debian package ``wrk``); the benchmarks refuse to
run without it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

GENERATOR_CPU = 0
SERVER_CPU = 1
SATURATED = 0.2
"""Above this share of its core the generator has less than 5× headroom over the server."""
MAX_RATE = 8000
"""Rows prepared per second of run: above any Python server on this machine (the run is
refused, not repeated, if a server ever got through them)."""

_LUA = r"""
local path, prefix, suffix, static, names, rows = nil, nil, nil, {}, {}, {}
local n = 0
local function slurp(p)
  local f = assert(io.open(p, "rb")); local s = f:read("*a"); f:close(); return s
end
local function split(line)
  local out = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do out[#out + 1] = field end
  return out
end
function init(args)
  path = args[1]; prefix = slurp(args[2]); suffix = slurp(args[3])
  for line in io.lines(args[4]) do
    local k, v = line:match("^([^:]+): (.*)$")
    if k then static[k] = v end
  end
  local first = true
  for line in io.lines(args[5]) do
    if first then names = split(line); first = false else rows[#rows + 1] = split(line) end
  end
end
function request()
  n = n + 1
  local row = rows[n]
  if row == nil then
    -- out of prepared rows: a request the server must refuse (counted as a non-2xx)
    return wrk.format("POST", "/bench-out-of-rows", static, "")
  end
  -- one table for every request: the static headers stay, the varying ones are overwritten
  for i, name in ipairs(names) do static[name] = row[i] end
  return wrk.format("POST", path, static, prefix .. n .. suffix)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"mean_us": %.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, latency.mean))
end
"""


def require_wrk() -> str:
    """The wrk executable, or SystemExit saying how to install it."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("bench: wrk is not installed; install it with `apt-get install -y wrk` "
                         "(Debian package wrk). The Python load generator cannot saturate "
                         "these servers, so the accept-path benchmarks do not run without it.")
    return found


@dataclass(frozen=True)
class Requests:
    """What one run sends: request *n* (from 1) is ``POST path`` with ``headers`` plus the
    values ``vary(n)`` gives for ``vary_names``, and the body ``prefix + str(n) + suffix``."""

    path: str
    headers: dict[str, str]
    prefix: bytes
    suffix: bytes
    vary_names: Sequence[str]
    vary: Callable[[int, bytes], Sequence[str]]
    """Given n and the body of request n, the per-request header values."""

    def body(self, n: int) -> bytes:
        return self.prefix + str(n).encode() + self.suffix


@dataclass(frozen=True)
class Run:
    label: str
    requests: int
    non_2xx: int
    socket_errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    generator_cpu: float
    """The generator's CPU time over the run, as a share of one core."""
    server_cpu: float
    """The server's CPU time (all its threads) over the run, as a share of one core."""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def generator_bound(self) -> bool:
        return self.generator_cpu > SATURATED

    def summary(self) -> str:
        flag = "  GENERATOR-BOUND" if self.generator_bound else ""
        return (f"{self.label:24s} {self.rps:7.0f} req/s  p50 {self.p50_ms:6.2f} ms  "
                f"p99 {self.p99_ms:6.2f} ms  errors {self.non_2xx + self.socket_errors}/"
                f"{self.requests}  generator cpu {self.generator_cpu:4.0%}  "
                f"server cpu {self.server_cpu:4.0%}{flag}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pin(cpu: int) -> Callable[[], None]:
    """A ``preexec_fn`` that pins the child (and every thread it starts) to ``cpu``."""
    return lambda: os.sched_setaffinity(0, {cpu})


def _prepare(folder: Path, requests: Requests, count: int) -> list[str]:
    (folder / "prefix.bin").write_bytes(requests.prefix)
    (folder / "suffix.bin").write_bytes(requests.suffix)
    (folder / "static.txt").write_text(
        "".join(f"{k}: {v}\n" for k, v in requests.headers.items()))
    with (folder / "vary.tsv").open("w") as out:
        out.write("\t".join(requests.vary_names) + "\n")
        for n in range(1, count + 1):
            values = requests.vary(n, requests.body(n))
            out.write("\t".join(values) + "\n")
    (folder / "bench.lua").write_text(_LUA)
    return [requests.path, str(folder / "prefix.bin"), str(folder / "suffix.bin"),
            str(folder / "static.txt"), str(folder / "vary.tsv")]


def run(label: str, base_url: str, requests: Requests, *, server_pid: int,
        connections: int = 16, seconds: float = 8.0) -> Run:
    """One closed-loop run of ``connections`` connections for ``seconds`` against
    ``base_url``, wrk pinned to ``GENERATOR_CPU``."""
    wrk = require_wrk()
    count = int(MAX_RATE * seconds) + 1000
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as d:
        args = _prepare(Path(d), requests, count)
        cmd = [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
               "-s", str(Path(d) / "bench.lua"), base_url, "--", *args]
        server_before = cpu_seconds(server_pid)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                preexec_fn=pin(GENERATOR_CPU))
        assert proc.stdout is not None
        output = proc.stdout.read().decode(errors="replace")
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        server_after = cpu_seconds(server_pid)
    line = next((x for x in output.splitlines() if x.startswith("WRKJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {output[-1500:]}")
    got = json.loads(line[len("WRKJSON "):])
    if got["requests"] >= count:
        raise RuntimeError(f"{label}: the server got through all {count} prepared requests; "
                           "raise MAX_RATE in bench/wrk.py")
    elapsed = got["duration_us"] / 1e6
    return Run(
        label=label, requests=got["requests"], non_2xx=got["status"],
        socket_errors=got["connect"] + got["read"] + got["write"] + got["timeout"],
        seconds=elapsed, p50_ms=got["p50_us"] / 1000, p99_ms=got["p99_us"] / 1000,
        max_ms=got["max_us"] / 1000,
        generator_cpu=(usage.ru_utime + usage.ru_stime) / elapsed,
        server_cpu=(server_after - server_before) / elapsed,
    )
