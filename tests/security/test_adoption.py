"""A marker does not make an issue ours: the bridge writes only into issues and advisories it
created itself (its own intent and its own bot identity), never into one that merely carries
its hidden marker.

The attack: a stranger files something the bridge can see — a private vulnerability report
(a triage advisory), an issue in the private repository, a confidential GitLab issue —
containing our marker for a report id. An Offer of that report id whose first attempt failed
(so the retry searches for the marker), or the GitHub Action (which always searches), used to
adopt the stranger's item as the report's mirror and write the report and later case notes into
it. Now: not adopted, our own issue is created, the planted marker is audited and alarmed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bridge.core.markers import has_marker, marker_for
from bridge.store import audit, db, links
from tests.action.harness import action_env
from tests.fakes.github import Fault
from tests.fakes.github.model import Advisory, Issue, User, ghsa_for, next_id
from tests.support.app_env import FINDER, VENDOR_BASE, Env, make_env, offer

REPORT = "https://finder.example/reports/1"
NOTE_CANARY = "NOTE-CANARY-5d1e the vendor's patch plan"


@dataclass
class Planted:
    ref: str
    snapshot: Callable[[], str]
    """Everything the stranger's item holds now (body and comments/notes)."""


def _plant_github_issue(env: Env) -> Planted:
    fake = env.tracker.fake
    with fake.lock:
        repo = fake.repos["acme/embargoed"]
        issue = Issue(repo.next_number(), "please look", f"hi {marker_for(REPORT)}",
                      User("mallory"))
        repo.issues[issue.number] = issue

    def snapshot() -> str:
        return (issue.body or "") + "".join(c.body for c in issue.comments)

    return Planted(f"github:acme/embargoed#{issue.number}", snapshot)


def _plant_github_report(fake: Any, project: str, report: str = REPORT) -> Planted:
    """A private vulnerability report (``POST …/security-advisories/reports``) by a stranger."""
    with fake.lock:
        adv = Advisory(ghsa_for(next_id()), "please look", f"hi {marker_for(report)}",
                       author=User("mallory"), state="triage", reported=True)
        fake.repos[project].advisories[adv.ghsa_id] = adv
    return Planted(f"github:{project}@{adv.ghsa_id}", lambda: adv.description)


def _plant_gitlab_issue(env: Env) -> Planted:
    fake = env.tracker.fake
    mallory = fake.add_user("mallory", "glpat-mallory-0000", role="reporter")
    issue = fake.seed_issue("acme/widgets", mallory, title="please look",
                            description=f"hi {marker_for(REPORT)}", confidential=True)

    def snapshot() -> str:
        return issue.description + "".join(n.body for n in issue.notes)

    return Planted(f"gitlab:acme/widgets#{issue.iid}", snapshot)


def _fail_first_privacy_check(env: Env, kind: str, project: str) -> None:
    if kind == "github":
        env.tracker.fake.inject(Fault("GET", rf"/repos/{project}$", status=503))
    else:
        env.tracker.fake.fail("GET", r"/projects/acme%2Fwidgets$", 503)


def _note(n: int) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
            "id": f"https://finder.example/activities/note-{n}", "actor": FINDER,
            "to": [f"{VENDOR_BASE}/actors/vendor"],
            "object": {"type": "Note", "id": f"https://finder.example/notes/{n}",
                       "context": REPORT, "attributedTo": FINDER, "content": NOTE_CANARY}}


def _service_attempt(tmp: Path, kind: str, mode: str) -> tuple[bool, bool, str]:
    """(refused, leaked, detail) for one tracker/mode."""
    tmp.mkdir(parents=True, exist_ok=True)
    with make_env(tmp, kind=kind, mode=mode) as env:
        project = "acme/widget" if mode == "advisory" else "acme/embargoed"
        if kind == "gitlab":
            planted = _plant_gitlab_issue(env)
        elif mode == "advisory":
            planted = _plant_github_report(env.tracker.fake, project)
        else:
            planted = _plant_github_issue(env)
        before = planted.snapshot()
        _fail_first_privacy_check(env, kind, project)
        env.post(offer(content="REPORT-CANARY"))
        first = env.work()
        with db.transaction(env.rt.sessions) as session:  # the retry is due now
            session.execute(text("UPDATE inbound SET next_attempt_at = 0"))
        second = env.work()
        again = offer(content="REPORT-CANARY")
        again["id"] = "https://finder.example/activities/offer-1-again"  # a re-Offer
        env.post(again)
        env.post(_note(1))
        rest = env.work()
        with env.rt.sessions() as session:
            refs = [str(x.ref) for x in links.links_for_subject(session, REPORT)]
            entries = list(audit.export(session))
        planted_audit = [e for e in entries if e.get("kind") == "tracker.marker_planted"
                         and planted.ref in json.dumps(e)]
        alarmed = any(planted.ref in t for t in env.alarms.texts)
        leaked = planted.snapshot() != before or planted.ref in refs
        ours = [r for r in refs if r != planted.ref]
        refused = bool(planted_audit) and alarmed and len(ours) == 1
        detail = f"work={first + second + rest} links={refs}"
        return refused, leaked, detail


def _action_attempt(tmp: Path) -> tuple[bool, bool, str]:
    """The Action (advisory mode) always searches for the marker, and the oldest marked
    advisory wins a creation race: the stranger's must be neither found nor the winner."""
    tmp.mkdir(parents=True, exist_ok=True)
    with action_env(tmp, public=True) as env:
        report = env.offer(1)["object"]["id"]
        planted = _plant_github_report(env.fake, env.repo, report)
        before = planted.snapshot()
        result = env.dispatch(env.offer(1, content="REPORT-CANARY"))
        mine = [a for a in env.fake.repos[env.repo].advisories.values()
                if a.author.login != "mallory"]
        ghsa = planted.ref.split("@")[1]
        leaked = planted.snapshot() != before or result.outputs.get("advisory") == ghsa
        refused = (len(mine) == 1 and mine[0].state == "draft"
                   and has_marker(mine[0].description, report) and planted.ref in result.summary)
        return refused, leaked, f"code={result.code} advisory={result.outputs.get('advisory')}"


def test_a_planted_marker_is_never_adopted(tmp_path: Path) -> None:
    rows: list[tuple[str, bool, bool, str]] = []
    for name, kind, mode in [("github private issue", "github", "private_issue"),
                             ("github advisory (private report)", "github", "advisory"),
                             ("gitlab confidential issue", "gitlab", "confidential_issue")]:
        rows.append((name, *_service_attempt(tmp_path / name.split()[1], kind, mode)))
    rows.append(("action advisory (private report)", *_action_attempt(tmp_path / "action")))
    print(f"\n{'attempt':<36} refused leaked")
    for name, refused, leaked, detail in rows:
        print(f"{name:<36} {refused!s:<7} {leaked!s:<6} {detail}")
    print(f"attempts={len(rows)} refused={sum(r[1] for r in rows)} "
          f"leaked={sum(r[2] for r in rows)}")
    assert not [r for r in rows if r[2]], "a stranger's item was adopted or written to"
    assert all(r[1] for r in rows), "a planted marker was not refused, audited and alarmed"
