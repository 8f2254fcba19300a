"""pytest fixtures for a real tracd (import them into a test module or conftest)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from adapters.trac.adapter import TracAdapter
from bridge.core.effects import Destination, DestinationMode
from bridge.core.markers import marker_for
from bridge.core.refs import TrackerRef
from tests.adapters.trac.tracd import TOKEN, TracServer, trac_admin, tracd

_names = itertools.count(1)
ROLES = {"writer": ("TICKET_MODIFY", "SECURITY_VIEW"), "reader": ("TICKET_VIEW", "SECURITY_VIEW")}


@pytest.fixture(scope="session")
def trac_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TracServer]:
    with tracd(tmp_path_factory.mktemp("tracd")) as server:
        yield server


@dataclass
class TracProject:
    """One scratch environment on the shared tracd, with direct reads of its database."""

    server: TracServer
    name: str
    adapters: list[TracAdapter] = field(default_factory=list)

    @property
    def destination(self) -> Destination:
        return Destination(tracker="trac", project=self.name,
                           mode=DestinationMode.CONFIDENTIAL_ISSUE)

    def __enter__(self) -> TracProject:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect every adapter made here (also when the test failed half-way)."""
        while self.adapters:
            self.adapters.pop().disconnect()

    def adapter(self, **options: object) -> TracAdapter:
        made = TracAdapter(self.server.url, token=TOKEN, name="trac", **options)  # type: ignore[arg-type]
        self.adapters.append(made)
        return made

    def row(self, ref: TrackerRef, column: str) -> str:
        rows = self.server.query(self.name, f"SELECT {column} FROM ticket WHERE id=?",  # noqa: S608
                                 (ref.number,))
        return str(rows[0][0] or "")

    def labels(self, ref: TrackerRef) -> list[str]:
        return self.row(ref, "keywords").split()

    def comments(self, ref: TrackerRef) -> list[str]:
        rows = self.server.query(self.name, "SELECT newvalue FROM ticket_change WHERE ticket=? "
                                 "AND field='comment' AND newvalue != '' ORDER BY time",
                                 (ref.number,))
        return [str(r[0]) for r in rows]

    def body(self, ref: TrackerRef) -> str:
        return self.row(ref, "description")

    def state(self, ref: TrackerRef) -> str:
        return "closed" if self.row(ref, "status") == "closed" else "open"

    def count(self) -> int:
        return int(self.server.query(self.name, "SELECT COUNT(*) FROM ticket")[0][0])

    def make_public(self, ref: TrackerRef) -> None:
        """A maintainer turns the security ticket into a plain one."""
        self.server.execute(self.name, "UPDATE ticket SET type='defect' WHERE id=?",
                            (ref.number,))
        self.server.execute(self.name, "UPDATE ticket_custom SET value='0' WHERE ticket=? AND "
                            "name='security'", (ref.number,))

    def plant(self, object_id: str) -> TrackerRef:
        """A stranger files a security ticket carrying the bridge's marker."""
        with self.server.db(self.name) as conn:
            cursor = conn.execute(
                "INSERT INTO ticket (type, time, changetime, summary, description, reporter, "
                "status, keywords) VALUES ('security', 1, 1, 'hi', ?, 'mallory', 'new', '')",
                (f"hi {marker_for(object_id)}",))
            number = int(cursor.lastrowid or 0)
        return TrackerRef("trac", self.name, number)

    def grant(self, login: str, role: str | None) -> None:
        if role is not None:
            trac_admin(self.server.root / "envs" / self.name, "permission", "add", login,
                       *ROLES[role])


@pytest.fixture
def trac_project(trac_server: TracServer) -> Iterator[TracProject]:
    name = f"p{next(_names)}"
    trac_server.new_env(name)
    with TracProject(trac_server, name) as project:
        yield project
