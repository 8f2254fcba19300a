"""Issue operations: find by marker, create, labels, comments, state (PyGithub, via Session)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import islice

from github.Issue import Issue
from github.Repository import Repository

from adapters.github.session import ISSUES_PERMISSION, Session
from bridge.core.errors import AmbiguousWrite, NotFound, PermanentError
from bridge.core.labels import BY_NAME, LABELS, PREFIX, resolve_labels, spec
from bridge.core.markers import has_marker, tokens_in, written_by

SEARCH_LIMIT = 30


def _project_of_api_url(url: str | None) -> str | None:
    """``OWNER/REPO`` from ``.../repos/OWNER/REPO[/...]``."""
    if not url or "/repos/" not in url:
        return None
    parts = url.split("/repos/", 1)[1].split("/")
    return "/".join(parts[:2]) if len(parts) >= 2 else None


def _author(issue: Issue) -> str | None:
    user = issue.user
    return None if user is None else str(user.login)


def find_marked_issue(s: Session, project: str, token: str,
                      bot: str) -> tuple[int | None, tuple[int, ...]]:
    """The number of the issue in ``project`` that ``bot`` created and whose body carries
    marker ``token``, if any; and the numbers of issues carrying it that someone else created
    (planted: never adopted).

    Search first (cheap, but eventually consistent: a just-created issue may be missing), then
    the most recent ``scan_limit`` issues of the repository.
    """
    query = f"{token} repo:{project} in:body is:issue"
    planted: dict[int, None] = {}

    def search() -> int | None:
        for item in islice(s.gh.search_issues(query), SEARCH_LIMIT):
            same_repo = _project_of_api_url(item.repository_url) in (project, None)
            if same_repo and token in tokens_in(item.body):
                if written_by(_author(item), bot):
                    return int(item.number)
                planted[int(item.number)] = None
        return None

    found = s.call(f"search issues in {project}", search, permission=ISSUES_PERMISSION)
    if found is not None:
        return found, tuple(planted)

    def scan() -> int | None:
        listing = s.repo(project).get_issues(state="all", sort="created", direction="desc")
        for issue in islice(listing, s.scan_limit):
            if token in tokens_in(issue.body):
                if written_by(_author(issue), bot):
                    return int(issue.number)
                planted[int(issue.number)] = None
        return None

    found = s.call(f"list issues in {project}", scan, permission=ISSUES_PERMISSION)
    return found, tuple(planted)


def ensure_label_set(s: Session, project: str, names: Sequence[str]) -> None:
    """Create missing labels with their colour and description; the whole ``vultron:*`` set
    on first use in a repository (users apply those labels by hand to drive the protocol)."""
    wanted = list(names)
    if any(n.startswith(PREFIX) for n in names):
        wanted += [label.name for label in LABELS]
    repo = s.repo(project)
    for name in dict.fromkeys(wanted):
        if (project, name) in s.known_labels or name not in BY_NAME:
            continue
        try:
            s.call(f"read label in {project}", partial(_label_color, repo, name))
        except NotFound:
            label = spec(name)
            try:
                s.call(
                    f"create label in {project}",
                    partial(repo.create_label, label.name, label.color, label.description),
                    permission=ISSUES_PERMISSION,
                )
            except PermanentError as exc:
                if "422" not in exc.reason:  # 422 already_exists: created concurrently
                    raise
        s.known_labels.add((project, name))


def _label_color(repo: Repository, name: str) -> str:
    return str(repo.get_label(name).color)


def create_issue(
    s: Session, project: str, title: str, body: str, labels: Sequence[str], token: str,
    bot: Callable[[], str],
) -> int:
    """Create the issue; after an ambiguous failure look once for the marker (on an issue
    ``bot()`` created) before giving up."""
    ensure_label_set(s, project, labels)
    to_add = sorted(resolve_labels(set(), set(labels), set())[0])

    def create() -> int:
        # POST through PyGithub's requester and read the number from the raw answer: an Issue
        # object (its user, labels, repository…) would only be parsed to be thrown away
        _, data = s.gh.requester.requestJsonAndCheck(
            "POST", f"/repos/{project}/issues",
            input={"title": title, "body": body, "labels": to_add},
        )
        number = data.get("number") if isinstance(data, dict) else None
        if not isinstance(number, int):
            raise PermanentError(f"GitHub's answer to the create in {project} has no number")
        return number

    try:
        return s.call(f"create issue in {project}", create, create=True,
                      permission=ISSUES_PERMISSION)
    except AmbiguousWrite:
        found, _ = find_marked_issue(s, project, token, bot())
        if found is None:
            raise
        return found


def _issue(s: Session, project: str, number: int) -> Issue:
    return s.repo(project).get_issue(number)


@dataclass(frozen=True, slots=True)
class IssueData:
    title: str
    state: str
    labels: tuple[str, ...]
    url: str | None
    project: str
    """Where the issue lives now (differs from the one asked for after a transfer)."""
    number: int


def read_issue(s: Session, project: str, number: int) -> IssueData:
    """Title, state, labels, web URL and where the issue lives now (GitHub redirects moved
    issues to their new repository; PyGithub follows the redirect)."""
    issue = _issue(s, project, number)

    def fetch() -> IssueData:
        return IssueData(
            title=str(issue.title),
            state=str(issue.state),
            labels=tuple(sorted(lb.name for lb in issue.labels)),
            url=issue.html_url,
            project=_project_of_api_url(issue.repository_url) or project,
            number=int(issue.number),
        )

    return s.call(f"read issue {project}#{number}", fetch, permission=ISSUES_PERMISSION)


def set_labels(
    s: Session, project: str, number: int, add: Sequence[str], remove: Sequence[str]
) -> None:
    """Add and remove labels, keeping exclusive groups exclusive; minimal writes."""
    issue = _issue(s, project, number)
    where = f"{project}#{number}"
    current = s.call(f"read issue {where}", lambda: {lb.name for lb in issue.labels})
    to_add, to_remove = resolve_labels(current, set(add), set(remove))
    if to_add:
        ensure_label_set(s, project, sorted(to_add))
        s.call(
            f"add labels to {where}",
            lambda: issue.add_to_labels(*sorted(to_add)),
            permission=ISSUES_PERMISSION,
        )
    for name in sorted(to_remove):
        try:
            s.call(
                f"remove a label from {where}",
                partial(issue.remove_from_labels, name),
                permission=ISSUES_PERMISSION,
            )
        except NotFound:
            continue  # already gone: the goal holds


def has_comment(s: Session, project: str, number: int, marker_id: str) -> bool:
    issue = _issue(s, project, number)

    def scan() -> bool:
        return any(has_marker(c.body, marker_id) for c in issue.get_comments())

    return s.call(f"list comments of {project}#{number}", scan, permission=ISSUES_PERMISSION)


def create_comment(s: Session, project: str, number: int, body: str, marker_id: str | None) -> None:
    where = f"{project}#{number}"
    issue = _issue(s, project, number)
    try:
        s.call(
            f"comment on {where}",
            lambda: issue.create_comment(body),
            create=True,
            permission=ISSUES_PERMISSION,
        )
    except AmbiguousWrite:
        if marker_id is None or not has_comment(s, project, number, marker_id):
            raise


def set_state(s: Session, project: str, number: int, state: str) -> None:
    issue = _issue(s, project, number)
    s.call(
        f"set {project}#{number} {state}",
        lambda: issue.edit(state=state),
        permission=ISSUES_PERMISSION,
    )
