"""SSVC Coordinator Triage: the encoded table checked row by row, the ``/vultron ssvc`` command,
and its outcome proposed (never made) as the RM transition."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from bridge.core.commands import parse_commands
from bridge.core.effects import Comment
from bridge.core.errors import InputError
from bridge.core.events import EventKind, TrackerEvent
from bridge.core.records import ssvc
from bridge.core.records.fields import CaseFields, from_data, to_data
from bridge.core.records.rules import show
from bridge.core.records.ssvc_table import ROWS
from bridge.core.refs import TrackerRef
from bridge.core.rules import CaseView, RuleSet, decide
from bridge.core.states.rm import RM

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
REF = TrackerRef("github", "acme/widget", 7)
RANK = {"decline": 0, "track": 1, "coordinate": 2}

# Written from the SSVC documentation's value lists, not from bridge.core.records.ssvc:
# (column, its values from the lowest priority to the highest where the table is monotone).
VALUES = {
    "RP": ("Y", "N"), "SCON": ("N", "Y"), "RC": ("NC", "C"), "SC": ("O", "M"),
    "SE": ("A", "U"), "U": ("L", "E", "S"), "PSI": ("M", "S"),
}
ORDER = ("RP", "SCON", "RC", "SC", "SE", "U", "PSI")

# Rows hand-checked against CERTCC/SSVC data/csv/ssvc/coordinator_triage_1_0_0.csv
# (source row number: the vector, the outcome the source gives).
HAND_CHECKED = [
    (0, "SSVCv2/RP:Y/SCON:N/RC:NC/SC:O/SE:A/U:L/PSI:M/", "decline"),
    (72, "SSVCv2/RP:N/SCON:Y/RC:C/SC:O/SE:U/U:L/PSI:M/", "track"),
    (97, "SSVCv2/RP:N/SCON:Y/RC:NC/SC:M/SE:A/U:L/PSI:S/", "track"),
    (119, "SSVCv2/RP:Y/SCON:N/RC:NC/SC:M/SE:A/U:S/PSI:S/", "coordinate"),
    (121, "SSVCv2/RP:N/SCON:Y/RC:C/SC:M/SE:U/U:L/PSI:M/", "coordinate"),
    (127, "SSVCv2/RP:N/SCON:Y/RC:C/SC:O/SE:A/U:S/PSI:M/", "decline"),
    (174, "SSVCv2/RP:N/SCON:Y/RC:C/SC:O/SE:A/U:S/PSI:S/", "track"),
    (179, "SSVCv2/RP:N/SCON:N/RC:C/SC:O/SE:U/U:S/PSI:S/", "decline"),
    (191, "SSVCv2/RP:N/SCON:Y/RC:C/SC:M/SE:U/U:S/PSI:S/", "coordinate"),
]


def _rows() -> list[tuple[int, dict[str, str], str]]:
    out = []
    for line in ROWS.strip().splitlines():
        number, *names, result = line.split(",")
        answers = {p.key: p.value_key(n) for p, n in zip(ssvc.POINTS, names, strict=True)}
        out.append((int(number), answers, result))
    return out


ALL_ROWS = _rows()


@pytest.mark.parametrize(("number", "answers", "expected"), ALL_ROWS,
                         ids=[f"row{r[0]}" for r in ALL_ROWS])
def test_every_row_of_the_table(number: int, answers: dict[str, str], expected: str) -> None:
    assert ssvc.outcome(answers) == expected
    vector = ssvc.to_vector(answers)
    assert ssvc.parse_vector(vector) == answers
    assert ssvc.outcome(ssvc.answer({}, vector)) == expected


@pytest.mark.parametrize(("number", "vector", "expected"), HAND_CHECKED,
                         ids=[f"row{r[0]}" for r in HAND_CHECKED])
def test_rows_checked_by_hand_against_the_source(number: int, vector: str,
                                                 expected: str) -> None:
    assert ssvc.outcome(ssvc.parse_vector(vector)) == expected
    assert ALL_ROWS[number][2] == expected


def test_the_table_has_every_combination_once() -> None:
    combos = set(itertools.product(*(VALUES[k] for k in ORDER)))
    keys = [tuple(a[k] for k in ORDER) for _, a, _ in ALL_ROWS]
    assert len(keys) == len(combos) == 192
    assert set(keys) == combos
    assert [n for n, _, _ in ALL_ROWS] == list(range(192))
    assert {r for _, _, r in ALL_ROWS} == set(ssvc.OUTCOMES)


@pytest.mark.parametrize("column", ORDER)
def test_a_more_pressing_answer_never_lowers_the_priority(column: str) -> None:
    """SSVC's own reading of the points: a public report, an uncontacted supplier, a report
    that is not credible, one supplier, an active supplier, low utility and minimal impact
    each make coordinating less needed; a step the other way never lowers the outcome."""
    table = {tuple(a[k] for k in ORDER): RANK[r] for _, a, r in ALL_ROWS}
    i, values = ORDER.index(column), VALUES[column]
    for key, rank in table.items():
        j = values.index(key[i])
        if j + 1 < len(values):
            higher = (*key[:i], values[j + 1], *key[i + 1:])
            assert table[higher] >= rank, (key, higher)


def test_an_incomplete_vector_has_no_outcome_yet() -> None:
    answers = ssvc.parse_vector("SSVCv2/RP:N/SCON:Y/")
    assert ssvc.outcome(answers) is None and ssvc.proposal(answers) is None
    assert "unanswered: credibility, cardinality, engagement, utility, safety" in \
        ssvc.describe(answers)


@pytest.mark.parametrize(("text", "expected"), [
    ("public no", {"RP": "N"}),
    ("RP N", {"RP": "N"}),
    ("report-public yes", {"RP": "Y"}),
    ("credibility not credible", {"RC": "NC"}),
    ("utility super-effective", {"U": "S"}),
    ("utility super effective safety significant", {"U": "S", "PSI": "S"}),
    ("supplier_engagement unresponsive", {"SE": "U"}),
    ("SSVCv2/SC:M/SE:U/2026-03-02T12:00:00Z/", {"SC": "M", "SE": "U"}),
])
def test_command_forms(text: str, expected: dict[str, str]) -> None:
    assert ssvc.answer({}, text) == expected


@pytest.mark.parametrize(("text", "says"), [
    ("", "takes a decision point"),
    ("weather sunny", "is not a coordinator triage decision point"),
    ("utility fast", "utility is one of: laborious, efficient, super effective"),
    ("safety", "public safety impact needs a value"),
    ("SSVCv2/RP:N/XX:Y/", "is not KEY:VALUE"),
    ("SSVCv2/RC:maybe/", "report credibility is one of"),
    ("SSVCv2/", "answers no decision point"),
    ("SSVCv2/RP:N/ SSVCv2/SC:M/", "has no spaces"),
])
def test_parsing_errors_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(InputError) as err:
        ssvc.answer({}, text)
    assert says in err.value.reason


def cmd(text: str) -> TrackerEvent:
    return TrackerEvent(kind=EventKind.COMMAND, tracker="github", ref=REF, project="acme/widget",
                        actor="maintainer", command=parse_commands(text)[0], at=NOW)


EMPTY = CaseFields()


def view(fields: CaseFields = EMPTY, rm: RM = RM.RECEIVED) -> CaseView:
    return CaseView("https://bridge.example/reports/1", rm, fields=fields)


def body(decision_effects: tuple[object, ...]) -> str:
    (comment,) = [e for e in decision_effects if isinstance(e, Comment)]
    return comment.body


@pytest.mark.parametrize(("vector", "transition", "how"), [
    ("SSVCv2/RP:Y/SCON:N/RC:NC/SC:O/SE:A/U:L/PSI:M/", "invalidate", "`/vultron invalidate`"),
    ("SSVCv2/RP:N/SCON:Y/RC:C/SC:O/SE:A/U:S/PSI:S/", "defer", "`/vultron defer`"),
    ("SSVCv2/RP:N/SCON:Y/RC:C/SC:M/SE:U/U:S/PSI:S/", "validate", "`/vultron validate`"),
])
def test_the_outcome_is_proposed_privately_and_nothing_is_sent(vector: str, transition: str,
                                                               how: str) -> None:
    d = decide(cmd(f"/vultron ssvc {vector}"), view(), RuleSet(), NOW)
    assert not d.intents and d.refused is None and d.view is None
    assert d.fields is not None and d.fields.ssvc == vector
    text = body(d.effects)
    assert f"proposes to {transition}" in text and how in text
    (comment,) = [e for e in d.effects if isinstance(e, Comment)]
    assert comment.content  # a private comment, like every field answer


def test_answers_accumulate_and_a_bad_one_changes_nothing() -> None:
    first = decide(cmd("/vultron ssvc public no contacted yes"), view(), RuleSet(), NOW)
    assert first.fields is not None and first.fields.ssvc == "SSVCv2/RP:N/SCON:Y/"
    assert "unanswered: credibility" in body(first.effects)
    second = decide(cmd("/vultron ssvc utility fast"), view(first.fields), RuleSet(), NOW)
    assert second.fields is None and second.refused is not None
    assert "nothing was changed" in body(second.effects) and "/vultron ssvc" in \
        body(second.effects)


def test_the_vector_is_kept_with_the_fields_and_shown() -> None:
    vector = "SSVCv2/RP:N/SCON:Y/RC:C/SC:M/SE:U/U:S/PSI:S/"
    d = decide(cmd(f"/vultron ssvc {vector}"), view(), RuleSet(), NOW)
    assert d.fields is not None
    stored = to_data(d.fields)
    assert stored["ssvc"] == vector
    assert from_data(stored).ssvc == vector
    assert f"**SSVC**: {vector} → **coordinate**" in show(from_data(stored))
    shown = decide(cmd("/vultron fields"), view(d.fields), RuleSet(), NOW)
    assert vector in body(shown.effects)
    cleared = decide(cmd("/vultron unset ssvc"), view(d.fields), RuleSet(), NOW)
    assert cleared.fields is not None and cleared.fields.ssvc is None


def test_ssvc_alone_shows_the_triage() -> None:
    d = decide(cmd("/vultron ssvc"), view(CaseFields(ssvc="SSVCv2/RP:N/")), RuleSet(), NOW)
    assert d.fields is None and "SSVCv2/RP:N/ (unanswered" in body(d.effects)
