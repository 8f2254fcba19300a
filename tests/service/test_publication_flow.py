"""A case from Offer to publication: its fields set on the tracker, publication refused while
a required field is missing, the three records written (and valid) only once the embargo has
ended; a canary in the report never reaches anything public before that."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bridge.app import process
from bridge.config.publication import CveConfig, PublicationConfig, PublisherConfig, WriteConfig
from bridge.core.records.fields import CaseFields
from bridge.core.refs import TrackerRef
from bridge.publish.validate import validate_csaf, validate_cve, validate_osv
from bridge.store import db, state
from bridge.store.fields import load_fields
from tests.core.records.samples import CNA, EDITS
from tests.service.bridge_env import BridgeEnv, bridge_env

CANARY = "CANARY-5d1e heap overflow in parse()"
FUTURE = 4102444800.0  # 2100-01-01


def drain(env: BridgeEnv) -> None:
    """Process every stored input, the bridge's own echoes included (no worker threads)."""
    for _ in range(50):
        if not process.run_once(env.rt, "t-process", concurrency=1):
            return
    raise AssertionError("inputs kept coming")


def configure(env: BridgeEnv, records: Path) -> None:
    env.rt.config = env.rt.config.model_copy(update={"publication": PublicationConfig(
        publisher=PublisherConfig(name="Acme", namespace="https://acme.example"),
        cve=CveConfig(org_id=CNA), default_requirements=True,
        write=WriteConfig(directory=str(records)))})


def case_of(env: BridgeEnv, report_id: str) -> str:
    """The case the validated report became (the report itself where no case is created)."""
    with env.rt.sessions() as session:
        record = state.get_case(session, report_id)
        assert record is not None
        return str(record.data.get("case_id") or report_id)


def fields_of(env: BridgeEnv, subject: str) -> CaseFields:
    with env.rt.sessions() as session:  # closed at once: an open read would hold SQLite's lock
        return load_fields(session, subject)


def set_embargo(env: BridgeEnv, case_id: str, em: str, end: float | None) -> None:
    """What an agreed (EA) or ended (ET) embargo leaves in the store."""
    with db.transaction(env.rt.sessions) as session:
        record = state.get_case(session, case_id)
        assert record is not None
        active = {"id": f"{case_id}/embargoes/1", "end": end} if em == "ACTIVE" else None
        state.put_case(session, case_id, em_state=em, cs_state=record.cs_state,
                       embargo_end=end, data={**record.data, "active_embargo": active},
                       now=env.rt.clock())


def engaged_case(env: BridgeEnv) -> tuple[str, TrackerRef, str]:
    """A report with the canary offered to us, validated and engaged: (report id, its issue,
    the case it became)."""
    report_id, ref = env.seed_report(content=CANARY)
    env.human_comment(ref, "/vultron validate\n/vultron engage")
    drain(env)
    return report_id, ref, case_of(env, report_id)


def comments(env: BridgeEnv, ref: TrackerRef) -> list[str]:
    issue = env.gh.fake.repos[ref.project].issues[ref.number]  # type: ignore[index]
    return [c.body for c in issue.comments]


def labels(env: BridgeEnv, ref: TrackerRef) -> list[str]:
    return list(env.gh.fake.repos[ref.project].issues[ref.number].labels)  # type: ignore[index]


def public_text(env: BridgeEnv, records: Path) -> str:
    """Everything anyone outside the case can read: public repositories and the records."""
    out: list[Any] = []
    for repo in env.gh.fake.repos.values():
        if not repo.private:
            out += [(i.title, i.body, [c.body for c in i.comments]) for i in repo.issues.values()]
            out += [vars(a) for a in repo.advisories.values() if getattr(a, "state", "") ==
                    "published"]
    files = [p.read_text(encoding="utf-8") for p in records.rglob("*")] if records.exists() \
        else []
    return json.dumps(out, default=str) + "".join(files)


