"""The plumbing under ``GitLabAdapter``: connection, error translation, privacy checks and
the hidden-marker search (reads only; the writes are in ``adapters.gitlab.adapter``)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from gitlab import exceptions as glexc

from adapters.gitlab.client import GitLabClient
from adapters.gitlab.errors import NO_ANSWER, status_of, translate
from bridge.core.effects import Destination, DestinationMode
from bridge.core.errors import (
    AmbiguousWrite,
    BridgeError,
    ConfigurationError,
    NotFound,
    NotPrivateError,
    PermanentError,
)
from bridge.core.markers import has_marker, marker_token, written_by
from bridge.core.refs import TrackerRef
from bridge.core.tracker import EnsureResult
from bridge.core.ttlcache import TtlCache

T = TypeVar("T")

#: GitLab visibility levels, narrowest first.
VISIBILITY_ORDER = {"private": 0, "internal": 10, "public": 20}
DEVELOPER = 30
"""GitLab's Developer access level: the default minimum for labels and commands to count."""
SEARCH_LIMIT = 100
"""Search hits examined for the exact marker (the token is unique; more hits mean noise)."""
_CAUGHT: tuple[type[BaseException], ...] = (glexc.GitlabError, *NO_ANSWER)


def drain(iterable: Any, limit: int | None = None) -> list[Any]:
    """Read a python-gitlab listing, at most ``limit`` items (pages are fetched lazily, so
    pages beyond the limit are never requested)."""
    return list(itertools.islice(iterable, limit))


def attrs_of(obj: Any) -> dict[str, Any]:
    """The JSON attributes of a python-gitlab object (or a plain dict)."""
    if isinstance(obj, dict):
        return obj
    attributes = getattr(obj, "attributes", None)
    return attributes if isinstance(attributes, dict) else {}


def is_conflict(exc: BridgeError) -> bool:
    """Whether ``exc`` was GitLab's 409 (already exists / already linked)."""
    cause = exc.__cause__
    return cause is not None and status_of(cause) == 409


