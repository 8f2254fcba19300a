"""``GitHubAdapter``: the bridge's writes and reads on GitHub (``TrackerAdapter`` protocol).

Destinations: ``ADVISORY`` = a draft repository security advisory; ``PRIVATE_ISSUE`` = an
issue in a private repository. Before each write of report content the destination is
re-checked through the API (``check_private``); a destination that is, or became, public
raises NotPrivateError and nothing is written. Creates are idempotent by hidden marker, on
what the bot itself created only: an issue or a privately reported advisory that merely carries
the marker is never adopted (``EnsureResult.planted``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from github import Github

from adapters.github import advisories, advisory_text, issues, permissions
from adapters.github.client import DEFAULT_BASE_URL, make_github
from adapters.github.session import Session
from bridge.core.effects import Destination, DestinationMode
from bridge.core.errors import ConfigurationError, NotPrivateError
from bridge.core.markers import marker_token, with_marker
from bridge.core.refs import TrackerRef
from bridge.core.safetext import code
from bridge.core.tracker import Capability, EnsureResult, IssueSnapshot
from bridge.core.ttlcache import TtlCache


class GitHubAdapter:
    """Writes to GitHub through PyGithub; every method raises only bridge.core.errors types."""

    kind: ClassVar[str] = "github"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.PRIVATE_ISSUES,
            Capability.ADVISORIES,
            Capability.CVE_REQUEST,
            Capability.SIGNED_WEBHOOKS,
        }
    )

    def __init__(
        self,
        github: Github,
        *,
        name: str = "github",
        bot_login: str | None = None,
        clock: Callable[[], float] = time.time,
        scan_limit: int = 300,
        advisory_ecosystem: str = "other",
        advisory_severity: str | None = None,
        min_permission: str = "write",
        permission_ttl: float = 60.0,
    ) -> None:
        """``bot_login``: the login the bridge writes as (needed for App installation tokens,
        which cannot read ``GET /user``: use ``<app-slug>[bot]``). ``clock`` gives epoch
        seconds (rate-limit reset arithmetic). ``advisory_*``: the package ecosystem and the
        optional severity of new draft advisories (GitHub requires one affected package).
        ``min_permission``: the weakest repository role whose labels and commands count
        (``permissions.RANKS``); answers are cached ``permission_ttl`` seconds by ``clock``."""
        if permissions.RANKS.get(min_permission, 0) < permissions.RANKS["triage"]:
            raise ConfigurationError(
                f"min_permission {min_permission[:20]!r}: use triage, write, maintain or admin")
        self._s = Session(github, clock, scan_limit)
        self._name = name
        self._bot_login = bot_login
        self._ecosystem = advisory_ecosystem
        self._severity = advisory_severity
        self._min_rank = permissions.RANKS[min_permission]
        self._ranks: TtlCache[tuple[str, str], int] = TtlCache(permission_ttl, clock)

    @classmethod
    def connect(
        cls,
        base_url: str = DEFAULT_BASE_URL,
        *,
        token: str | None = None,
        app_id: int | str | None = None,
        private_key: str | None = None,
        installation_id: int | None = None,
        timeout: int = 15,
        **options: Any,
    ) -> GitHubAdapter:
        """An adapter with its own client (see ``adapters.github.client.make_github``)."""
        gh = make_github(
            base_url,
            token=token,
            app_id=app_id,
            private_key=private_key,
            installation_id=installation_id,
            timeout=timeout,
        )
        return cls(gh, **options)

    @property
    def name(self) -> str:
        return self._name

    # -- identity ------------------------------------------------------------------------

    def bot_identity(self) -> str:
        if self._bot_login is None:

            def fetch() -> str:
                return str(self._s.gh.get_user().login)

            self._bot_login = self._s.call(
                "read the authenticated user (GET /user; App installation tokens cannot: "
                "configure the bot login instead)",
                fetch,
            )
        return self._bot_login

    def actor_can_write(self, target: TrackerRef | str, login: str) -> bool:
        project = target if isinstance(target, str) else target.project
        if isinstance(target, TrackerRef):
            self._own(target.tracker)
        key = (project.lower(), login.lower())
        rank = self._ranks.get(key)
        if rank is None:
            rank = permissions.permission_rank(self._s, project, login)
            self._ranks.put(key, rank)
        return rank >= self._min_rank

    # -- privacy -------------------------------------------------------------------------

    def _own(self, tracker: str) -> None:
        if tracker != self._name:
            raise ConfigurationError(
                f"tracker {tracker[:40]!r} is not this adapter's ({self._name!r})"
            )

    def check_private(self, destination: Destination | TrackerRef) -> None:
        self._own(destination.tracker)
        if isinstance(destination, Destination):
            if destination.mode is DestinationMode.ADVISORY:
                # new advisories are created as drafts; the repository must be reachable
                self._s.repo_is_private(destination.project)
                return
            if destination.mode is not DestinationMode.PRIVATE_ISSUE:
                raise ConfigurationError(
                    f"destination mode {destination.mode.value!r} is not available on GitHub; "
                    "use 'advisory' or 'private_issue'"
                )
            if not self._s.repo_is_private(destination.project):
                raise NotPrivateError(
                    f"{destination.project} is public: report content is not written there"
                )
            return
        if destination.ghsa:
            state = advisories.state(self._s, destination.project, destination.ghsa)
            if state not in advisories.PRIVATE_STATES:
                raise NotPrivateError(f"advisory {destination} is {state!r}, no longer a draft")
            return
        # where the issue lives *now*: after a transfer GitHub redirects the old address to the
        # new repository, and that is where a write would land
        home = destination.project
        if destination.number is not None:
            home = issues.read_issue(self._s, destination.project, destination.number).project
        if not self._s.repo_is_private(home):
            moved = f" (transferred to {home})" if home != destination.project else ""
            raise NotPrivateError(
                f"{destination}{moved} is in a public repository: report content is not "
                "written there"
            )

    # -- create --------------------------------------------------------------------------

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
        self.check_private(destination)
        token = marker_token(object_id)
        marked = with_marker(body, object_id)
        project = destination.project
        if destination.mode is DestinationMode.ADVISORY:
            ghsa, foreign = (None, ()) if fresh else advisories.find_marked(
                self._s, project, token, self.bot_identity())
            planted = tuple(TrackerRef(self._name, project, None, g) for g in foreign)
            if ghsa is not None:
                return EnsureResult(ref=TrackerRef(self._name, project, None, ghsa),
                                    created=False, planted=planted)
            ghsa = advisories.create_draft(
                self._s,
                project,
                title,
                marked,
                token,
                ecosystem=self._ecosystem,
                severity=self._severity,
                labels=labels,
                bot=self.bot_identity,
            )
            return EnsureResult(ref=TrackerRef(self._name, project, None, ghsa), created=True,
                                planted=planted)
        number, others = (None, ()) if fresh else issues.find_marked_issue(
            self._s, project, token, self.bot_identity())
        planted = tuple(TrackerRef(self._name, project, n) for n in others)
        if number is not None:
            return EnsureResult(ref=TrackerRef(self._name, project, number), created=False,
                                planted=planted)
        number = issues.create_issue(self._s, project, title, marked, labels, token,
                                     self.bot_identity)
        return EnsureResult(ref=TrackerRef(self._name, project, number), created=True,
                            planted=planted)

    # -- labels, comments, state ---------------------------------------------------------

    def set_labels(self, ref: TrackerRef, add: Sequence[str], remove: Sequence[str]) -> None:
        self._own(ref.tracker)
        if ref.ghsa:
            advisories.set_labels(self._s, ref.project, ref.ghsa, add, remove)
        else:
            issues.set_labels(self._s, ref.project, _number(ref), add, remove)

    def comment(self, ref: TrackerRef, body: str, *, marker_id: str | None = None) -> bool | None:
        self.check_private(ref)
        text = with_marker(body, marker_id) if marker_id else body
        if ref.ghsa:
            advisories.add_note(self._s, ref.project, ref.ghsa, text, marker_id)
            return None  # the note may have been there already: not known here
        number = _number(ref)
        if marker_id and issues.has_comment(self._s, ref.project, number, marker_id):
            return False
        issues.create_comment(self._s, ref.project, number, text, marker_id)
        return True

    def close(self, ref: TrackerRef) -> None:
        self._own(ref.tracker)
        if ref.ghsa:
            advisories.set_state(self._s, ref.project, ref.ghsa, "closed")
        else:
            issues.set_state(self._s, ref.project, _number(ref), "closed")

    def reopen(self, ref: TrackerRef) -> None:
        self._own(ref.tracker)
        if ref.ghsa:
            advisories.set_state(self._s, ref.project, ref.ghsa, "draft")
        else:
            issues.set_state(self._s, ref.project, _number(ref), "open")

    def link(self, ref: TrackerRef, other: TrackerRef) -> None:
        """GitHub has no issue links: a private comment (advisory note) naming ``other``, once."""
        self.comment(
            ref,
            f"Linked by vultron-bridge with {code(str(other))}.",
            marker_id=f"link:{ref}->{other}",
        )

    # -- advisories only -----------------------------------------------------------------

    def publish_advisory(self, ref: TrackerRef) -> None:
        """Draft → published (the advisory and its description become public)."""
        self._own(ref.tracker)
        advisories.set_state(self._s, ref.project, _ghsa(ref), "published")

    def set_advisory_fields(self, ref: TrackerRef, fields: Mapping[str, Any]) -> None:
        """The case's fields in the draft advisory's own (summary, CVE id, CWE ids, CVSS,
        vulnerabilities); NotPrivateError once it is published or closed."""
        self._own(ref.tracker)
        advisories.set_fields(self._s, ref.project, _ghsa(ref), fields)

    def request_cve(self, ref: TrackerRef) -> None:
        """Ask GitHub (a CNA) for a CVE id for the advisory (public repositories only)."""
        self._own(ref.tracker)
        advisories.request_cve(self._s, ref.project, _ghsa(ref))

    # -- reads ---------------------------------------------------------------------------

    def get_issue(self, ref: TrackerRef) -> IssueSnapshot:
        self._own(ref.tracker)
        if ref.ghsa:
            adv = advisories.get(self._s, ref.project, ref.ghsa)
            state = str(adv.state)
            return IssueSnapshot(
                ref=ref,
                title=str(adv.summary),
                state=state,
                labels=tuple(sorted(advisory_text.read_labels(adv.description))),
                private=state in advisories.PRIVATE_STATES,
                url=adv.html_url,
            )
        data = issues.read_issue(self._s, ref.project, _number(ref))
        here = TrackerRef(self._name, data.project, data.number)
        return IssueSnapshot(
            ref=ref,
            title=data.title,
            state=data.state,
            labels=data.labels,
            private=self._s.repo_is_private(data.project),
            url=data.url,
            moved_to=here if here != ref else None,
        )


def _number(ref: TrackerRef) -> int:
    if ref.number is None:
        raise ConfigurationError(f"{ref} names no issue number")
    return ref.number


def _ghsa(ref: TrackerRef) -> str:
    if not ref.ghsa:
        raise ConfigurationError(f"{ref} is not an advisory")
    return ref.ghsa