def test_offer_to_publication_writes_three_valid_records(tmp_path: Path) -> None:
    records = tmp_path / "records"
    with bridge_env(tmp_path, workers=False) as env:
        configure(env, records)
        report_id, ref, case_id = engaged_case(env)
        set_embargo(env, case_id, "ACTIVE", FUTURE)
        without_cve = [e for e in EDITS if not e[1].startswith("cve ")]
        env.human_comment(ref, "\n".join(f"/vultron {v} {t}" for v, t in without_cve))
        drain(env)
        assert fields_of(env, case_id).title == EDITS[0][1][6:]

        env.human_label(ref, "vultron:public")  # no CVE id yet: refused, listing it
        drain(env)
        assert any("a CVE id" in body and "nothing was sent" in body
                   for body in comments(env, ref))
        assert "vultron:public" not in labels(env, ref)
        assert not records.exists()
        assert CANARY not in public_text(env, records)

        env.human_comment(ref, "/vultron set cve CVE-2026-10001")
        drain(env)
        set_embargo(env, case_id, "EXITED", None)  # the embargo ends
        env.human_label(ref, "vultron:public")
        drain(env)

        written = sorted(p.relative_to(records).as_posix() for p in records.rglob("*.json"))
        assert written == ["csaf/cve-2026-10001.json", "cve/CVE-2026-10001.json",
                           f"osv/x_vultron-{case_id.rsplit('/', 1)[1]}.json"]
        validate_cve(json.loads((records / written[1]).read_text()))
        csaf = json.loads((records / written[0]).read_text())
        validate_csaf(csaf)
        assert csaf["document"]["distribution"]["tlp"]["label"] == "WHITE"
        validate_osv(json.loads((records / written[2]).read_text()))
        assert any("publication records" in body and "wrote" in body
                   for body in comments(env, ref))
        assert fields_of(env, case_id).published_at is not None


def test_publication_during_the_embargo_writes_nothing(tmp_path: Path) -> None:
    records = tmp_path / "records"
    with bridge_env(tmp_path, workers=False) as env:
        configure(env, records)
        report_id, ref, case_id = engaged_case(env)
        set_embargo(env, case_id, "ACTIVE", FUTURE)
        env.human_comment(ref, "\n".join(f"/vultron {v} {t}" for v, t in EDITS) +
                          f"\n/vultron set description {CANARY}")
        drain(env)
        env.human_label(ref, "vultron:public")  # a breach, not a publication
        drain(env)
        assert "vultron:embargo-breach" in labels(env, ref)
        assert not records.exists()
        assert CANARY not in public_text(env, records)


def test_withdrawal_after_publication_rewrites_the_osv_entry(tmp_path: Path) -> None:
    records = tmp_path / "records"
    with bridge_env(tmp_path, workers=False) as env:
        configure(env, records)
        report_id, ref, case_id = engaged_case(env)
        env.human_comment(ref, "/vultron withdraw it was a false positive")  # nothing published
        drain(env)
        assert any("never published" in body and "nothing was changed" in body
                   for body in comments(env, ref))
        assert fields_of(env, case_id).withdrawn_at is None

        env.human_comment(ref, "\n".join(f"/vultron {v} {t}" for v, t in EDITS))
        drain(env)
        env.human_label(ref, "vultron:public")
        drain(env)
        osv_file = records / f"osv/x_vultron-{case_id.rsplit('/', 1)[1]}.json"
        cve_file = records / "cve/CVE-2026-10001.json"
        published = json.loads(osv_file.read_text())
        assert "withdrawn" not in published
        cve_before = cve_file.read_bytes()

        env.human_comment(ref, "/vultron withdraw not a vulnerability after all")
        drain(env)
        withdrawn = json.loads(osv_file.read_text())
        validate_osv(withdrawn)
        assert withdrawn["withdrawn"] >= published["published"]
        assert withdrawn["published"] == published["published"]
        assert cve_file.read_bytes() == cve_before  # only the OSV entry is written again
        assert fields_of(env, case_id).withdrawn_at is not None
        assert any("withdrawn records" in body and osv_file.name in body
                   for body in comments(env, ref))

        env.human_comment(ref, "/vultron withdraw")  # twice: refused, the time kept
        drain(env)
        assert any("withdrawn already" in body for body in comments(env, ref))
        assert json.loads(osv_file.read_text())["withdrawn"] == withdrawn["withdrawn"]


