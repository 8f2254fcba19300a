"""The fake GitHub of the tests, run in its own process for benchmarks.

A real tracker does not share the bridge's interpreter: in-process, the fake's request handling
would compete with the worker for the GIL and be counted as the bridge's time. The child
process serves the fake on a loopback port; the parent asks it how many issues a repository
holds when the run is over.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection

PRIVATE_REPO = "acme/embargoed"
TOKEN = "fake-token-for-tests"


def _serve(conn: Connection) -> None:
    from tests.fakes.github.server import FakeGitHub

    with FakeGitHub(token=TOKEN, login="vultron-bot") as fake:
        fake.add_repo(PRIVATE_REPO, private=True)
        conn.send(fake.base_url)
        while True:
            command = conn.recv()
            if command == "stop":
                return
            conn.send(len(fake.issues_of(str(command))))


@dataclass
class RemoteFake:
    base_url: str
    conn: Connection

    def issue_count(self, repo: str = PRIVATE_REPO) -> int:
        self.conn.send(repo)
        return int(self.conn.recv())


@contextlib.contextmanager
def remote_github() -> Iterator[RemoteFake]:
    """A fake GitHub (one private repository, ``acme/embargoed``) in a child process."""
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("spawn").Process(target=_serve, args=(child,),
                                                        daemon=True)
    proc.start()
    try:
        if not parent.poll(30):
            raise RuntimeError("the fake GitHub did not start")
        yield RemoteFake(str(parent.recv()), parent)
    finally:
        with contextlib.suppress(OSError):
            parent.send("stop")
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
            proc.join()
