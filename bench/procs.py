"""Start a uvicorn server in a subprocess on a free loopback port and stop it afterwards."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate ``proc``, killing it when it has not ended within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def server(args: list[str], *, env: dict[str, str], cwd: Path, ready_path: str = "/healthz",
           port: int | None = None, log_path: Path | None = None, cpu: int | None = None,
           ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``python -m <args> --host 127.0.0.1 --port P`` and yield (base_url, process) once
    ``ready_path`` answers 200; stop it afterwards. Its output goes to ``log_path`` (kept,
    appended to) or to a temporary file deleted at the end. ``cpu``: pinned to that core,
    with every thread it starts."""
    port = port or free_port()
    # the server's log goes to a file: an unread pipe would fill up and block the server
    if log_path is not None:
        log = log_path.open("ab")
    else:
        log = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", *args, "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **env}, cwd=cwd, stdout=log, stderr=log,
        preexec_fn=None if cpu is None else (lambda: os.sched_setaffinity(0, {cpu})),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if proc.poll() is not None:
                err = Path(log.name).read_text(errors="replace")
                raise RuntimeError(f"server exited early: {err[-2000:]}")
            try:
                if httpx.get(base + ready_path, timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        else:
            err = Path(log.name).read_text(errors="replace")
            raise RuntimeError(f"server did not start: {err[-2000:]}")
        yield base, proc
    finally:
        stop(proc)
        log.close()
        if log_path is None:
            Path(log.name).unlink(missing_ok=True)
