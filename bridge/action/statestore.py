"""Hydrating the run from state blocks and committing them back, conditionally.

GitHub has no compare-and-swap on issue bodies, so a commit is: re-read the body, merge the
stored block with ours (``stateblock.merge`` — sets union, newer entries win, delivered stays
delivered), write, re-read and compare; when another run wrote in between, merge again (at
most ``ATTEMPTS`` times). Every write of a block is preceded by a privacy check of the home:
the block holds report content and goes only where content may go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bridge.action import hydrate
from bridge.action.adapter import ActionAdapter
from bridge.action.homes import Homes
from bridge.action.summary import Report
from bridge.app.guard import to_ref
from bridge.app.runtime import Runtime
from bridge.core import stateblock
from bridge.core.errors import NotPrivateError
from bridge.core.refs import TrackerRef
from bridge.core.stateblock import Seal, StateBlockError, Unseal
from bridge.core.stateschema import StateBlock
from bridge.store.writes import DEFAULT_WINDOW

ATTEMPTS = 3


@dataclass
class StateStore:
    rt: Runtime
    homes: Homes
    adapter: ActionAdapter
    project: str
    report: Report
    dry_run: bool
    seal: Seal | None = None
    unseal: Unseal | None = None
    allow_unsealed: bool = False
    """Without an actor key, unsealed blocks are state (``action.allow_unsealed_state``)."""
    origins: hydrate.Origins = field(default_factory=hydrate.Origins)
    run_inputs: list[str] = field(default_factory=list)
    """Input keys processed by this run (recorded in every home it touches)."""
    committed: list[str] = field(default_factory=list)
    holders: set[str] = field(default_factory=set)
    """Homes that hold only the action's own state (poll cursors), not a report's."""
    reported: set[str] = field(default_factory=set)

    def read(self, ref: TrackerRef, body: str | None) -> stateblock.Reading:
        """The trusted state of ``body``; every ignored block is named in the summary once.

        A block of ours that cannot be read (damaged, a wrong-typed or unknown section, a newer
        format) stops the run: StateBlockError "state block unreadable: <section>: <reason>",
        and the block stays as it is — never acted on, never replaced by this run's state."""
        reading = stateblock.read_trusted(body, self.unseal, allow_unsealed=self.allow_unsealed)
        for reason in reading.ignored:
            line = f"{ref}: {reason}"
            if line not in self.reported:
                self.reported.add(line)
                self.report.refused.append(line)
        if reading.unreadable:
            raise StateBlockError(
                f"{reading.unreadable[0]} (in {ref}; the block was left as it is: restore it "
                "from the body's edit history, or remove it to start that home afresh)")
        return reading

    def hydrate(self, ref: TrackerRef, body: str | None = None) -> StateBlock | None:
        """Load the block of ``ref`` (once per run); None when it has none (or only ignored
        ones); StateBlockError when ours is unreadable (``read``)."""
        key = str(ref)
        if key in self.origins.loaded:
            return None
        text = self.homes.read_body(ref) if body is None else body
        reading = self.read(ref, text)
        block = reading.state
        if block is None:
            if reading.ignored:
                self.origins.loaded.add(key)  # replaced by this run's state when committed
            return None
        hydrate.load(self.rt, key, block, self.origins)
        return block

    def tracker(self) -> str:
        return self.adapter.name

    def _plan(self, everything: StateBlock) -> dict[str, set[str]]:
        plan = hydrate.subjects_by_home(self.rt, self.origins, self.project, self.tracker(),
                                        everything)
        for home in self.origins.loaded:
            plan.setdefault(home, set())
        return plan

    def flush(self, ref: TrackerRef) -> None:
        """Commit the home ``ref`` before the adapter writes to it (write-ahead)."""
        everything = hydrate.whole(self.rt, self.origins)
        plan = self._plan(everything)
        if str(ref) in plan and not self.dry_run:
            self._commit(str(ref), plan[str(ref)], len(plan), everything)

    def commit_all(self) -> None:
        """Commit every home; a home whose block is unreadable is left as it is and named in
        the StateBlockError raised once the others are committed."""
        if self.dry_run:
            return
        everything = hydrate.whole(self.rt, self.origins)
        plan = self._plan(everything)
        failed: list[str] = []
        for home in sorted(plan):
            try:
                self._commit(home, plan[home], len(plan), everything)
            except StateBlockError as exc:
                failed.append(exc.reason)
        if failed:
            raise StateBlockError("; ".join(failed))

    def commit_block(self, ref: TrackerRef, block: StateBlock | Mapping[str, Any]) -> None:
        """Merge ``block`` into the stored one of ``ref`` (e.g. the poll cursors)."""
        if not self.dry_run:
            self._write(ref, stateblock.as_block(block))

    def _commit(self, home: str, subjects: set[str], count: int, everything: StateBlock) -> None:
        ours = hydrate.dump(self.rt, home, subjects, self.origins, all_homes=count,
                            run_inputs=self.run_inputs, everything=everything)
        if home in self.origins.loaded or subjects:
            self._write(to_ref(self.rt, home), ours)

    def _write(self, ref: TrackerRef, ours: StateBlock) -> None:
        if self.seal is None and not self.allow_unsealed:
            line = (f"state not written to {ref}: no actor key to seal it "
                    "(set actor-key, or action.allow_unsealed_state)")
            if line not in self.reported:
                self.reported.add(line)
                self.report.refused.append(line)
            return
        try:
            self.adapter.check_private(ref)
        except NotPrivateError as exc:
            self.report.refused.append(f"state not written to {ref}: {exc.reason}")
            return
        for _ in range(ATTEMPTS):
            body = self.homes.read_body(ref)
            reading = self.read(ref, body)
            theirs = reading.state
            merged = stateblock.prune_writes(stateblock.merge(theirs, ours), self.rt.clock(),
                                             DEFAULT_WINDOW * 2)
            if theirs is not None and merged == theirs and not reading.ignored:
                break
            self.homes.write_body(ref, stateblock.write(body, merged, self.seal))
            check = stateblock.read_trusted(self.homes.read_body(ref), self.unseal,
                                            allow_unsealed=self.allow_unsealed).state
            if check == merged:
                break
            ours = merged
        if str(ref) not in self.committed:
            self.committed.append(str(ref))
