"""One PyGithub client plus the boundary: every SDK call goes through ``Session.call``.

``call`` runs a function that may touch the network (PyGithub objects are lazy: reading an
attribute can fetch) and translates whatever it raises into the bridge's error tree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import requests
from github import Github
from github.GithubException import GithubException
from github.Repository import Repository

from adapters.github.errors import translate
from bridge.core.errors import PermanentError

T = TypeVar("T")

ISSUES_PERMISSION = "Issues: write (fine-grained token or App) or the repo scope (classic PAT)"
METADATA_PERMISSION = "Metadata: read (the repository must be visible to the token)"


@dataclass
class Session:
    gh: Github
    clock: Callable[[], float]
    scan_limit: int = 300
    """How many recent issues/advisories the listing fallback reads when search finds nothing."""
    known_labels: set[tuple[str, str]] = field(default_factory=set)
    """(project, label) pairs known to exist, so the label set is created once per process."""

    def call(
        self,
        what: str,
        fn: Callable[[], T],
        *,
        create: bool = False,
        permission: str | None = None,
        missing_means_permission: bool = False,
    ) -> T:
        try:
            return fn()
        except (GithubException, requests.exceptions.RequestException) as exc:
            raise translate(
                exc,
                what,
                now=self.clock,
                create=create,
                permission=permission,
                missing_means_permission=missing_means_permission,
            ) from exc

    def repo(self, project: str) -> Repository:
        """A lazy repository object (no request until an attribute is read)."""
        return self.gh.get_repo(project)

    def repo_is_private(self, project: str) -> bool:
        """``GET /repos/{owner}/{repo}`` → ``private``, fetched now (never cached)."""

        def fetch() -> bool:
            # the raw answer, not a Repository object: only ``private`` is read, and parsing
            # a repository's hundred attributes cost more than the request (per report write)
            _, data = self.gh.requester.requestJsonAndCheck("GET", f"/repos/{project}")
            if not isinstance(data, dict) or not isinstance(data.get("private"), bool):
                raise PermanentError(f"GitHub's answer for {project} has no 'private' flag")
            return bool(data["private"])

        return self.call(f"read repository {project}", fetch, permission=METADATA_PERMISSION)
