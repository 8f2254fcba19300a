"""Reading and writing the bodies that carry state blocks, and finding them (GitHub REST).

A **home** is the private issue or draft advisory that mirrors a report: its body carries the
state block of the report (and of the case it joined). Only what the bridge's own identity
created is a home: an issue or a privately reported advisory that merely carries a marker is
never found, never read for state and never written. Every call goes through the GitHub
adapter's boundary (``adapters.github.session.Session.call``), so failures arrive as the
bridge's error types with the permission the token lacks named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice

from github import Github
from github.NamedUser import NamedUser

from adapters.github.advisories import created_by
from adapters.github.errors import ADVISORY_PERMISSION
from adapters.github.payload import norm_ghsa
from adapters.github.session import ISSUES_PERMISSION, Session
from bridge.core import stateblock
from bridge.core.effects import DestinationMode
from bridge.core.markers import tokens_in, written_by
from bridge.core.refs import TrackerRef

SEARCH_LIMIT = 6
"""At most this many marker searches per run (GitHub allows 30 searches a minute)."""


class Homes:
    def __init__(self, gh: Github, session: Session, tracker: str, scan_limit: int = 300, *,
                 bot: Callable[[], str]) -> None:
        """``bot``: the login the bridge writes as (the adapter's ``bot_identity``)."""
        self._gh = gh
        self._s = session
        self._tracker = tracker
        self._scan_limit = scan_limit
        self._bot = bot

    # -- bodies ------------------------------------------------------------------------------

    def read_body(self, ref: TrackerRef) -> str:
        if ref.ghsa:
            ghsa = ref.ghsa

            def advisory() -> str:
                return str(self._s.repo(ref.project).get_repository_advisory(ghsa).description
                           or "")

            return self._s.call(f"read advisory {ref}", advisory, permission=ADVISORY_PERMISSION,
                                missing_means_permission=True)
        number = _number(ref)

        def issue() -> str:
            return str(self._s.repo(ref.project).get_issue(number).body or "")

        return self._s.call(f"read issue {ref}", issue, permission=ISSUES_PERMISSION)

    def write_body(self, ref: TrackerRef, body: str) -> None:
        if ref.ghsa:
            ghsa = ref.ghsa

            def advisory() -> None:
                self._s.repo(ref.project).get_repository_advisory(ghsa).edit(description=body)

            self._s.call(f"write the state of advisory {ref}", advisory,
                         permission=ADVISORY_PERMISSION, missing_means_permission=True)
            return
        number = _number(ref)

        def issue() -> None:
            self._s.repo(ref.project).get_issue(number).edit(body=body)

        self._s.call(f"write the state of issue {ref}", issue, permission=ISSUES_PERMISSION)

    # -- finding -----------------------------------------------------------------------------

    def _listing(self, project: str, mode: DestinationMode) -> Iterable[tuple[TrackerRef, str]]:
        """Newest first: (ref, body) of the recent issues or advisories of ``project`` that
        the bridge's own identity created."""
        repo = self._s.repo(project)
        bot = self._bot()
        if mode is DestinationMode.ADVISORY:
            for adv in islice(repo.get_repository_advisories(), self._scan_limit):
                if created_by(adv, bot):
                    ghsa = norm_ghsa(str(adv.ghsa_id))
                    yield (TrackerRef(self._tracker, project, None, ghsa),
                           str(adv.description or ""))
            return
        listing = repo.get_issues(state="all", sort="created", direction="desc")
        for issue in islice(listing, self._scan_limit):
            if issue.pull_request is None and written_by(_login(issue.user), bot):
                yield TrackerRef(self._tracker, project, int(issue.number)), str(issue.body or "")

    def locate(self, project: str, mode: DestinationMode,
               tokens: Iterable[str]) -> dict[str, TrackerRef]:
        """Marker token → the home carrying it (search first, then one listing scan)."""
        wanted = list(dict.fromkeys(tokens))
        found: dict[str, TrackerRef] = {}
        if not wanted:
            return found
        permission = ADVISORY_PERMISSION if mode is DestinationMode.ADVISORY else \
            ISSUES_PERMISSION
        if mode is not DestinationMode.ADVISORY:
            for token in wanted[:SEARCH_LIMIT]:
                query = f"{token} repo:{project} in:body is:issue"

                def search(token: str = token, query: str = query) -> TrackerRef | None:
                    for item in islice(self._gh.search_issues(query), 10):
                        ours = written_by(_login(item.user), self._bot())
                        if ours and token in tokens_in(item.body):
                            return TrackerRef(self._tracker, project, int(item.number))
                    return None

                hit = self._s.call(f"search issues in {project}", search, permission=permission)
                if hit is not None:
                    found[token] = hit
        missing = [t for t in wanted if t not in found]
        if missing:
            def scan() -> dict[str, TrackerRef]:
                out: dict[str, TrackerRef] = {}
                for ref, body in self._listing(project, mode):
                    for token in tokens_in(body) & set(missing):
                        out.setdefault(token, ref)
                    if len(out) == len(missing):
                        break
                return out

            found.update(self._s.call(f"list {mode.value}s of {project}", scan,
                                      permission=permission,
                                      missing_means_permission=mode is DestinationMode.ADVISORY))
        return found

    def with_state(self, project: str, mode: DestinationMode) -> list[tuple[TrackerRef, str]]:
        """Recent homes of ``project`` that carry a state block, newest first."""
        permission = ADVISORY_PERMISSION if mode is DestinationMode.ADVISORY else \
            ISSUES_PERMISSION

        def scan() -> list[tuple[TrackerRef, str]]:
            return [(ref, body) for ref, body in self._listing(project, mode)
                    if stateblock.BEGIN in body]

        return self._s.call(f"list {mode.value}s of {project}", scan, permission=permission,
                            missing_means_permission=mode is DestinationMode.ADVISORY)

    def marked(self, project: str, mode: DestinationMode, token: str) -> list[TrackerRef]:
        """Every issue/advisory carrying object marker ``token``, oldest first."""
        permission = ADVISORY_PERMISSION if mode is DestinationMode.ADVISORY else \
            ISSUES_PERMISSION

        def scan() -> list[TrackerRef]:
            return [ref for ref, body in self._listing(project, mode) if token in tokens_in(body)]

        found = self._s.call(f"list {mode.value}s of {project}", scan, permission=permission,
                             missing_means_permission=mode is DestinationMode.ADVISORY)
        return list(reversed(found))

    def retire(self, loser: TrackerRef, winner: TrackerRef) -> None:
        """A duplicate made by a concurrent run: replace its body (dropping the marker, so no
        search finds it again) and close it."""
        text = (f"**vultron-bridge**: duplicate of {_short(winner)}, created by a concurrent run "
                "of the action; closed. The report lives there.\n")
        if loser.ghsa:
            ghsa = loser.ghsa

            def advisory() -> None:
                adv = self._s.repo(loser.project).get_repository_advisory(ghsa)
                if adv.state in ("draft", "triage"):
                    adv.edit(description=text, state="closed")

            self._s.call(f"close duplicate advisory {loser}", advisory,
                         permission=ADVISORY_PERMISSION)
            return
        number = _number(loser)

        def issue() -> None:
            self._s.repo(loser.project).get_issue(number).edit(body=text, state="closed")

        self._s.call(f"close duplicate issue {loser}", issue, permission=ISSUES_PERMISSION)


def _login(user: NamedUser | None) -> str | None:
    return None if user is None else str(user.login)


def _short(ref: TrackerRef) -> str:
    return ref.ghsa if ref.ghsa else f"#{ref.number}"


def _number(ref: TrackerRef) -> int:
    if ref.number is None:
        raise ValueError(f"{ref} names no issue number")
    return ref.number
