"""The OSV feed: the Action commits the OSV entries of public cases to a branch with git
plumbing. A local bare repository is ``origin`` and a clone of it the workflow's checkout; no
network. The embargo canary: while a case is not public, not one object holding its text
reaches either repository."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from click.testing import CliRunner

from bridge.action.env import ActionEnv
from bridge.action.osvfeed import FeedError, Git, Pushed, after_run, publish, redact
from bridge.action.setup import Run
from bridge.action.summary import Report
from bridge.app.runtime import Runtime
from bridge.cli.main import cli
from bridge.config import BridgeConfig
from bridge.config.publication import OsvFeedConfig, PublicationConfig
from bridge.core.records import feed
from bridge.core.records.fields import CaseFields
from bridge.core.records.osv import build_osv
from bridge.publish.validate import validate_osv
from bridge.store import db, state
from bridge.store.fields import load_fields, save_fields
from bridge.store.schema import create_fresh
from tests.action.harness import ActionEnv as HarnessEnv
from tests.action.harness import Result, action_env
from tests.core.records.samples import NOW as SAMPLE_NOW
from tests.core.records.samples import complete, meta

CANARY = "CANARY-7f3a0c use-after-free in decode()"
CASE = "https://vendor.example/cases/c0ffee"
ENTRY_ID = "x_vultron-c0ffee"
FUTURE = 4102444800.0  # 2100-01-01
NOW = 1_780_000_000.0
FEED = OsvFeedConfig()
GIT_ENV = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
           "PATH": "/usr/local/bin:/usr/bin:/bin", "GIT_AUTHOR_NAME": "Someone",
           "GIT_AUTHOR_EMAIL": "someone@example.invalid", "GIT_COMMITTER_NAME": "Someone",
           "GIT_COMMITTER_EMAIL": "someone@example.invalid"}


def git(where: Path, *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(["git", "-C", str(where), *args], input=data, capture_output=True,  # noqa: S603,S607
                          env=GIT_ENV, check=True)
    return done.stdout.decode().strip()


@dataclass
class Repos:
    origin: Path
    checkout: Path
    tmp: Path

    def git(self) -> Git:
        return Git(self.checkout, GIT_ENV)

    def clone(self, name: str) -> Path:
        path = self.tmp / name
        subprocess.run(["git", "clone", "-q", str(self.origin), str(path)],  # noqa: S603,S607
                       env=GIT_ENV, check=True, capture_output=True)
        return path

    def tip(self, branch: str = "osv") -> str | None:
        found = git(self.origin, "for-each-ref", "--format=%(objectname)", f"refs/heads/{branch}")
        return found or None

    def show(self, path: str, branch: str = "osv") -> dict[str, Any]:
        return cast(dict[str, Any], json.loads(git(self.origin, "show", f"{branch}:{path}")))

    def files(self, branch: str = "osv") -> list[str]:
        return git(self.origin, "ls-tree", "-r", "--name-only", branch).splitlines()

    def checkout_state(self) -> tuple[str, str, str, str, str]:
        """HEAD's branch and commit, the index, the working tree, the local branches (a push
        may update the remote-tracking ``origin/osv``, as any push does)."""
        c = self.checkout
        return (git(c, "symbolic-ref", "HEAD"), git(c, "rev-parse", "HEAD"),
                git(c, "ls-files", "-s"), git(c, "status", "--porcelain", "--ignored"),
                git(c, "for-each-ref", "refs/heads"))


def all_objects(repo: Path) -> bytes:
    """The content of every object of ``repo``, loose or packed."""
    return subprocess.run(["git", "-C", str(repo), "cat-file", "--batch-all-objects",  # noqa: S603,S607
                           "--batch"], capture_output=True, env=GIT_ENV, check=True).stdout


@pytest.fixture
def repos(tmp_path: Path) -> Iterator[Repos]:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)],  # noqa: S603,S607
                   env=GIT_ENV, check=True)
    seed = tmp_path / "seed"
    subprocess.run(["git", "init", "-q", "-b", "main", str(seed)], env=GIT_ENV,  # noqa: S603,S607
                   check=True)
    (seed / "README.md").write_text("widget\n")
    git(seed, "add", "README.md")
    git(seed, "commit", "-q", "-m", "first")
    git(seed, "push", "-q", str(origin), "main")
    r = Repos(origin, tmp_path / "checkout", tmp_path)
    r.clone("checkout")
    (r.checkout / "local-change.txt").write_text("not committed\n")  # the workflow's own files
    yield r


def entry(**changes: Any) -> dict[str, Any]:
    record = build_osv(complete(), meta(case_id=CASE, **changes))
    validate_osv(record)
    return record


# -- the git side -----------------------------------------------------------------------------


def test_first_entry_makes_an_orphan_branch_and_leaves_the_checkout_alone(repos: Repos) -> None:
    before = repos.checkout_state()
    pushed = publish(repos.git(), "osv", "osv", [entry()])
    assert pushed.commit is not None and pushed.commit == repos.tip()
    assert [f.path for f in pushed.files] == [f"osv/{ENTRY_ID}.json"]
    assert repos.files() == [f"osv/{ENTRY_ID}.json"]
    on_branch = repos.show(f"osv/{ENTRY_ID}.json")
    validate_osv(on_branch)
    assert on_branch == entry()
    assert git(repos.origin, "rev-list", "--parents", "-n", "1", "osv") == pushed.commit
    assert git(repos.origin, "log", "-1", "--format=%s", "osv") == f"OSV: {ENTRY_ID}"
    assert repos.checkout_state() == before  # HEAD, index, working tree, branches
    assert (repos.checkout / "local-change.txt").read_text() == "not committed\n"


def test_the_same_entry_again_commits_nothing(repos: Repos) -> None:
    first = publish(repos.git(), "osv", "osv", [entry()])
    # a later run: the first publication kept, only `modified` moves
    later = entry(now=datetime(2026, 4, 1, tzinfo=UTC), published=SAMPLE_NOW)
    assert later["modified"] != entry()["modified"]
    again = publish(repos.git(), "osv", "osv", [later])
    assert again == Pushed(None, (), 1)
    assert repos.tip() == first.commit


def test_a_rewritten_entry_is_committed_on_top_and_other_files_stay(repos: Repos) -> None:
    other = repos.clone("other")
    git(other, "checkout", "-q", "--orphan", "osv")
    git(other, "rm", "-q", "-r", "--cached", ".")
    (other / "osv").mkdir()
    (other / "osv" / "x_other-1.json").write_text('{"id": "x_other-1"}\n')
    git(other, "add", "osv/x_other-1.json")
    git(other, "commit", "-q", "-m", "someone else's entry")
    git(other, "push", "-q", "origin", "osv")
    first = publish(repos.git(), "osv", "osv", [entry()])
    withdrawn = entry(withdrawn=datetime(2026, 5, 1, tzinfo=UTC))
    second = publish(repos.git(), "osv", "osv", [withdrawn])
    assert second.commit is not None and second.commit != first.commit
    assert git(repos.origin, "rev-parse", f"{second.commit}^") == first.commit
    assert repos.show(f"osv/{ENTRY_ID}.json")["withdrawn"] == "2026-05-01T00:00:00Z"
    assert sorted(repos.files()) == ["osv/x_other-1.json", f"osv/{ENTRY_ID}.json"]
    assert [f.new for f in second.files] == [False]
    assert git(repos.origin, "log", "-1", "--format=%B", "osv").endswith(
        f"- {ENTRY_ID} (updated)")


def test_a_push_race_is_rebuilt_on_the_new_tip(repos: Repos) -> None:
    publish(repos.git(), "osv", "osv", [entry()])
    other = repos.clone("racer")
    git(other, "checkout", "-q", "osv")
    raced: list[int] = []

    def race(attempt: int) -> None:  # another run pushes between our build and our push
        if attempt == 1:
            (other / "osv" / "x_racer-1.json").write_text('{"id": "x_racer-1"}\n')
            git(other, "add", "osv/x_racer-1.json")
            git(other, "commit", "-q", "-m", "a concurrent run")
            git(other, "push", "-q", "origin", "osv")
            raced.append(attempt)

    update = entry(withdrawn=datetime(2026, 5, 1, tzinfo=UTC))
    pushed = publish(repos.git(), "osv", "osv", [update], before_push=race)
    racer_tip = git(other, "rev-parse", "HEAD")
    assert raced == [1] and pushed.attempts == 2
    assert git(repos.origin, "rev-parse", f"{pushed.commit}^") == racer_tip
    assert sorted(repos.files()) == ["osv/x_racer-1.json", f"osv/{ENTRY_ID}.json"]
    assert "withdrawn" in repos.show(f"osv/{ENTRY_ID}.json")


def test_a_race_lost_every_time_ends_in_an_error_not_a_traceback(repos: Repos) -> None:
    other = repos.clone("racer")
    count = iter(range(100))

    def race(attempt: int) -> None:
        n = next(count)
        git(other, "commit", "-q", "--allow-empty", "-m", f"race {n}")
        git(other, "push", "-q", "-f", "origin", "HEAD:refs/heads/osv")

    with pytest.raises(FeedError, match="refused 4 times"):
        publish(repos.git(), "osv", "osv", [entry()], before_push=race)
    assert f"osv/{ENTRY_ID}.json" not in repos.files()


def test_a_failing_remote_is_reported_without_its_credentials(repos: Repos) -> None:
    git(repos.checkout, "remote", "set-url", "origin",
        "https://x-access-token:ghs_SECRET123@127.0.0.1:9/acme/widget.git")
    with pytest.raises(FeedError) as err:
        publish(repos.git(), "osv", "osv", [entry()])
    assert "ghs_SECRET123" not in err.value.reason
    assert "git ls-remote failed" in err.value.reason


def test_a_workspace_without_a_checkout_is_named(tmp_path: Path) -> None:
    bare = tmp_path / "not-a-checkout"
    bare.mkdir()
    with pytest.raises(FeedError, match="is not a git checkout: put actions/checkout"):
        publish(Git(bare, {**GIT_ENV, "GIT_CEILING_DIRECTORIES": str(tmp_path)}), "osv", "osv",
                [entry()])


def test_redact_removes_userinfo_from_urls() -> None:
    said = "fatal: unable to access 'https://user:tok@github.com/a/b.git/': 403"
    assert redact(said) == "fatal: unable to access 'https://***@github.com/a/b.git/': 403"
    assert redact("ssh://git@host/x and https://h/y") == "ssh://***@host/x and https://h/y"


# -- the decisions (pure) ---------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "osv", "feeds/osv", "osv-1.0", "a.b", "-osv", "HEAD", "a..b", "a b", "a~1", "a^",
    "a:b", "a?", "a*", "a[b", "a\\b", "/a", "a/", "a//b", "a.", ".a", "a/.b", "a.lock",
    "a/b.lock/c", "a@{1}", "a@b", "\u00e9t\u00e9", "a\tb",
])
def test_branch_names_are_checked_as_git_checks_them(name: str) -> None:
    ours = feed.branch_problem(name) is None
    theirs = subprocess.run(["git", "check-ref-format", "--branch", name],  # noqa: S603,S607
                            capture_output=True, env=GIT_ENV, check=False).returncode == 0
    assert ours == theirs, (name, feed.branch_problem(name))


def test_at_alone_is_refused_though_git_takes_it_for_the_current_branch() -> None:
    assert feed.branch_problem("@") is not None


@pytest.mark.parametrize(("path", "ok"), [
    ("osv", True), ("feeds/osv", True), (".", True), ("osv/", True), ("", False),
    ("/srv/osv", False), ("../osv", False), ("a/../b", False), ("a//b", False),
    ("./osv", False), (".git/x", False), ("a\\b", False), ("a\nb", False),
])
def test_directory_must_be_relative_without_dotdot(path: str, ok: bool) -> None:
    assert (feed.directory_problem(path) is None) == ok


def test_plan_skips_what_the_branch_already_says_and_names_ids() -> None:
    a, b = entry(), {**entry(), "id": "x_vultron-beef"}
    existing = {f"osv/{ENTRY_ID}.json": feed.render({**a, "modified": "2020-01-01T00:00:00Z"})}
    files = feed.plan("osv", [a, b], existing)
    assert [(f.path, f.new) for f in files] == [("osv/x_vultron-beef.json", True)]
    assert feed.commit_message(files).startswith("OSV: x_vultron-beef\n")
    many = feed.plan(".", [{**a, "id": f"x_v-{n}"} for n in range(5)], {})
    assert [f.path for f in many][:1] == ["x_v-0.json"]
    message = feed.commit_message(many)
    assert message.splitlines()[0] == "OSV: x_v-0, x_v-1, x_v-2 and 2 more"
    assert all(f"- x_v-{n} (new)" in message for n in range(5))
    with pytest.raises(Exception, match="cannot be a file name"):
        feed.file_path("osv", "../escape")


# -- after a run: which cases, the embargo canary ---------------------------------------------


def _run(tmp: Path, osv_feed: OsvFeedConfig | None = FEED, *,
         dry_run: bool = False, store: str = "state") -> Run:
    """A run of the Action as far as the feed sees it: its configuration, store and summary."""
    config = BridgeConfig().model_copy(update={
        "publication": PublicationConfig(osv_feed=osv_feed)})
    engine = db.make_engine(f"sqlite:///{tmp / store}.db")
    create_fresh(engine)
    rt = Runtime(config, engine, db.session_factory(engine), clock=lambda: NOW)
    env = ActionEnv(event_name="schedule", event_path=tmp / "event.json", api_url="http://x",
                    repository="acme/widget", token="t", actor_key="", config_path=None,
                    dry_run=dry_run, summary_path=None, output_path=None, temp_dir=tmp,
                    run_id="1", run_attempt="1")
    none: Any = None
    return Run(env, rt, none, none, none, none, Report(event="schedule", dry_run=dry_run), None,
               tmp)


def _case(run: Run, *, cs: str, em: str, end: float | None, fields: CaseFields,
          subject: str = CASE, data: dict[str, Any] | None = None) -> None:
    with db.transaction(run.rt.sessions) as session:
        state.put_case(session, subject, em_state=em, cs_state=cs, embargo_end=end,
                       data=data or {}, now=NOW)
        save_fields(session, subject, fields, NOW)


def _canary_fields() -> CaseFields:
    return complete().with_changes(description=CANARY)


@pytest.mark.parametrize(("cs", "em", "end"), [
    ("VFdPxa", "ACTIVE", FUTURE),  # published while the embargo binds: a breach, not public
    ("VFdPxa", "REVISE", FUTURE),
    ("VFdpxa", "NONE", None),  # no embargo, but not published
    ("VFdpxa", "EXITED", None),
])
def test_embargo_canary_a_case_not_public_leaves_the_branch_as_it_was(
        repos: Repos, cs: str, em: str, end: float | None) -> None:
    publish(repos.git(), "osv", "osv", [{**entry(), "id": "x_other-1"}])  # the feed so far
    tip, before = repos.tip(), repos.checkout_state()
    run = _run(repos.tmp)
    _case(run, cs=cs, em=em, end=end, fields=_canary_fields())
    assert after_run(run, repos.checkout, environ=GIT_ENV) is None
    assert repos.tip() == tip and repos.files() == ["osv/x_other-1.json"]
    assert git(repos.origin, "for-each-ref", "--format=%(refname)") == \
        "refs/heads/main\nrefs/heads/osv"
    for repo in (repos.origin, repos.checkout):
        assert CANARY.encode() not in all_objects(repo)
        assert b"c0ffee" not in all_objects(repo)
    assert repos.checkout_state() == before
    assert not any("c0ffee" in line for line in run.report.written + run.report.notes)
    with run.rt.sessions() as session:
        assert load_fields(session, CASE).published_at is None


def test_published_and_public_case_appears_on_the_branch(repos: Repos) -> None:
    before = repos.checkout_state()
    run = _run(repos.tmp)
    _case(run, cs="VFdPxa", em="EXITED", end=None, fields=_canary_fields())
    _case(run, cs="VFdPxa", em="NONE", end=None, fields=_canary_fields(),
          subject="https://finder.example/reports/9", data={"case_id": CASE})  # the case's
    pushed = after_run(run, repos.checkout, environ=GIT_ENV)
    assert pushed is not None and pushed.commit == repos.tip()
    assert repos.files() == [f"osv/{ENTRY_ID}.json"]
    on_branch = repos.show(f"osv/{ENTRY_ID}.json")
    validate_osv(on_branch)
    assert on_branch["details"] == CANARY
    assert on_branch["published"] == "2026-05-28T20:26:40Z"  # the first run that saw it public
    assert repos.checkout_state() == before
    assert run.report.written == [f"OSV feed: {ENTRY_ID} committed to branch osv "
                                  f"({pushed.commit[:12]})"]
    with run.rt.sessions() as session:  # kept with the case: the next run says the same
        assert load_fields(session, CASE).published_at is not None


def test_the_embargo_end_publishes_and_a_withdrawal_updates_the_entry(repos: Repos) -> None:
    run = _run(repos.tmp)
    _case(run, cs="VFdPxa", em="ACTIVE", end=NOW + 60, fields=_canary_fields())
    assert after_run(run, repos.checkout, environ=GIT_ENV) is None and repos.tip() is None
    later = _run(repos.tmp, store="later")  # the schedule run after the embargo's end
    _case(later, cs="VFdPxa", em="ACTIVE", end=NOW - 1, fields=_canary_fields())
    first = after_run(later, repos.checkout, environ=GIT_ENV)
    assert first is not None and first.commit == repos.tip()
    assert after_run(later, repos.checkout, environ=GIT_ENV) == Pushed(None, (), 1)
    with db.transaction(later.rt.sessions) as session:
        fields = load_fields(session, CASE)
        save_fields(session, CASE, fields.with_changes(
            withdrawn_at=datetime(2026, 6, 1, tzinfo=UTC)), NOW)
    second = after_run(later, repos.checkout, environ=GIT_ENV)
    assert second is not None and second.commit == repos.tip() != first.commit
    shown = repos.show(f"osv/{ENTRY_ID}.json")
    assert shown["withdrawn"] == "2026-06-01T00:00:00Z"
    assert shown["published"] == "2026-05-28T20:26:40Z"
    validate_osv(shown)


def test_without_osv_feed_or_in_a_dry_run_nothing_is_pushed(repos: Repos) -> None:
    for run in (_run(repos.tmp, osv_feed=None, store="a"),
                _run(repos.tmp, dry_run=True, store="b")):
        _case(run, cs="VFdPxa", em="NONE", end=None, fields=complete())
        assert after_run(run, repos.checkout, environ=GIT_ENV) is None
    assert repos.tip() is None
    assert run.report.written == [f"OSV feed: {ENTRY_ID} to branch osv (where changed)"]


def test_an_entry_that_cannot_be_built_is_named_on_the_summary(repos: Repos) -> None:
    run = _run(repos.tmp)
    no_package = CaseFields().with_changes(title="t")
    _case(run, cs="VFdPxa", em="NONE", end=None, fields=no_package)
    assert after_run(run, repos.checkout, environ=GIT_ENV) is None
    assert repos.tip() is None
    assert len(run.report.notes) == 1 and run.report.notes[0].startswith(
        "OSV feed: not committed: c0ffee: cannot build the OSV record: missing")



# -- through whole runs of the Action ---------------------------------------------------------


def _action(env: HarnessEnv, checkout: Path, event: str, payload: dict[str, Any]) -> Result:
    """One run as ``vultron-bridge action`` in a workflow whose checkout is ``checkout``, with
    ``publication.osv_feed`` configured."""
    environ = env.environ(event, payload)
    config = Path(environ["INPUT_CONFIG"])
    config.write_text(config.read_text() + "publication:\n  osv_feed: {}\n")
    environ.update(GIT_ENV, GITHUB_WORKSPACE=str(checkout))
    done = CliRunner().invoke(cli, ["action"], env=environ, catch_exceptions=False)
    summary = Path(environ["GITHUB_STEP_SUMMARY"])
    return Result(done.exit_code, done.output, summary.read_text() if summary.exists() else "",
                  {})


def test_a_case_published_in_a_run_is_on_the_branch_and_not_before(repos: Repos,
                                                                    tmp_path: Path) -> None:
    with action_env(tmp_path) as env:
        offer = env.offer(content=CANARY)
        ran = _action(env, repos.checkout, "repository_dispatch", {
            "action": "vultron-activity", "client_payload": {"activity": offer}})
        assert ran.code == 0, ran.output
        number = env.issues()[0].number
        before = repos.checkout_state()
        for body in ("/vultron validate\n/vultron engage",
                     "/vultron add product pkg:pypi/example-widget >=1.0 <1.4.2"):
            ran = _action(env, repos.checkout, "issue_comment", env.comment_event(number, body))
            assert ran.code == 0, ran.output
        assert repos.tip() is None  # a case, its fields complete, but not published
        assert CANARY.encode() not in all_objects(repos.origin)
        assert CANARY.encode() not in all_objects(repos.checkout)
        ran = _action(env, repos.checkout, "issues", env.label_event(number, "vultron:public"))
        assert ran.code == 0, ran.output
        tip = repos.tip()
        assert tip is not None
        [path] = repos.files()
        on_branch = repos.show(path)
        validate_osv(on_branch)
        assert on_branch["details"] == CANARY
        assert f"OSV feed: {on_branch['id']} committed to branch osv" in ran.summary
        assert repos.checkout_state() == before
        again = _action(env, repos.checkout, "issue_comment", env.comment_event(number, "hi"))
        assert again.code == 0 and repos.tip() == tip  # nothing changed: no commit
        withdrawn = _action(env, repos.checkout, "issue_comment",
                            env.comment_event(number, "/vultron withdraw duplicate"))
        assert withdrawn.code == 0, withdrawn.output
        assert repos.tip() != tip  # the rewritten entry, committed on top
        assert git(repos.origin, "rev-parse", "osv^") == tip
        rewritten = repos.show(path)
        validate_osv(rewritten)
        assert "withdrawn" in rewritten and rewritten["published"] == on_branch["published"]


def test_a_feed_that_cannot_be_pushed_fails_the_run_with_a_clean_error(repos: Repos,
                                                                       tmp_path: Path) -> None:
    git(repos.checkout, "remote", "set-url", "origin",
        "https://x-access-token:ghs_SECRET123@127.0.0.1:9/acme/widget.git")
    with action_env(tmp_path) as env:
        ran = _action(env, repos.checkout, "repository_dispatch", {
            "action": "vultron-activity", "client_payload": {"activity": env.offer()}})
        assert ran.code == 0, ran.output  # no public case: git is not even asked
        number = env.issues()[0].number
        for body in ("/vultron validate\n/vultron engage",
                     "/vultron add product pkg:pypi/example-widget >=1.0 <1.4.2"):
            assert _action(env, repos.checkout, "issue_comment",
                           env.comment_event(number, body)).code == 0
        ran = _action(env, repos.checkout, "issues", env.label_event(number, "vultron:public"))
        assert ran.code == 1
        assert "::error title=vultron-bridge::git ls-remote failed" in ran.output
        assert "Traceback" not in ran.output and "ghs_SECRET123" not in ran.output
        assert "ghs_SECRET123" not in ran.summary and "git ls-remote failed" in ran.summary


def test_the_documented_workflow_is_actionlint_clean_and_may_push(tmp_path: Path) -> None:
    import yaml

    from tests.action.test_workflow_files import _lint
    from tests.paths import REPO

    doc = (REPO / "docs" / "action.md").read_text(encoding="utf-8")
    section = doc.split("## Publishing an OSV feed", 1)[1].split("\n## ", 1)[0]
    [workflow] = [b.split("\n", 1)[1] for b in section.split("```yaml")[1:] if "jobs:" in b]
    workflow = workflow.split("```", 1)[0]
    path = tmp_path / ".github" / "workflows" / "feed.yml"
    path.parent.mkdir(parents=True)
    path.write_text(workflow)
    assert _lint(tmp_path, [path]) == ""
    job = yaml.safe_load(workflow)["jobs"]["triage"]
    assert job["permissions"] == {"contents": "write"}
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert (checkout.get("with") or {}).get("persist-credentials", True) is True
