"""``GitLabAdapter``: the bridge's writes to GitLab through python-gitlab.

Report content lands only in **confidential issues** and **internal notes**, each write
preceded by a fresh check through the API (``check_private``). No line the bridge writes starts
with ``/``: GitLab would run it as a quick action as the bot (``safetext.defuse_commands``).
Creation is idempotent by the hidden marker (``bridge.core.markers``): the project is searched
for the marker token before any create, and again after a create whose answer was lost. Every
exception leaving this class is a ``bridge.core.errors`` type.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, ClassVar

from adapters.gitlab.session import GitLabBase, attrs_of, drain, is_conflict
from bridge.core.effects import Destination
from bridge.core.errors import (
    AmbiguousWrite,
    ConfigurationError,
    NotFound,
    PermanentError,
)
from bridge.core.labels import BY_NAME, resolve_labels
from bridge.core.markers import has_marker, with_marker
from bridge.core.refs import TrackerRef
from bridge.core.safetext import defuse_commands
from bridge.core.tracker import Capability, EnsureResult, IssueSnapshot


def _resolve_in_order(
    current: set[str], add: Sequence[str], remove: Sequence[str]
) -> tuple[set[str], set[str]]:
    """``resolve_labels`` applied one added label at a time, so that of two labels of one
    exclusive group the later wins (resolving them together would drop both)."""
    target = current - set(remove)
    for name in add:
        plus, minus = resolve_labels(target, {name}, set())
        target = (target | plus) - minus
    return target - current, current - target


class GitLabAdapter(GitLabBase):
    """A GitLab instance (gitlab.com or self-managed) the bridge writes to."""

    kind: ClassVar[str] = "gitlab"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.CONFIDENTIAL_ISSUES,
            Capability.INTERNAL_NOTES,
            Capability.ISSUE_LINKS,
            Capability.SIGNED_WEBHOOKS,
        }
    )

    def ensure_private_issue(
        self,
        destination: Destination,
        object_id: str,
        title: str,
        body: str,
        labels: Sequence[str] = (),
        *,
        fresh: bool = False,
    ) -> EnsureResult:
        self._check_destination(destination)
        existing, others = (None, ()) if fresh else self._find_marked(destination.project,
                                                                      object_id)
        planted = tuple(TrackerRef(self._name, destination.project, n) for n in others)
        if existing is not None:
            return self._verified(destination.project, existing, created=False,
                                  planted=planted)
        self.check_private(destination)
        names = sorted(_resolve_in_order(set(), labels, ())[0])
        self._ensure_label_definitions(destination.project, names)
        data: dict[str, Any] = {
            "title": title,
            "description": defuse_commands(with_marker(body, object_id)),
            "confidential": True,
        }
        if names:
            data["labels"] = names
        issues = self._project(destination.project).issues
        action = f"creating a confidential issue in {destination.project}"
        try:
            created = attrs_of(self._create(action, issues.create, data))
        except AmbiguousWrite:
            found = self._find_after_ambiguous(destination.project, object_id)
            if found is None:
                raise
            return self._verified(destination.project, found, created=True, planted=planted)
        ref = TrackerRef(self._name, destination.project, int(created["iid"]))
        current = self._get_issue(ref)
        return self._verified(destination.project, current, created=True, planted=planted)

    def _ensure_label_definitions(self, project: str, names: Collection[str]) -> None:
        """Create the bridge's own labels with colour and description on first use."""
        labels = self._project(project).labels
        for name in sorted(names):
            spec = BY_NAME.get(name)
            if spec is None or (project, name) in self._labels_known:
                continue
            data = {"name": name, "color": f"#{spec.color}", "description": spec.description}
            try:
                self._call(f"creating label {name} in {project}", labels.create, data)
            except PermanentError as exc:
                if not is_conflict(exc):
                    raise
            self._labels_known.add((project, name))

    def set_labels(self, ref: TrackerRef, add: Sequence[str], remove: Sequence[str]) -> None:
        current = set(self._get_issue(ref).get("labels") or ())
        to_add, to_remove = _resolve_in_order(current, add, remove)
        if not to_add and not to_remove:
            return
        self._ensure_label_definitions(ref.project, to_add)
        data: dict[str, Any] = {}
        if to_add:
            data["add_labels"] = sorted(to_add)
        if to_remove:
            data["remove_labels"] = sorted(to_remove)
        issues = self._project(ref.project).issues
        self._call(f"changing labels of {ref}", issues.update, ref.number, data)

    def comment(self, ref: TrackerRef, body: str, *, marker_id: str | None = None) -> bool | None:
        """An internal note, after re-checking that the issue is confidential."""
        self.check_private(ref)
        body = defuse_commands(body)  # GitLab would run a line starting with / as the bot
        issue = self._project(ref.project).issues.get(ref.number, lazy=True)
        if marker_id is not None:
            notes = self._call(
                f"listing notes of {ref}", issue.notes.list, iterator=True, per_page=100
            )
            for note in self._call(f"listing notes of {ref}", drain, notes):
                if has_marker(attrs_of(note).get("body"), marker_id):
                    return False
            body = with_marker(body, marker_id)
        self._create(
            f"writing an internal note on {ref}",
            issue.notes.create,
            {"body": body, "internal": True},
        )
        return True

    def _set_state(self, ref: TrackerRef, event: str, target: str) -> None:
        if self._get_issue(ref).get("state") == target:
            return
        issues = self._project(ref.project).issues
        self._call(f"{event} {ref}", issues.update, ref.number, {"state_event": event})

    def close(self, ref: TrackerRef) -> None:
        self._set_state(ref, "close", "closed")

    def reopen(self, ref: TrackerRef) -> None:
        self._set_state(ref, "reopen", "opened")

    def set_advisory_fields(self, ref: TrackerRef, fields: Mapping[str, Any]) -> None:
        raise PermanentError(f"{ref} is a GitLab issue, not an advisory: it has no advisory "
                             "fields")

    def link(self, ref: TrackerRef, other: TrackerRef) -> None:
        """A ``relates_to`` issue link (cross-project allowed), once."""
        self._check_ref(ref)
        if other.tracker != self._name or other.number is None:
            raise PermanentError(f"cannot link {ref} to {other}: not an issue of the same GitLab")
        target = attrs_of(
            self._call(f"reading project {other.project}", self._gl.projects.get, other.project)
        )
        issue = self._project(ref.project).issues.get(ref.number, lazy=True)
        linked = self._call(f"listing links of {ref}", issue.links.list, get_all=True)
        for item in linked:
            a = attrs_of(item)
            if a.get("project_id") == target.get("id") and a.get("iid") == other.number:
                return
        data = {
            "target_project_id": other.project,
            "target_issue_iid": other.number,
            "link_type": "relates_to",
        }
        try:
            self._call(f"linking {ref} to {other}", issue.links.create, data)
        except PermanentError as exc:
            if not is_conflict(exc):
                raise

    def get_issue(self, ref: TrackerRef) -> IssueSnapshot:
        issue = self._get_issue(ref)
        state = issue.get("state")
        labels = issue.get("labels") or []
        return IssueSnapshot(
            ref=ref,
            title=str(issue.get("title") or ""),
            state="open" if state == "opened" else str(state or "unknown"),
            labels=tuple(str(x) for x in labels),
            private=issue.get("confidential") is True,
            url=issue.get("web_url") if isinstance(issue.get("web_url"), str) else None,
            moved_to=self._moved_to(issue.get("moved_to_id")),
        )

    def _moved_to(self, moved_to_id: Any) -> TrackerRef | None:
        """Where a moved issue went. ``GET /issues/:id`` is for administrators only; for any
        other token the destination stays unknown (None)."""
        if not isinstance(moved_to_id, int) or isinstance(moved_to_id, bool):
            return None
        try:
            moved = attrs_of(
                self._call("reading a moved issue", self._gl.http_get, f"/issues/{moved_to_id}")
            )
        except (NotFound, ConfigurationError):
            return None
        full = (moved.get("references") or {}).get("full")
        if isinstance(full, str) and "#" in full:
            project, _, number = full.rpartition("#")
            if number.isdigit():
                return TrackerRef(self._name, project, int(number))
        return None
