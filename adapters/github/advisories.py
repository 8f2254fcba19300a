"""Repository security advisory operations (drafts are where report content lands).

GitHub advisories have no labels and no comments: labels live in a bridge-managed section of
the description and "comments" are notes appended to another one (``advisory_text``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import islice
from typing import Any

from github.RepositoryAdvisory import RepositoryAdvisory

from adapters.github import advisory_text
from adapters.github.errors import ADVISORY_PERMISSION
from adapters.github.payload import norm_ghsa
from adapters.github.session import Session
from bridge.core.errors import AmbiguousWrite, NotPrivateError
from bridge.core.labels import resolve_labels
from bridge.core.markers import tokens_in, written_by

PRIVATE_STATES = frozenset({"draft", "triage"})
"""Advisory states not visible to the public."""


def _what(project: str, ghsa: str | None = None) -> str:
    return f"advisory {project}@{ghsa}" if ghsa else f"advisories of {project}"


def get(s: Session, project: str, ghsa: str) -> RepositoryAdvisory:
    """The advisory, fetched now."""

    def fetch() -> RepositoryAdvisory:
        adv = s.repo(project).get_repository_advisory(ghsa)
        _ = adv.state  # make sure it is loaded inside the boundary
        return adv

    return s.call(f"read {_what(project, ghsa)}", fetch, permission=ADVISORY_PERMISSION)


def state(s: Session, project: str, ghsa: str) -> str:
    return str(get(s, project, ghsa).state)


def created_by(adv: RepositoryAdvisory, bot: str) -> bool:
    """Whether ``bot`` created the advisory as a draft: its ``author`` is the bot and it is not
    a privately reported vulnerability (those carry ``submission``; their author is the
    reporter, who can read and write them)."""
    author = adv.author
    return adv.submission is None and written_by(
        None if author is None else str(author.login), bot)


def find_marked(s: Session, project: str, token: str,
                bot: str) -> tuple[str | None, tuple[str, ...]]:
    """The GHSA id of the advisory ``bot`` created whose description carries marker
    ``token``, if any; and the GHSA ids of advisories carrying it that someone else created
    (planted: never adopted)."""
    planted: dict[str, None] = {}

    def scan() -> str | None:
        for adv in islice(s.repo(project).get_repository_advisories(), s.scan_limit):
            if token in tokens_in(adv.description):
                ghsa = norm_ghsa(str(adv.ghsa_id))
                if created_by(adv, bot):
                    return ghsa
                planted[ghsa] = None
        return None

    found = s.call(
        f"list {_what(project)}",
        scan,
        permission=ADVISORY_PERMISSION,
        missing_means_permission=True,
    )
    return found, tuple(planted)


def create_draft(
    s: Session,
    project: str,
    summary: str,
    description: str,
    token: str,
    *,
    ecosystem: str,
    severity: str | None,
    labels: Sequence[str] = (),
    bot: Callable[[], str],
) -> str:
    """Create a draft advisory; after an ambiguous failure look once for the marker (on an
    advisory ``bot()`` created)."""
    label_set = resolve_labels(set(), set(labels), set())[0]
    body: dict[str, Any] = {
        "summary": summary[:1024],
        "description": advisory_text.write_labels(description, label_set),
        "vulnerabilities": [{"package": {"ecosystem": ecosystem, "name": project.split("/")[1]}}],
    }
    if severity:
        body["severity"] = severity

    def post() -> str:
        _, data = s.gh.requester.requestJsonAndCheck(
            "POST", f"/repos/{project}/security-advisories", input=body
        )
        return norm_ghsa(str(data["ghsa_id"]))

    try:
        return s.call(
            f"create a draft advisory in {project}",
            post,
            create=True,
            permission=ADVISORY_PERMISSION,
            missing_means_permission=True,
        )
    except AmbiguousWrite:
        found, _ = find_marked(s, project, token, bot())
        if found is None:
            raise
        return found


def _edit(s: Session, adv: RepositoryAdvisory, what: str, **changes: Any) -> None:
    s.call(what, lambda: adv.edit(**changes), permission=ADVISORY_PERMISSION)


def set_labels(
    s: Session, project: str, ghsa: str, add: Sequence[str], remove: Sequence[str]
) -> None:
    adv = get(s, project, ghsa)
    current = advisory_text.read_labels(adv.description)
    to_add, to_remove = resolve_labels(current, set(add), set(remove))
    if not to_add and not to_remove:
        return
    text = advisory_text.write_labels(adv.description, (current - to_remove) | to_add)
    _edit(s, adv, f"set labels on {_what(project, ghsa)}", description=text)


def add_note(s: Session, project: str, ghsa: str, body: str, marker_id: str | None) -> None:
    adv = get(s, project, ghsa)
    if marker_id and advisory_text.has_note(adv.description, marker_id):
        return
    text = advisory_text.append_note(adv.description, body, marker_id)
    _edit(s, adv, f"add a note to {_what(project, ghsa)}", description=text)


def set_state(s: Session, project: str, ghsa: str, new_state: str) -> None:
    adv = get(s, project, ghsa)
    if adv.state == new_state:
        return
    _edit(s, adv, f"set {_what(project, ghsa)} {new_state}", state=new_state)


def set_fields(s: Session, project: str, ghsa: str, fields: Mapping[str, Any]) -> None:
    """Write the advisory's own fields while it is private (draft or triage); unchanged
    values are not written again."""
    adv = get(s, project, ghsa)
    if adv.state not in PRIVATE_STATES:
        raise NotPrivateError(f"{_what(project, ghsa)} is {adv.state}: its fields are not written")
    current = {"summary": adv.summary, "cve_id": adv.cve_id,
               "cwe_ids": [c.cwe_id for c in adv.cwes or []],
               "cvss_vector_string": adv.cvss.vector_string if adv.cvss else None,
               "vulnerabilities": [v.raw_data for v in adv.vulnerabilities or []]}
    changes = {k: v for k, v in fields.items() if current.get(k) != v}
    if not changes:
        return
    kwargs: dict[str, Any] = {k: v for k, v in changes.items()
                              if k in ("summary", "cve_id", "cwe_ids", "vulnerabilities")}
    if "cvss_vector_string" in changes:
        kwargs["severity_or_cvss_vector_string"] = changes["cvss_vector_string"]
    _edit(s, adv, f"set the fields of {_what(project, ghsa)}", **kwargs)


def request_cve(s: Session, project: str, ghsa: str) -> None:
    adv = get(s, project, ghsa)
    s.call(
        f"request a CVE for {_what(project, ghsa)}",
        adv.request_cve,
        permission=ADVISORY_PERMISSION,
    )
