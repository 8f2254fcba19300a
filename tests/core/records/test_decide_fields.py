"""``/vultron set|add|unset|fields`` and per-transition requirements, through ``decide``."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bridge.core.commands import parse_commands
from bridge.core.effects import Comment, SetLabels
from bridge.core.events import EventKind, TrackerEvent
from bridge.core.records.fields import CaseFields
from bridge.core.records.requirements import DEFAULTS, table
from bridge.core.refs import TrackerRef
from bridge.core.rules import CaseView, Decision, RuleSet, decide
from bridge.core.states.cs import CaseState
from bridge.core.states.rm import RM
from tests.core.records.samples import complete

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
REF = TrackerRef("github", "acme/widget", 7)
CASE = "https://bridge.example/cases/1"
STRICT = RuleSet(requirements=table())
EMPTY = CaseFields()


def ev(kind: EventKind, *, label: str | None = None, comment: str | None = None) -> TrackerEvent:
    command = parse_commands(comment)[0] if comment else None
    return TrackerEvent(kind=kind, tracker="github", ref=REF, project="acme/widget",
                        actor="maintainer", label=label, command=command, at=NOW)


def cmd(text: str) -> TrackerEvent:
    return ev(EventKind.COMMAND, comment=text)


def view(fields: CaseFields = EMPTY, rm: RM = RM.ACCEPTED,
         cs: str = "VFd.pxa") -> CaseView:
    return CaseView(CASE, rm, cs=CaseState.from_string(cs), fields=fields)


def comments(decision: Decision) -> list[str]:
    return [e.body for e in decision.effects if isinstance(e, Comment)]


def test_set_stores_the_edit_and_shows_the_fields() -> None:
    d = decide(cmd('/vultron add credit finder "Jane Doe" <jane@x.example>'), view(),
               RuleSet(), NOW)
    assert d.fields is not None and d.fields.credits[0].name == "Jane Doe"
    assert not d.intents and d.refused is None
    (body,) = comments(d)
    assert "add credit" in body and "Jane Doe (finder)" in body


def test_set_title_keeps_the_whole_line() -> None:
    d = decide(cmd("/vultron set title XSS in \"preview\" pane"), view(), RuleSet(), NOW)
    assert d.fields is not None and d.fields.title == 'XSS in "preview" pane'


def test_a_bad_value_changes_nothing_and_says_how() -> None:
    d = decide(cmd("/vultron set cvss CVSS:3.1/AV:Q"), view(complete()), RuleSet(), NOW)
    assert d.fields is None and d.refused
    assert "nothing was changed" in comments(d)[0] and "Usage" in comments(d)[0]


def test_fields_shows_without_changing() -> None:
    d = decide(cmd("/vultron fields"), view(complete()), RuleSet(), NOW)
    assert d.fields is None
    assert "CVE-2026-10001" in comments(d)[0] and "6.1 MEDIUM" in comments(d)[0]


def test_field_comments_may_hold_report_content() -> None:
    d = decide(cmd("/vultron fields"), view(complete()), RuleSet(), NOW)
    assert all(e.content for e in d.effects if isinstance(e, Comment))


def test_without_requirements_publication_goes_through() -> None:
    d = decide(cmd("/vultron published"), view(), RuleSet(), NOW)
    assert [i.message for i in d.intents] == ["CP"]


def test_publication_missing_fields_is_refused_with_the_list() -> None:
    d = decide(ev(EventKind.LABELED, label="vultron:public"),
               view(complete().with_changes(cve_id=None, cvss=())), STRICT, NOW)
    assert not d.intents and d.view is None
    assert d.refused is not None
    (body,) = comments(d)
    assert "a CVE id" in body and "a CVSS vector" in body and "a title" not in body
    removed = {n for e in d.effects if isinstance(e, SetLabels) for n in e.remove}
    assert removed == {"vultron:public"}


def test_publication_with_the_fields_goes_through() -> None:
    d = decide(cmd("/vultron published"), view(complete()), STRICT, NOW)
    assert [i.message for i in d.intents] == ["CP"]


def test_no_cve_counts_as_an_answer() -> None:
    fields = complete().with_changes(cve_id=None, no_cve=True)
    assert decide(cmd("/vultron published"), view(fields), STRICT, NOW).refused is None


def test_fix_ready_needs_affected_versions() -> None:
    d = decide(cmd("/vultron fix-ready"), view(), STRICT, NOW)
    assert d.refused and "affected versions" in comments(d)[0]


@pytest.mark.parametrize("action", sorted(DEFAULTS))
def test_every_default_requirement_can_refuse(action: str) -> None:
    rules = RuleSet(requirements={action: DEFAULTS[action]})
    assert decide(cmd(f"/vultron {action}"), view(), rules, NOW).refused


def test_configured_requirement_on_validate() -> None:
    rules = RuleSet(requirements={"validate": ("description",)})
    d = decide(cmd("/vultron validate"), view(rm=RM.RECEIVED), rules, NOW)
    assert d.refused and "a description" in comments(d)[0]


def test_O21_withdraw_of_a_published_case_keeps_the_time_and_rewrites_the_osv_entry() -> None:
    published = complete().with_changes(published_at=datetime(2026, 2, 1, tzinfo=UTC))
    d = decide(cmd("/vultron withdraw not a vulnerability after all"),
               view(published, cs="VFDPxa"), RuleSet(), NOW)
    assert d.fields is not None and d.fields.withdrawn_at == NOW
    assert d.fields.with_changes(withdrawn_at=None) == published  # nothing else changes
    assert d.rewrite == ("osv",) and not d.intents and d.refused is None
    (body,) = comments(d)
    assert "withdrawn as of 2026-03-02T12:00:00+00:00" in body


@pytest.mark.parametrize(("fields", "why"), [
    (complete(), "never published"),
    (complete().with_changes(published_at=datetime(2026, 2, 1, tzinfo=UTC),
                             withdrawn_at=datetime(2026, 2, 5, tzinfo=UTC)),
     "withdrawn already, on 2026-02-05T00:00:00+00:00"),
])
def test_O21_withdraw_is_refused_before_publication_and_once_done(fields: CaseFields,
                                                               why: str) -> None:
    d = decide(cmd("/vultron withdraw"), view(fields, cs="VFDPxa"), RuleSet(), NOW)
    assert d.fields is None and d.rewrite == () and not d.intents
    assert d.refused is not None and why in d.refused
    (body,) = comments(d)
    assert "nothing was changed" in body and why in body


def test_O20_ssvc_keeps_the_answers_and_only_proposes_the_transition() -> None:
    d = decide(cmd("/vultron ssvc SSVCv2/RP:Y/SCON:N/RC:NC/SC:O/SE:A/U:L/PSI:M/"),
               view(rm=RM.RECEIVED), RuleSet(), NOW)
    assert d.fields is not None and d.fields.ssvc == "SSVCv2/RP:Y/SCON:N/RC:NC/SC:O/SE:A/U:L/PSI:M/"
    assert not d.intents and d.view is None and d.refused is None  # nothing sent, RM unchanged
    (body,) = comments(d)
    assert "**decline**" in body and "/vultron invalidate" in body


@pytest.mark.parametrize(("label", "vector"), [
    ("ssvc:public:no", "SSVCv2/RP:N/"),
    ("ssvc:RP:Y", "SSVCv2/RP:Y/"),
    ("ssvc:utility:super-effective", "SSVCv2/U:S/"),
    ("ssvc:credibility:not-credible", "SSVCv2/RC:NC/"),
])
def test_O20_an_ssvc_label_answers_one_decision_point(label: str, vector: str) -> None:
    d = decide(ev(EventKind.LABELED, label=label), view(rm=RM.RECEIVED), RuleSet(), NOW)
    assert d.fields is not None and d.fields.ssvc == vector
    assert not d.intents and d.refused is None
    assert not [e for e in d.effects if isinstance(e, SetLabels)]  # the label stays


def test_O20_an_ssvc_label_with_a_wrong_value_comes_off_and_changes_nothing() -> None:
    d = decide(ev(EventKind.LABELED, label="ssvc:public:maybe"), view(rm=RM.RECEIVED),
               RuleSet(), NOW)
    assert d.fields is None and d.refused is not None and "report public is one of" in d.refused
    (labels,) = [e for e in d.effects if isinstance(e, SetLabels)]
    assert labels.remove == ("ssvc:public:maybe",)


@pytest.mark.parametrize("label", ["ssvc:", "ssvc:public", "ssvc::no", "ssvcx:public:no"])
def test_an_ssvc_label_without_a_point_and_value_is_no_answer(label: str) -> None:
    d = decide(ev(EventKind.LABELED, label=label), view(rm=RM.RECEIVED), RuleSet(), NOW)
    assert d.ignored is not None and d.fields is None


def test_an_edit_on_a_draft_advisory_fills_its_own_fields_too() -> None:
    from bridge.core.effects import SetAdvisoryFields

    advisory = TrackerRef("github", "acme/widget", None, "GHSA-aaaa-bbbb-cccc")
    event = cmd("/vultron set cwe CWE-79").model_copy(update={"ref": advisory})
    d = decide(event, view(), RuleSet(), NOW)
    assert [e.fields for e in d.effects if isinstance(e, SetAdvisoryFields)] == [
        {"cwe_ids": ["CWE-79"]}]
    on_an_issue = decide(cmd("/vultron set cwe CWE-79"), view(), RuleSet(), NOW)
    assert not [e for e in on_an_issue.effects if isinstance(e, SetAdvisoryFields)]
    refused = decide(cmd("/vultron set cvss nonsense").model_copy(update={"ref": advisory}),
                     view(), RuleSet(), NOW)
    assert not [e for e in refused.effects if isinstance(e, SetAdvisoryFields)]


ADVISORY = TrackerRef("github", "acme/widget", None, "GHSA-aaaa-bbbb-cccc")


def advisory_edit(details: dict[str, object], actor: str = "maintainer") -> TrackerEvent:
    return TrackerEvent(kind=EventKind.ADVISORY_UPDATED, tracker="github", ref=ADVISORY,
                        project="acme/widget", actor=actor, at=NOW, details=details)


def test_an_edit_on_the_issue_reaches_every_linked_advisory() -> None:
    from bridge.core.effects import SetAdvisoryFields

    other = TrackerRef("github", "acme/other", None, "GHSA-dddd-eeee-ffff")
    linked = replace(view(), advisories=(ADVISORY, other))
    d = decide(cmd("/vultron set cve CVE-2026-10001"), linked, RuleSet(), NOW)
    written = [(e.ref, e.fields) for e in d.effects if isinstance(e, SetAdvisoryFields)]
    assert written == [(ADVISORY, {"cve_id": "CVE-2026-10001"}),
                       (other, {"cve_id": "CVE-2026-10001"})]


def test_the_advisory_form_edits_the_fields_from_people_with_write_access() -> None:
    from bridge.core.rules.standing import Standing

    details = {"summary": "XSS in preview", "cve_ids": ["CVE-2026-10001"],
               "cwe_ids": ["CWE-79", "nonsense"], "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R"
               "/S:C/C:L/I:L/A:N"}
    writer = Standing(actor_can_write=True, private=True)
    d = decide(advisory_edit(details), view(), RuleSet(), NOW, writer)
    assert d.fields is not None and not d.effects and not d.intents
    assert (d.fields.title, d.fields.cve_id, d.fields.cwes) == (
        "XSS in preview", "CVE-2026-10001", ("CWE-79",))  # the unusable CWE is left out
    assert d.fields.cvss == ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",)
    again = decide(advisory_edit(details), view(d.fields), RuleSet(), NOW, writer)
    assert again.fields is None and again.ignored  # the same form again changes nothing
    outsider = Standing(actor_can_write=False, private=True)
    refused = decide(advisory_edit(details), view(), RuleSet(), NOW, outsider)
    assert refused.fields is None and refused.ignored and "write access" in refused.ignored
    assert decide(advisory_edit(details), view(), RuleSet(), NOW).fields is None
    own = decide(advisory_edit(details, actor="bridge-bot"), view(),
                 RuleSet(bot_login="bridge-bot"), NOW, writer)
    assert own.fields is None and own.ignored == "the bridge's own change (its bot user)"
