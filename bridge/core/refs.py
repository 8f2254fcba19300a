"""Tracker references: one canonical text form, parsed and printed here only.

Forms (``docs/reference-format.md``):

* ``github:OWNER/REPO#N`` — an issue or pull request
* ``github:OWNER/REPO@GHSA-xxxx-xxxx-xxxx`` — a repository security advisory
* ``gitlab:GROUP/SUBGROUP/PROJECT#IID`` — an issue (any depth of groups)
* ``NAME:...`` — the same, for a tracker configured under NAME (GitHub Enterprise,
  self-managed GitLab); NAME's kind comes from configuration.

Web URLs of issues and advisories on github.com / gitlab.com (and on configured hosts)
are accepted and normalised.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import total_ordering
from urllib.parse import urlsplit

from bridge.core.errors import InputError


class TrackerKind(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"


class RefKind(StrEnum):
    ISSUE = "issue"
    ADVISORY = "advisory"


ACCEPTED_FORMS = (
    "github:OWNER/REPO#NUMBER, github:OWNER/REPO@GHSA-xxxx-xxxx-xxxx, "
    "gitlab:GROUP[/SUBGROUP...]/PROJECT#IID, NAME:... for a configured tracker, "
    "or the web URL of an issue or advisory"
)

# Patterns are applied with ``fullmatch`` (``$`` would accept a trailing newline) and are
# ASCII-only (``str.isdigit`` accepts "²" and "١", which ``int`` then refuses or re-spells).
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_GH_SEGMENT = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_GL_SEGMENT = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}")
_GHSA = re.compile(r"GHSA(-[23456789cfghjmpqrvwx]{4}){3}", re.IGNORECASE)
_NUMBER = re.compile(r"[1-9][0-9]{0,11}")


@total_ordering
@dataclass(frozen=True, slots=True)
class TrackerRef:
    """A reference to one issue or advisory in one tracker."""

    tracker: str
    """The tracker's name: ``github``, ``gitlab`` or a configured name."""
    project: str
    """``OWNER/REPO`` on GitHub, the full project path on GitLab."""
    number: int | None = None
    """Issue number (GitHub) or IID (GitLab); None for an advisory."""
    ghsa: str | None = None
    """The advisory's GHSA id, for advisories."""

    @property
    def kind(self) -> RefKind:
        return RefKind.ADVISORY if self.ghsa else RefKind.ISSUE

    def __str__(self) -> str:
        if self.ghsa:
            return f"{self.tracker}:{self.project}@{self.ghsa}"
        return f"{self.tracker}:{self.project}#{self.number}"

    def sort_key(self) -> tuple[str, str, int, str]:
        """Tracker, project, then issues by number before advisories by GHSA id."""
        return (self.tracker, self.project, -1 if self.number is None else self.number,
                self.ghsa or "")

    def __lt__(self, other: object) -> bool:
        # Not dataclass(order=True): comparing an issue's number with an advisory's None
        # would raise TypeError when sorting a project's issues and advisories together.
        if not isinstance(other, TrackerRef):
            return NotImplemented
        return self.sort_key() < other.sort_key()


DEFAULT_TRACKERS: Mapping[str, TrackerKind] = {
    "github": TrackerKind.GITHUB,
    "gitlab": TrackerKind.GITLAB,
}
DEFAULT_HOSTS: Mapping[str, str] = {"github.com": "github", "gitlab.com": "gitlab"}


def _bad(text: str, why: str) -> InputError:
    shown = text if len(text) <= 120 else text[:117] + "..."
    return InputError(f"bad tracker reference {shown!r}: {why}; accepted forms: {ACCEPTED_FORMS}")


def _check_project(text: str, kind: TrackerKind, project: str) -> str:
    parts = project.split("/")
    if kind is TrackerKind.GITHUB:
        if len(parts) != 2 or not all(_GH_SEGMENT.fullmatch(p) for p in parts):
            raise _bad(text, "a GitHub project is OWNER/REPO")
    elif len(parts) < 2 or not all(_GL_SEGMENT.fullmatch(p) for p in parts):
        raise _bad(text, "a GitLab project is GROUP[/SUBGROUP...]/PROJECT")
    return project


def _number(text: str, raw: str) -> int:
    if not _NUMBER.fullmatch(raw):
        raise _bad(text, "the issue number must be a positive whole number")
    return int(raw)


def parse_ref(
    text: str,
    trackers: Mapping[str, TrackerKind] = DEFAULT_TRACKERS,
    hosts: Mapping[str, str] = DEFAULT_HOSTS,
) -> TrackerRef:
    """Parse a canonical reference or a web URL; raise InputError naming the accepted forms.

    ``trackers`` maps tracker names to their kind; ``hosts`` maps web hosts to tracker names.
    """
    text = text.strip()
    if not text:
        raise _bad(text, "it is empty")
    if text.startswith(("https://", "http://")):
        return _parse_url(text, trackers, hosts)
    name, sep, rest = text.partition(":")
    if not sep or not _NAME.fullmatch(name):
        raise _bad(text, "it does not start with a tracker name and a colon")
    kind = trackers.get(name)
    if kind is None:
        raise _bad(text, f"no tracker named {name!r} is configured")
    if "@" in rest:
        project, _, ghsa = rest.rpartition("@")
        if kind is not TrackerKind.GITHUB:
            raise _bad(text, "advisories (@GHSA-...) exist only on GitHub trackers")
        if not _GHSA.fullmatch(ghsa):
            raise _bad(text, "an advisory id looks like GHSA-xxxx-xxxx-xxxx")
        return TrackerRef(name, _check_project(text, kind, project), None, _norm_ghsa(ghsa))
    project, sep, num = rest.rpartition("#")
    if not sep:
        raise _bad(text, "it names no issue (#N) or advisory (@GHSA-...)")
    return TrackerRef(name, _check_project(text, kind, project), _number(text, num))


def _norm_ghsa(ghsa: str) -> str:
    return "GHSA-" + ghsa[5:].lower()


def _parse_url(
    text: str, trackers: Mapping[str, TrackerKind], hosts: Mapping[str, str]
) -> TrackerRef:
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    name = hosts.get(host)
    if name is None or name not in trackers:
        raise _bad(text, f"the host {host!r} is not a configured tracker")
    kind = trackers[name]
    segs = [s for s in parts.path.split("/") if s]
    if kind is TrackerKind.GITHUB:
        if len(segs) == 4 and segs[2] in ("issues", "pull"):
            project = "/".join(segs[:2])
            return TrackerRef(name, _check_project(text, kind, project), _number(text, segs[3]))
        advisory = len(segs) == 5 and segs[2:4] == ["security", "advisories"]
        if advisory and _GHSA.fullmatch(segs[4]):
            project = _check_project(text, kind, "/".join(segs[:2]))
            return TrackerRef(name, project, None, _norm_ghsa(segs[4]))
        raise _bad(text, "not the URL of a GitHub issue, pull request or advisory")
    if "-" in segs:
        i = segs.index("-")
        tail = segs[i + 1 :]
        if len(tail) == 2 and tail[0] in ("issues", "work_items"):
            project = "/".join(segs[:i])
            return TrackerRef(name, _check_project(text, kind, project), _number(text, tail[1]))
    raise _bad(text, "not the URL of a GitLab issue")
