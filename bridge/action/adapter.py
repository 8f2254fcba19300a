"""The tracker adapter the action's handlers use: GitHub's own, plus three things.

* **Convergence**: GitHub may run two workflow runs at once; both can search for a report's
  marker, find nothing and create an issue. After creating, the adapter lists the marked
  issues (or advisories): the oldest wins; a newer one is retired (marker removed, closed) by
  whichever run sees it, and every run carries on with the winner.
* **Write-ahead state**: before each webhook-visible write (labels, comments, close/reopen)
  the state of the home being written is committed (``before_write``), so the run that the
  write triggers finds the echo record and ignores its own change.
* **Dry run**: writes are recorded in the journal and not made; reads still happen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from adapters.github.adapter import GitHubAdapter
from bridge.action.homes import Homes
from bridge.core.effects import Destination
from bridge.core.markers import marker_token
from bridge.core.refs import TrackerRef
from bridge.core.tracker import Capability, EnsureResult, IssueSnapshot


@dataclass
class Journal:
    """What the run wrote to the tracker (or, in a dry run, would have written)."""

    entries: list[tuple[str, str]] = field(default_factory=list)
    created: list[TrackerRef] = field(default_factory=list)
    found: list[TrackerRef] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    """What the run would not do (a planted marker not adopted), for the summary."""

    def add(self, what: str, ref: TrackerRef | str) -> None:
        self.entries.append((what, str(ref)))


class ActionAdapter:
    kind: ClassVar[str] = "github"
    capabilities: ClassVar[frozenset[Capability]] = GitHubAdapter.capabilities

    def __init__(self, inner: GitHubAdapter, homes: Homes, *, dry_run: bool,
                 journal: Journal) -> None:
        self._inner = inner
        self._homes = homes
        self._dry = dry_run
        self.journal = journal
        self.before_write: Callable[[TrackerRef], None] | None = None

    @property
    def name(self) -> str:
        return self._inner.name

    def bot_identity(self) -> str:
        return self._inner.bot_identity()

    def check_private(self, destination: Destination | TrackerRef) -> None:
        self._inner.check_private(destination)

    def get_issue(self, ref: TrackerRef) -> IssueSnapshot:
        return self._inner.get_issue(ref)

    def actor_can_write(self, target: TrackerRef | str, login: str) -> bool:
        """Asked of the API, like the service (a read: dry runs ask too). The event file's
        ``author_association`` is not used: it describes the issue's or comment's author,
        not who added a label; ``MEMBER`` is any organisation member, ``COLLABORATOR`` any
        collaborator (read and triage included); it cannot express ``min_permission``."""
        return self._inner.actor_can_write(target, login)

    def ensure_private_issue(self, destination: Destination, object_id: str, title: str,
                             body: str, labels: Sequence[str] = (), *,
                             fresh: bool = False) -> EnsureResult:
        # the Action keeps no durable record of its attempts: ``fresh`` is ignored, it searches
        token = marker_token(object_id)
        if self._dry:
            self._inner.check_private(destination)
            found = self._homes.locate(destination.project, destination.mode, [token])
            if token in found:
                self.journal.found.append(found[token])
                return EnsureResult(ref=found[token], created=False)
            placeholder = TrackerRef(self.name, destination.project, 0)
            self.journal.add(f"would create a {destination.mode.value.replace('_', ' ')}",
                             destination.project)
            return EnsureResult(ref=placeholder, created=True)
        result = self._inner.ensure_private_issue(destination, object_id, title, body, labels)
        self.journal.refused += [f"{ref} carries the bridge's marker but was not created by "
                                 "the bridge: not adopted, nothing written to it"
                                 for ref in result.planted]
        if not result.created:
            self.journal.found.append(result.ref)
            return result
        marked = self._homes.marked(destination.project, destination.mode, token)
        winner = marked[0] if marked else result.ref
        for loser in marked[1:]:
            self._homes.retire(loser, winner)
            self.journal.add("retired a duplicate made by a concurrent run", loser)
        if winner != result.ref:
            self.journal.found.append(winner)
            return EnsureResult(ref=winner, created=False, planted=result.planted)
        self.journal.created.append(result.ref)
        self.journal.add("created", result.ref)
        return result

    def _write(self, what: str, ref: TrackerRef) -> bool:
        """Journal the write; True when it should really happen."""
        self.journal.add(("would " if self._dry else "") + what, ref)
        if self._dry:
            return False
        if self.before_write is not None:
            self.before_write(ref)
        return True

    def set_labels(self, ref: TrackerRef, add: Sequence[str], remove: Sequence[str]) -> None:
        change = [f"+{n}" for n in add] + [f"-{n}" for n in remove]
        if self._write(f"set labels {' '.join(change)}", ref):
            self._inner.set_labels(ref, add, remove)

    def comment(self, ref: TrackerRef, body: str, *, marker_id: str | None = None) -> None:
        if self._write("comment", ref):
            self._inner.comment(ref, body, marker_id=marker_id)

    def close(self, ref: TrackerRef) -> None:
        if self._write("close", ref):
            self._inner.close(ref)

    def reopen(self, ref: TrackerRef) -> None:
        if self._write("reopen", ref):
            self._inner.reopen(ref)

    def link(self, ref: TrackerRef, other: TrackerRef) -> None:
        if self._write(f"link {other}", ref):
            self._inner.link(ref, other)

    def set_advisory_fields(self, ref: TrackerRef, fields: Mapping[str, Any]) -> None:
        if self._write(f"set advisory fields {' '.join(sorted(fields))}", ref):
            self._inner.set_advisory_fields(ref, fields)