class GitLabBase:
    """Connection, privacy checks and marker search shared by the adapter's writes."""

    def __init__(
        self,
        url: str,
        *,
        private_token: str | None = None,
        oauth_token: str | None = None,
        job_token: str | None = None,
        name: str = "gitlab",
        username: str | None = None,
        timeout: float = 10.0,
        allowed_visibility: Collection[str] = ("private", "internal", "public"),
        marker_scan_limit: int = 200,
        clock: Callable[[], float] = time.time,
        ssl_verify: bool | str = True,
        min_access_level: int = DEVELOPER,
        permission_ttl: float = 60.0,
    ) -> None:
        """``private_token`` is a personal, project or group access token (all sent as
        ``PRIVATE-TOKEN``); ``oauth_token`` an OAuth 2 access token. ``allowed_visibility``
        restricts which project visibilities may hold confidential report issues; a project
        whose visibility widens while this adapter runs stops writes in any case.
        ``min_access_level``: the weakest membership (10 Guest … 50 Owner) whose labels and
        commands count; answers are cached ``permission_ttl`` seconds by ``clock``."""
        unknown = set(allowed_visibility) - set(VISIBILITY_ORDER)
        if unknown or not allowed_visibility:
            raise ConfigurationError("allowed_visibility takes private, internal and/or public")
        self._client = GitLabClient(
            url,
            private_token=private_token,
            oauth_token=oauth_token,
            job_token=job_token,
            timeout=timeout,
            ssl_verify=ssl_verify,
        )
        self._gl = self._client.gl
        self._name = name
        self._username = username
        self._allowed = frozenset(allowed_visibility)
        self._baseline: dict[str, int] = {}
        self._labels_known: set[tuple[str, str]] = set()
        self._scan_limit = marker_scan_limit
        self._clock = clock
        self._min_access = min_access_level
        self._access: TtlCache[tuple[str, str], int] = TtlCache(permission_ttl, clock)

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    def shutdown(self) -> None:
        """Close the HTTP session (``close`` closes issues: it is the protocol's name)."""
        self._client.close()

    def _call(self, action: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        self._client.forget()
        try:
            return fn(*args, **kwargs)
        except _CAUGHT as exc:
            raise translate(
                exc, action, headers=self._client.last_headers(), now=self._clock()
            ) from exc

    def _project(self, path: str) -> Any:
        return self._gl.projects.get(path, lazy=True)

    def _check_ref(self, ref: TrackerRef) -> int:
        if ref.tracker != self._name:
            raise ConfigurationError(
                f"{ref} belongs to tracker {ref.tracker!r}, not {self._name!r}"
            )
        if ref.number is None:
            raise PermanentError(f"{ref} is not a GitLab issue")
        return ref.number

    def _get_issue(self, ref: TrackerRef) -> dict[str, Any]:
        iid = self._check_ref(ref)
        issue = self._call(f"reading {ref}", self._project(ref.project).issues.get, iid)
        return attrs_of(issue)

    # -- identity and privacy -----------------------------------------------------------------

    def bot_identity(self) -> str:
        if self._username is None:
            user = self._call("reading the token's user (GET /user)", self._gl.http_get, "/user")
            username = attrs_of(user).get("username")
            if not isinstance(username, str) or not username:
                raise ConfigurationError("GitLab's GET /user answer names no username")
            self._username = username
        return self._username

    def actor_can_write(self, target: TrackerRef | str, login: str) -> bool:
        if isinstance(target, TrackerRef):
            self._check_ref(target)
        project = target if isinstance(target, str) else target.project
        key = (project.lower(), login.lower())
        level = self._access.get(key)
        if level is None:
            level = self._access_level(project, login)
            self._access.put(key, level)
        return level >= self._min_access

    def _access_level(self, project: str, login: str) -> int:
        """``login``'s effective access level in ``project`` (inherited and invited-group
        memberships included): ``GET /users?username=`` for the id, then
        ``GET /projects/:id/members/all/:user_id``; 0 for no such user, no membership, or a
        membership that is not active."""
        users = self._call("finding a user by username", self._gl.users.list, username=login,
                            get_all=False)
        ids = [a.get("id") for a in map(attrs_of, users)
               if str(a.get("username", "")).lower() == login.lower()]
        if len(ids) != 1 or not isinstance(ids[0], int):
            return 0
        members = self._project(project).members_all
        try:
            member = attrs_of(self._call(f"reading a member of {project}", members.get, ids[0]))
        except NotFound:
            return 0
        level = member.get("access_level")
        active = member.get("state", "active") == "active"
        return level if isinstance(level, int) and active else 0

    def _check_project(self, path: str) -> None:
        project = attrs_of(self._call(f"reading project {path}", self._gl.projects.get, path))
        visibility = project.get("visibility")
        level = VISIBILITY_ORDER.get(visibility) if isinstance(visibility, str) else None
        if level is None:
            raise NotPrivateError(f"GitLab project {path} reports no known visibility")
        if visibility not in self._allowed:
            allowed = ", ".join(sorted(self._allowed))
            raise NotPrivateError(f"GitLab project {path} is {visibility}; allowed: {allowed}")
        before = self._baseline.setdefault(path, level)
        if level > before:
            raise NotPrivateError(f"GitLab project {path} became {visibility}: writes stopped")
        self._baseline[path] = level
        if project.get("issues_enabled") is False:
            raise ConfigurationError(f"issues are disabled in GitLab project {path}")

    def check_private(self, destination: Destination | TrackerRef) -> None:
        if isinstance(destination, Destination):
            self._check_destination(destination)
            self._check_project(destination.project)
            return
        issue = self._get_issue(destination)
        if issue.get("confidential") is not True:
            raise NotPrivateError(f"{destination} is not confidential: write stopped")
        self._check_project(destination.project)

    def _check_destination(self, destination: Destination) -> None:
        if destination.mode is not DestinationMode.CONFIDENTIAL_ISSUE:
            raise ConfigurationError(
                f"GitLab destinations use mode confidential_issue, not {destination.mode}"
            )
        if destination.tracker != self._name:
            raise ConfigurationError(
                f"destination tracker {destination.tracker!r} is not {self._name!r}"
            )

    # -- issues -----------------------------------------------------------------------------

    def find_marked(self, project: str, object_id: str) -> TrackerRef | None:
        """The issue of ``project`` the bot created carrying ``object_id``'s marker, if any."""
        found, _ = self._find_marked(project, object_id)
        return None if found is None else TrackerRef(self._name, project, int(found["iid"]))

    def _find_marked(self, project: str,
                     object_id: str) -> tuple[dict[str, Any] | None, tuple[int, ...]]:
        """The bot's own issue carrying the marker, and the iids of issues carrying it that
        someone else created (planted: never adopted)."""
        issues = self._project(project).issues
        token = marker_token(object_id)
        action = f"searching {project} for a marker"
        search = self._call(
            action, issues.list, iterator=True, per_page=100, search=token, **{"in": "description"}
        )
        planted: dict[int, None] = {}
        for issue in self._call(action, drain, search, SEARCH_LIMIT):
            found = attrs_of(issue)
            if has_marker(found.get("description"), object_id):
                author = (found.get("author") or {}).get("username")
                if written_by(author if isinstance(author, str) else None, self.bot_identity()):
                    return found, tuple(planted)
                planted[int(found["iid"])] = None
        # Fallback: the search index can lag or be restricted; scan the bot's newest issues.
        listing = self._call(
            action,
            issues.list,
            iterator=True,
            per_page=max(1, min(100, self._scan_limit)),
            author_username=self.bot_identity(),
            order_by="created_at",
            sort="desc",
        )
        for issue in self._call(action, drain, listing, self._scan_limit):
            found = attrs_of(issue)
            author = (found.get("author") or {}).get("username")
            if has_marker(found.get("description"), object_id) and written_by(
                    author if isinstance(author, str) else None, self.bot_identity()):
                return found, tuple(planted)
        return None, tuple(planted)

    def _find_after_ambiguous(self, project: str, object_id: str) -> dict[str, Any] | None:
        try:
            return self._find_marked(project, object_id)[0]
        except BridgeError as exc:
            raise AmbiguousWrite(
                f"a create in {project} got no answer and the re-search failed too; "
                "search for the marker before retrying"
            ) from exc

    def _verified(self, project: str, issue: dict[str, Any], *, created: bool,
                  planted: tuple[TrackerRef, ...] = ()) -> EnsureResult:
        ref = TrackerRef(self._name, project, int(issue["iid"]))
        if issue.get("confidential") is not True:
            raise NotPrivateError(f"{ref} carries report content but is not confidential")
        return EnsureResult(ref=ref, created=created, planted=planted)

    def _create(self, action: str, fn: Callable[..., T], *args: Any) -> T:
        """A create: no answer or a 5xx means it may have happened -> AmbiguousWrite."""
        self._client.forget()
        try:
            return fn(*args)
        except _CAUGHT as exc:
            code = status_of(exc)
            if isinstance(exc, NO_ANSWER) or (code is not None and code >= 500):
                raise AmbiguousWrite(
                    f"no usable answer while {action}: it may have happened; "
                    "search for the marker before retrying"
                ) from exc
            raise translate(
                exc, action, headers=self._client.last_headers(), now=self._clock()
            ) from exc