def test_ssvc_triage_on_the_tracker_proposes_the_transition(tmp_path: Path) -> None:
    with bridge_env(tmp_path, workers=False) as env:
        report_id, ref = env.seed_report(content=CANARY)
        env.human_comment(ref, "/vultron ssvc public no contacted yes")
        drain(env)
        sent = env.outbox_count()
        assert fields_of(env, report_id).ssvc == "SSVCv2/RP:N/SCON:Y/"
        assert any("unanswered: credibility, cardinality, engagement, utility, safety" in body
                   for body in comments(env, ref))
        env.human_comment(ref, "/vultron ssvc SSVCv2/RC:C/SC:M/SE:U/U:S/PSI:S/")
        drain(env)
        assert fields_of(env, report_id).ssvc == "SSVCv2/RP:N/SCON:Y/RC:C/SC:M/SE:U/U:S/PSI:S/"
        last = comments(env, ref)[-1]
        assert "**coordinate**" in last and "/vultron validate" in last
        assert "vultron:valid" not in labels(env, ref)  # proposed, not made: nothing sent
        assert env.outbox_count() == sent
        env.human_comment(ref, "/vultron ssvc credibility maybe")
        drain(env)
        assert "report credibility is one of: not credible, credible" in comments(env, ref)[-1]
        assert fields_of(env, report_id).ssvc.endswith("PSI:S/")  # unchanged


def test_records_attached_to_the_issue_at_publication(tmp_path: Path) -> None:
    with bridge_env(tmp_path, workers=False) as env:
        configure(env, tmp_path / "unused")
        write = WriteConfig(directory=None, attach=True)
        env.rt.config = env.rt.config.model_copy(update={
            "publication": env.rt.config.publication.model_copy(update={"write": write})})
        report_id, ref, case_id = engaged_case(env)
        env.human_comment(ref, "\n".join(f"/vultron {v} {t}" for v, t in EDITS))
        drain(env)
        before = len(comments(env, ref))
        env.human_label(ref, "vultron:public")
        drain(env)
        attached = {m.group(1): json.loads(m.group(2)) for body in comments(env, ref)[before:]
                    if (m := re.search(r"`([^`]+\.json)`, as published\n\n```json\n(.*)\n```",
                                       body, flags=re.S))}
        token = case_id.rsplit("/", 1)[1]
        assert sorted(attached) == ["CVE-2026-10001.json", "cve-2026-10001.json",
                                    f"x_vultron-{token}.json"]
        validate_cve(attached["CVE-2026-10001.json"])
        validate_csaf(attached["cve-2026-10001.json"])
        validate_osv(attached[f"x_vultron-{token}.json"])
        assert not (tmp_path / "unused").exists()  # no directory configured: no files
        assert env.gh.fake.repos[ref.project].private  # attached on the private issue only


def test_a_linked_advisory_shows_the_fields_and_its_form_edits_them(tmp_path: Path) -> None:
    from bridge.store import links
    from tests.fakes.github.model import Advisory, User

    with bridge_env(tmp_path, workers=False) as env:
        report_id, ref = env.seed_report(content=CANARY)
        fake = env.gh.fake
        with fake.lock:
            repo = fake.repos[ref.project]
            adv = Advisory("GHSA-2222-3333-4444", "Stored XSS", "private draft", User("bot"))
            repo.advisories[adv.ghsa_id] = adv
        advisory = TrackerRef(ref.tracker, ref.project, None, adv.ghsa_id)
        with db.transaction(env.rt.sessions) as session:
            links.add_link(session, report_id, advisory, "tracks", "test", env.rt.clock())

        env.human_comment(ref, "/vultron set cwe CWE-79\n/vultron add product "
                               "pkg:pypi/example-widget >=1.0 <1.4.2")
        drain(env)
        assert adv.cwe_ids == ["CWE-79"]  # the issue's edits reach the advisory's form
        assert adv.vulnerabilities[-1]["vulnerable_version_range"] == ">= 1.0, < 1.4.2"
        assert adv.description == "private draft"
        assert adv.summary == fields_of(env, report_id).title == "R-1"  # from the report

        with fake.lock:  # a maintainer fills the form on GitHub
            adv.cve_id = "CVE-2026-10001"
            adv.summary = "Stored XSS in the preview"
            adv.cvss_vector_string = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"
            adv.cwe_ids = ["CWE-79", "CWE-80"]
            payload = {"action": "updated",
                       "repository_advisory": fake.render.advisory(repo, adv)}
        env._emit(repo, "repository_advisory", payload)
        drain(env)
        fields = fields_of(env, report_id)
        assert fields.cve_id == "CVE-2026-10001" and fields.cwes == ("CWE-79", "CWE-80")
        assert fields.cvss == ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",)
        assert fields.title == "Stored XSS in the preview"
