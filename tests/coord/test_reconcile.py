"""Drift repair against the fake GitHub and the fake GitLab: deleted, transferred/moved,
relabelled-by-hand and lost-webhook issues; dry runs; an interrupted run resumed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.gitlab.adapter import GitLabAdapter
from bridge.coord import reconcile as rec
from bridge.core.errors import TransientError
from bridge.core.refs import TrackerRef
from bridge.core.tracker import IssueSnapshot
from bridge.store import audit, links, peers, state, writes
from tests.coord.helpers import ACTOR, make_runtime, put_issue, seed_case, seed_links
from tests.fakes.github.harness import PRIVATE_REPO, PUBLIC_REPO, GitHubHarness, github_harness
from tests.fakes.github.model import Issue, Label, User
from tests.fakes.gitlab.harness import CLIENT_TIMEOUT, GitLabHarness, gitlab_harness
from tests.store.dbutil import Database

CASE = "https://coord.example/cases/1"
GH_CONFIG = "trackers: {{github: {{kind: github, url: '{url}', token: t}}}}"
GL_CONFIG = "trackers: {{gitlab: {{kind: gitlab, url: '{url}', token: t}}}}"


@pytest.fixture
def github() -> Iterator[GitHubHarness]:
    with github_harness() as harness:
        yield harness


def gh_issue(h: GitHubHarness, number: int, labels: list[str], state: str = "open",
             repo: str = PRIVATE_REPO) -> str:
    with h.fake.lock:
        r = h.fake.repos[repo]
        for name in labels:
            r.labels.setdefault(name, Label(name, "ededed", None))
        r.issues[number] = Issue(number, f"issue {number}", "body", User("maintainer"),
                                 list(labels), state)
    return f"github:{repo}#{number}"


class Interrupting:
    """Wraps an adapter; ``get_issue`` raises a transient error after ``calls`` calls."""

    def __init__(self, inner: Any, calls: int) -> None:
        self.inner, self.left, self.asked = inner, calls, []  # type: list[str]

    def get_issue(self, ref: TrackerRef) -> IssueSnapshot:
        if self.left <= 0:
            raise TransientError("the tracker timed out")
        self.left -= 1
        self.asked.append(str(ref))
        snap: IssueSnapshot = self.inner.get_issue(ref)
        return snap

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


STATE = ["vultron:accepted", "vultron:embargo-active"]


def _seed_drift(db: Database, h: GitHubHarness) -> dict[str, str]:
    seed_case(db, CASE, em="ACTIVE", participants=((ACTOR, "ACCEPTED"),))
    refs = {
        "ok": gh_issue(h, 1, STATE),
        "deleted": gh_issue(h, 2, STATE),
        "moved": gh_issue(h, 3, STATE),
        "relabelled": gh_issue(h, 4, ["vultron:deferred", "vultron:embargo-active"]),
        "closed": gh_issue(h, 5, STATE, state="closed"),
        "fixed": gh_issue(h, 6, [*STATE, "vultron:fix-ready"]),
    }
    seed_links(db, CASE, list(refs.values()), "mirrors")
    for ref in refs.values():
        put_issue(db, ref, state="open", labels=STATE)
    with h.fake.lock:
        del h.fake.repos[PRIVATE_REPO].issues[2]
        h.fake.repos[PUBLIC_REPO].labels.update(h.fake.repos[PRIVATE_REPO].labels)
    new = h.fake.transfer(PRIVATE_REPO, 3, PUBLIC_REPO)
    refs["moved_to"] = f"github:{PUBLIC_REPO}#{new.number}"
    return refs


def test_reconcile_repairs_every_kind_of_drift(db: Database, github: GitHubHarness) -> None:
    refs = _seed_drift(db, github)
    rt = make_runtime(db, GH_CONFIG.format(url=github.fake.base_url), {"github": github.adapter})
    result = rec.reconcile(rt, CASE)
    assert result.complete and result.checked == 6 and result.total == 6
    found = {(f.ref, f.kind) for f in result.findings}
    assert found == {
        (refs["deleted"], "deleted"), (refs["moved"], "moved"),
        (refs["relabelled"], "relabelled"), (refs["closed"], "state"),
        (refs["fixed"], "labels"),
        (refs["moved_to"], "public"),  # transferred into a public repository mid-embargo
    }
    assert all(f.repaired for f in result.findings if f.kind != "public")
    # deleted: marked, link kept
    with db.reader() as s:
        assert state.get_object(s, f"issue:{refs['deleted']}").data["state"] == "deleted"
        assert [r.subject for r in links.links_for_ref(s, refs["deleted"])] == [CASE]
        # moved: the link follows the issue
        assert links.links_for_ref(s, refs["moved"]) == []
        assert [r.relation.value for r in links.links_for_ref(s, refs["moved_to"])] == [
            "mirrors"]
        # lost webhook: the store learns the issue is closed
        assert state.get_object(s, f"issue:{refs['closed']}").data["state"] == "closed"
        # hand-added fact label: recorded
        assert "vultron:fix-ready" in state.get_object(s, f"issue:{refs['fixed']}").data[
            "labels"]
        kinds = [e["kind"] for e in audit.export(s)]
        assert peers.get_cursor(s, rec.cursor_name(CASE)) == ""
    assert {"reconcile.deleted", "reconcile.state", "reconcile.labels", "link.removed",
            "link.added"} <= set(kinds)
    # relabelled: the state labels were set back in the tracker, as recorded writes
    with github.fake.lock:
        assert sorted(github.fake.repos[PRIVATE_REPO].issues[4].labels) == STATE
    with db.reader() as s:
        assert writes.consume_echo(s, "github", refs["relabelled"], "label_add:vultron:accepted",
                                   rt.clock())
    # a second run finds nothing new
    again = rec.reconcile(rt, CASE)
    assert sorted((f.ref, f.kind) for f in again.findings) == [
        (refs["deleted"], "deleted"), (refs["moved_to"], "public")]


def test_dry_run_reports_and_changes_nothing(sqlite_db: Database, github: GitHubHarness) -> None:
    refs = _seed_drift(sqlite_db, github)
    rt = make_runtime(sqlite_db, GH_CONFIG.format(url=github.fake.base_url),
                      {"github": github.adapter})
    with sqlite_db.reader() as s:
        before = audit.length(s)
    result = rec.reconcile(rt, CASE, dry_run=True)
    assert len(result.findings) == 6 and not any(f.repaired for f in result.findings)
    with sqlite_db.reader() as s:
        assert audit.length(s) == before
        assert links.links_for_ref(s, refs["moved"]) != []
        assert state.get_object(s, f"issue:{refs['closed']}").data["state"] == "open"
        assert peers.get_cursor(s, rec.cursor_name(CASE)) is None
    with github.fake.lock:
        assert "vultron:deferred" in github.fake.repos[PRIVATE_REPO].issues[4].labels


def test_interrupted_run_resumes_after_the_last_finished_ref(
    db: Database, github: GitHubHarness
) -> None:
    refs = _seed_drift(db, github)
    config = GH_CONFIG.format(url=github.fake.base_url)
    flaky = Interrupting(github.adapter, calls=3)
    first = rec.reconcile(make_runtime(db, config, {"github": flaky}), CASE)
    assert not first.complete and first.interrupted == "transient: the tracker timed out"
    assert first.checked == 3
    ordered = sorted(r for k, r in refs.items() if k != "moved_to")
    assert flaky.asked == ordered[:3]
    with db.reader() as s:
        assert peers.get_cursor(s, rec.cursor_name(CASE)) == ordered[2]
    steady = Interrupting(github.adapter, calls=100)
    totals: list[tuple[int, int]] = []
    second = rec.reconcile(make_runtime(db, config, {"github": steady}), CASE,
                           on_total=lambda t, d: totals.append((t, d)))
    # the first run moved #3's link to the transferred issue, which sorts after the cursor:
    # the resumed run checks it too (the refs before the cursor stay done)
    assert second.complete and second.skipped == 2 and second.checked == 4
    assert steady.asked == [*ordered[3:], refs["moved_to"]]
    assert totals == [(6, 2)]
    kinds = {f.kind for f in first.findings} | {f.kind for f in second.findings}
    assert kinds == {"deleted", "moved", "relabelled", "state", "labels", "public"}
    with db.reader() as s:
        assert peers.get_cursor(s, rec.cursor_name(CASE)) == ""


def test_an_unexpected_error_keeps_finished_refs_finished(
    sqlite_db: Database, github: GitHubHarness
) -> None:
    refs = [gh_issue(github, n, []) for n in (1, 2, 3)]
    seed_links(sqlite_db, CASE, refs)

    class Crashing(Interrupting):
        def get_issue(self, ref: TrackerRef) -> IssueSnapshot:
            if self.left <= 0:
                raise KeyboardInterrupt
            return super().get_issue(ref)

    rt = make_runtime(sqlite_db, GH_CONFIG.format(url=github.fake.base_url),
                      {"github": Crashing(github.adapter, 1)})
    with pytest.raises(KeyboardInterrupt):
        rec.reconcile(rt, None)
    with sqlite_db.reader() as s:
        assert peers.get_cursor(s, "reconcile:all") == refs[0]
    restarted = rec.reconcile(make_runtime(sqlite_db, GH_CONFIG.format(
        url=github.fake.base_url), {"github": github.adapter}), None, restart=True)
    assert restarted.checked == 3 and restarted.skipped == 0


def test_unmanaged_issues_keep_their_labels(sqlite_db: Database, github: GitHubHarness) -> None:
    seed_case(sqlite_db, CASE, em="ACTIVE")
    plain = gh_issue(github, 7, ["bug"])
    seed_links(sqlite_db, CASE, [plain], "tracks")
    rt = make_runtime(sqlite_db, GH_CONFIG.format(url=github.fake.base_url),
                      {"github": github.adapter})
    result = rec.reconcile(rt, CASE)
    assert result.findings == []
    with github.fake.lock:
        assert github.fake.repos[PRIVATE_REPO].issues[7].labels == ["bug"]


def test_unconfigured_tracker_is_an_error_finding(sqlite_db: Database) -> None:
    seed_links(sqlite_db, CASE, ["gitlab:g/p#1"])
    rt = make_runtime(sqlite_db, "")
    result = rec.reconcile(rt, CASE)
    assert [(f.kind, f.repaired) for f in result.findings] == [("error", False)]
    assert "no tracker named 'gitlab'" in result.findings[0].detail


def test_unknown_case_is_not_found(sqlite_db: Database) -> None:
    from bridge.core.errors import NotFound

    with pytest.raises(NotFound):
        rec.reconcile(make_runtime(sqlite_db), "https://nowhere.example/c/1")


def test_long_case_ids_get_a_hashed_cursor_name() -> None:
    name = rec.cursor_name("https://x.example/" + "c" * 500)
    assert name.startswith("reconcile:sha256:") and len(name) < 100


# -- GitLab -----------------------------------------------------------------------------------

@pytest.fixture
def gitlab() -> Iterator[GitLabHarness]:
    with gitlab_harness() as harness:
        yield harness


def test_reconcile_against_the_fake_gitlab(sqlite_db: Database, gitlab: GitLabHarness) -> None:
    h = gitlab
    fake = h.fake
    fake.add_user("admin-bot", "admin-token", admin=True)
    issues = [fake.seed_issue(h.project, h.human, title=f"i{n}") for n in range(4)]
    issues[0].labels = ["vultron:valid"]  # relabelled by hand: the store says ACCEPTED
    issues[1].state = "closed"  # closed while the webhook was lost
    moved = fake.seed_issue("acme/other", h.human)
    issues[2].state, issues[2].moved_to_id = "closed", moved.id
    with fake.lock:
        del fake.state.issues[issues[3].id]
    refs = [f"gitlab:{h.project}#{i.iid}" for i in issues]
    seed_case(sqlite_db, CASE, participants=((ACTOR, "ACCEPTED"),))
    seed_links(sqlite_db, CASE, refs, "mirrors")
    for ref in refs:
        put_issue(sqlite_db, ref, state="open", labels=["vultron:accepted"])
    admin = GitLabAdapter(fake.url, private_token="admin-token", timeout=CLIENT_TIMEOUT)
    try:
        rt = make_runtime(sqlite_db, GL_CONFIG.format(url=fake.url), {"gitlab": admin})
        result = rec.reconcile(rt, CASE)
    finally:
        admin.shutdown()
    found = {(f.ref, f.kind) for f in result.findings}
    assert (refs[0], "relabelled") in found
    assert (refs[1], "state") in found
    assert (refs[2], "moved") in found
    assert (refs[3], "deleted") in found
    assert "vultron:accepted" in fake.issue(h.project, issues[0].iid).labels
    assert "vultron:valid" not in fake.issue(h.project, issues[0].iid).labels
    with sqlite_db.reader() as s:
        assert [r.subject for r in links.links_for_ref(s, f"gitlab:acme/other#{moved.iid}")] \
            == [CASE]
