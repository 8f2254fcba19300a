"""Walking links in both directions, breadth-first, without cycles.

From a subject: its refs; from a ref: its subjects; a report leads to its case and a case to
its reports (``cases.data.case_id`` / ``data.reports``, see ``bridge.app.subjects``).
``depth`` counts hops: 1 lists the direct links, 2 adds the other subjects of those issues
(or the other issues of those subjects), and so on. Every node is visited once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from bridge.core.errors import InputError
from bridge.store import links, state
from bridge.store.links import LinkRecord

MAX_DEPTH = 10
MAX_NODES = 5000
NodeKind = Literal["subject", "ref"]


@dataclass(frozen=True, slots=True)
class Node:
    kind: NodeKind
    id: str
    distance: int


@dataclass
class Graph:
    start: Node
    depth: int
    nodes: list[Node] = field(default_factory=list)
    links: list[LinkRecord] = field(default_factory=list)
    case_of: list[tuple[str, str]] = field(default_factory=list)
    """(report id, case id) pairs met on the way."""
    truncated: bool = False
    """True when the walk stopped at ``MAX_NODES``."""

    def as_json(self) -> dict[str, Any]:
        return {
            "start": {"kind": self.start.kind, "id": self.start.id},
            "depth": self.depth,
            "nodes": [{"kind": n.kind, "id": n.id, "distance": n.distance} for n in self.nodes],
            "links": [
                {"subject": r.subject, "ref": r.ref, "relation": r.relation.value,
                 "linked_by": r.linked_by, "linked_at": r.linked_at}
                for r in self.links
            ],
            "case_of": [{"report": rep, "case": case} for rep, case in self.case_of],
            "truncated": self.truncated,
        }


def _case_edges(session: Session, subject: str) -> list[tuple[str, str]]:
    record = state.get_case(session, subject)
    if record is None:
        return []
    edges = []
    case_id = record.data.get("case_id")
    if isinstance(case_id, str) and case_id:
        edges.append((subject, case_id))
    reports = record.data.get("reports")
    if isinstance(reports, list):
        edges += [(r, subject) for r in reports if isinstance(r, str) and r]
    return edges


def walk(
    session: Session,
    kind: NodeKind,
    start: str,
    depth: int = 1,
    *,
    visible: Callable[[str], bool] | None = None,
) -> Graph:
    """Links reachable from ``start`` within ``depth`` hops; subjects ``visible`` rejects
    (a vendor token's other cases) are neither shown nor walked through."""
    if not 1 <= depth <= MAX_DEPTH:
        raise InputError(f"depth must be between 1 and {MAX_DEPTH}")
    root = Node(kind, start, 0)
    graph = Graph(root, depth, [root])
    seen: set[tuple[str, str]] = {(kind, start)}
    seen_links: set[tuple[str, str, str]] = set()
    seen_cases: set[tuple[str, str]] = set()
    queue: deque[Node] = deque([root])
    ok = visible or (lambda _s: True)

    def reach(node_kind: NodeKind, node_id: str, distance: int) -> None:
        if (node_kind, node_id) in seen:
            return
        if len(graph.nodes) >= MAX_NODES:
            graph.truncated = True
            return
        seen.add((node_kind, node_id))
        node = Node(node_kind, node_id, distance)
        graph.nodes.append(node)
        if distance < depth:
            queue.append(node)

    while queue:
        node = queue.popleft()
        if node.kind == "subject":
            found = links.links_for_subject(session, node.id)
            for report, case in _case_edges(session, node.id):
                other = case if report == node.id else report
                if ok(other) and (report, case) not in seen_cases:
                    seen_cases.add((report, case))
                    graph.case_of.append((report, case))
                    reach("subject", other, node.distance + 1)
        else:
            found = links.links_for_ref(session, node.id)
        for record in found:
            if not ok(record.subject):
                continue
            key = (record.subject, record.ref, record.relation.value)
            if key not in seen_links:
                seen_links.add(key)
                graph.links.append(record)
            if node.kind == "subject":
                reach("ref", record.ref, node.distance + 1)
            else:
                reach("subject", record.subject, node.distance + 1)
    return graph
