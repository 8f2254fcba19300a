"""Tracker references: one canonical text form, parsed and printed here only.

Forms (``docs/reference-format.md``):

* ``github:OWNER/REPO#N`` — an issue or pull request
* ``github:OWNER/REPO@GHSA-xxxx-xxxx-xxxx`` — a repository security advisory
* ``gitlab:GROUP/SUBGROUP/PROJECT#IID`` — an issue (any depth of groups)
* ``NAME:...`` — the same, for a tracker configured under NAME (GitHub Enterprise,
  self-managed GitLab, or another kind); NAME's kind comes from configuration.

Each kind's spelling is a ``RefForm``: GitHub's and GitLab's are here; another kind declares
its own in its adapter package (``adapters.<kind>.refs``) and the registry hands it over.

Web URLs of issues and advisories on github.com / gitlab.com (and on configured hosts)
are accepted and normalised.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
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


def bad_ref(text: str, why: str) -> InputError:
    """The InputError for a malformed reference ``text`` (for a kind's ``RefForm``)."""
    shown = text if len(text) <= 120 else text[:117] + "..."
    return InputError(f"bad tracker reference {shown!r}: {why}; accepted forms: {ACCEPTED_FORMS}")


PathParser = Callable[[str, Sequence[str]], "tuple[str, int | None, str | None]"]
"""``(text, URL path segments) -> (project, issue number, advisory id)``; raises InputError
(through ``bad_ref``) when the path is not an issue of this kind."""


@dataclass(frozen=True, slots=True)
class RefForm:
    """How one kind of tracker spells a project and an issue's web URL (pure data)."""

    kind: str
    project: re.Pattern[str]
    """A valid project path (applied with ``fullmatch``)."""
    project_hint: str
    """Said when the project does not match: ``a GitHub project is OWNER/REPO``."""
    url_path: PathParser
    advisories: bool = False
    """Whether ``NAME:PROJECT@GHSA-…`` refs exist for this kind."""

    def check_project(self, text: str, project: str) -> str:
        if not self.project.fullmatch(project):
            raise bad_ref(text, self.project_hint)
        return project


def ref_number(text: str, raw: str) -> int:
    """An issue number: a positive whole number in ASCII digits."""
    if not _NUMBER.fullmatch(raw):
        raise bad_ref(text, "the issue number must be a positive whole number")
    return int(raw)


def _form(value: RefForm | str) -> RefForm:
    return value if isinstance(value, RefForm) else BUILTIN_FORMS[TrackerKind(value)]


def parse_ref(
    text: str,
    trackers: Mapping[str, RefForm | TrackerKind] = DEFAULT_TRACKERS,
    hosts: Mapping[str, str] = DEFAULT_HOSTS,
) -> TrackerRef:
    """Parse a canonical reference or a web URL; raise InputError naming the accepted forms.

    ``trackers`` maps tracker names to their kind's ``RefForm`` (a built-in ``TrackerKind``
    stands for its form); ``hosts`` maps web hosts to tracker names.
    """
    text = text.strip()
    if not text:
        raise bad_ref(text, "it is empty")
    if text.startswith(("https://", "http://")):
        return _parse_url(text, trackers, hosts)
    name, sep, rest = text.partition(":")
    if not sep or not _NAME.fullmatch(name):
        raise bad_ref(text, "it does not start with a tracker name and a colon")
    kind = trackers.get(name)
    if kind is None:
        raise bad_ref(text, f"no tracker named {name!r} is configured")
    form = _form(kind)
    if "@" in rest:
        project, _, ghsa = rest.rpartition("@")
        if not form.advisories:
            raise bad_ref(text, "advisories (@GHSA-...) exist only on GitHub trackers")
        if not _GHSA.fullmatch(ghsa):
            raise bad_ref(text, "an advisory id looks like GHSA-xxxx-xxxx-xxxx")
        return TrackerRef(name, form.check_project(text, project), None, _norm_ghsa(ghsa))
    project, sep, num = rest.rpartition("#")
    if not sep:
        raise bad_ref(text, "it names no issue (#N) or advisory (@GHSA-...)")
    return TrackerRef(name, form.check_project(text, project), ref_number(text, num))


def _norm_ghsa(ghsa: str) -> str:
    return "GHSA-" + ghsa[5:].lower()


def _parse_url(
    text: str, trackers: Mapping[str, RefForm | TrackerKind], hosts: Mapping[str, str]
) -> TrackerRef:
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    name = hosts.get(host)
    if name is None or name not in trackers:
        raise bad_ref(text, f"the host {host!r} is not a configured tracker")
    form = _form(trackers[name])
    segs = [s for s in parts.path.split("/") if s]
    project, number, ghsa = form.url_path(text, segs)
    return TrackerRef(name, form.check_project(text, project), number, ghsa)


def _github_path(text: str, segs: Sequence[str]) -> tuple[str, int | None, str | None]:
    if len(segs) == 4 and segs[2] in ("issues", "pull"):
        return "/".join(segs[:2]), ref_number(text, segs[3]), None
    advisory = len(segs) == 5 and list(segs[2:4]) == ["security", "advisories"]
    if advisory and _GHSA.fullmatch(segs[4]):
        return "/".join(segs[:2]), None, _norm_ghsa(segs[4])
    raise bad_ref(text, "not the URL of a GitHub issue, pull request or advisory")


def _gitlab_path(text: str, segs: Sequence[str]) -> tuple[str, int | None, str | None]:
    if "-" in segs:
        i = list(segs).index("-")
        tail = segs[i + 1 :]
        if len(tail) == 2 and tail[0] in ("issues", "work_items"):
            return "/".join(segs[:i]), ref_number(text, tail[1]), None
    raise bad_ref(text, "not the URL of a GitLab issue")


_GH_PART = r"[A-Za-z0-9_.-]{1,100}"
_GL_PART = r"[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}"
BUILTIN_FORMS: Mapping[TrackerKind, RefForm] = {
    TrackerKind.GITHUB: RefForm(
        "github", re.compile(rf"{_GH_PART}/{_GH_PART}", re.ASCII),
        "a GitHub project is OWNER/REPO", _github_path, advisories=True),
    TrackerKind.GITLAB: RefForm(
        "gitlab", re.compile(rf"{_GL_PART}(/{_GL_PART})+", re.ASCII),
        "a GitLab project is GROUP[/SUBGROUP...]/PROJECT", _gitlab_path),
}
