"""SSVC Coordinator Triage: the team's answers to its seven decision points, kept with the case
as a vector, and the outcome (decline / track / coordinate) the table gives them (pure).

The table is CERT/CC's, encoded as data in :mod:`bridge.core.records.ssvc_table` (the official
``certcc-ssvc`` package needs Python ≥ 3.12; the project's floor is 3.11). The decision points,
their keys and their values' keys are SSVC's (``src/ssvc/decision_points/ssvc/*.py`` of
CERTCC/SSVC): Report Public ``RP``, Supplier Contacted ``SCON``, Report Credibility ``RC``,
Supplier Cardinality ``SC``, Supplier Engagement ``SE``, Utility ``U``, Public Safety Impact
``PSI``. The vector is written ``SSVCv2/RP:N/SCON:Y/RC:C/SC:M/SE:U/U:S/PSI:S/``, answered
points only, in that order.

The outcome is only *proposed* as the RM transition (decline → invalidate, track → defer,
coordinate → validate, which creates the case): the team decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bridge.core.errors import InputError
from bridge.core.records.ssvc_table import ROWS

PREFIX = "SSVCv2/"
LABEL_PREFIX = "ssvc:"
"""A label ``ssvc:<decision point>:<value>`` answers one point (``ssvc:public:no``)."""
OUTCOMES = ("decline", "track", "coordinate")
"""From least to most involvement."""


@dataclass(frozen=True)
class DecisionPoint:
    key: str
    name: str
    word: str
    """How ``/vultron ssvc <word> <value>`` names it."""
    values: tuple[tuple[str, str], ...]
    """(key, name) of each value, in SSVC's order."""

    def value_key(self, text: str) -> str:
        """The key of the value ``text`` names (its key or its name); InputError if none."""
        wanted = _norm(text)
        for key, name in self.values:
            if wanted in (key.lower(), _norm(name)):
                return key
        shown = ", ".join(name for _, name in self.values)
        raise InputError(f"{self.name} is one of: {shown} (not {text[:40]!r})")

    def value_name(self, key: str) -> str:
        return dict(self.values)[key]


POINTS: tuple[DecisionPoint, ...] = (
    DecisionPoint("RP", "report public", "public", (("Y", "yes"), ("N", "no"))),
    DecisionPoint("SCON", "supplier contacted", "contacted", (("N", "no"), ("Y", "yes"))),
    DecisionPoint("RC", "report credibility", "credibility",
                  (("NC", "not credible"), ("C", "credible"))),
    DecisionPoint("SC", "supplier cardinality", "cardinality", (("O", "one"), ("M", "multiple"))),
    DecisionPoint("SE", "supplier engagement", "engagement",
                  (("A", "active"), ("U", "unresponsive"))),
    DecisionPoint("U", "utility", "utility",
                  (("L", "laborious"), ("E", "efficient"), ("S", "super effective"))),
    DecisionPoint("PSI", "public safety impact", "safety",
                  (("M", "minimal"), ("S", "significant"))),
)
BY_KEY = {p.key: p for p in POINTS}

PROPOSED: dict[str, tuple[str, str]] = {
    "decline": ("invalidate", "add the label `vultron:invalid` or comment `/vultron invalidate`"),
    "track": ("defer", "add the label `vultron:deferred` or comment `/vultron defer`"),
    "coordinate": ("validate", "add the label `vultron:valid` or comment `/vultron validate` "
                               "(validating creates the case)"),
}
"""Outcome → the RM transition proposed for it, and how to ask for it."""

Answers = Mapping[str, str]
"""Decision point key → value key (``{"RP": "N", "U": "S"}``)."""


def _norm(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.strip().lower())


def point(text: str) -> DecisionPoint:
    """The decision point ``text`` names: its key, its command word or its name."""
    wanted = _norm(text)
    for p in POINTS:
        if wanted in (p.key.lower(), p.word, p.name):
            return p
    shown = ", ".join(f"{p.word} ({p.key})" for p in POINTS)
    raise InputError(f"{text[:40]!r} is not a coordinator triage decision point; they are: "
                     f"{shown}")


def _parse_rows(text: str) -> dict[tuple[str, ...], str]:
    table: dict[tuple[str, ...], str] = {}
    for line in text.strip().splitlines():
        _row, *names, outcome = line.split(",")
        keys = tuple(p.value_key(n) for p, n in zip(POINTS, names, strict=True))
        table[keys] = outcome
    return table


TABLE: dict[tuple[str, ...], str] = _parse_rows(ROWS)
"""(RP, SCON, RC, SC, SE, U, PSI value keys) → outcome, for every combination."""


def outcome(answers: Answers) -> str | None:
    """The table's outcome once every decision point is answered (None before)."""
    if any(p.key not in answers for p in POINTS):
        return None
    return TABLE[tuple(answers[p.key] for p in POINTS)]


def to_vector(answers: Answers) -> str:
    return PREFIX + "".join(f"{p.key}:{answers[p.key]}/" for p in POINTS if p.key in answers)


def parse_vector(text: str) -> dict[str, str]:
    """The answers of a vector (``SSVCv2/RP:N/…/``; a partial one too); InputError saying how
    to write it."""
    body = text.strip()
    if not body.upper().startswith(PREFIX.upper()):
        raise InputError(f"an SSVC vector starts with {PREFIX}")
    answers: dict[str, str] = {}
    for part in filter(None, body[len(PREFIX):].split("/")):
        key, sep, value = part.partition(":")
        if not sep or key.upper() not in BY_KEY:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+Z?", part):  # SSVC's optional timestamp
                continue
            raise InputError(f"{part[:40]!r} is not KEY:VALUE of a coordinator triage decision "
                             f"point ({', '.join(BY_KEY)})")
        answers[key.upper()] = BY_KEY[key.upper()].value_key(value)
    if not answers:
        raise InputError("the SSVC vector answers no decision point")
    return answers


def answer(answers: Answers, text: str) -> dict[str, str]:
    """The answers after ``/vultron ssvc <text>``: a vector, or ``<decision point> <value>``
    (several pairs may follow each other: ``public no contacted yes``)."""
    words = text.split()
    if not words:
        raise InputError("ssvc takes a decision point and its value, or a vector")
    if words[0].upper().startswith(PREFIX.upper()):
        if len(words) != 1:
            raise InputError("an SSVC vector has no spaces")
        return {**answers, **parse_vector(words[0])}
    out = dict(answers)
    pairs = _pairs(words)
    for name, value in pairs:
        p = point(name)
        out[p.key] = p.value_key(value)
    return out


def _pairs(words: list[str]) -> list[tuple[str, str]]:
    """``public no supplier-contacted yes utility super effective`` → name/value pairs (a
    value may be two words: ``not credible``, ``super effective``)."""
    pairs: list[tuple[str, str]] = []
    n = 0
    while n < len(words):
        p = point(words[n])
        if n + 1 >= len(words):
            raise InputError(f"{p.name} needs a value: "
                             f"{', '.join(name for _, name in p.values)}")
        two = " ".join(words[n + 1:n + 3])
        if n + 2 < len(words) and any(_norm(two) == _norm(v) for _, v in p.values):
            pairs.append((words[n], two))
            n += 3
        else:
            pairs.append((words[n], words[n + 1]))
            n += 2
    return pairs


def describe(answers: Answers) -> str:
    """The vector, and the outcome or what is still unanswered."""
    result = outcome(answers)
    if result is not None:
        return f"{to_vector(answers)} → **{result}**"
    open_points = ", ".join(p.word for p in POINTS if p.key not in answers)
    return f"{to_vector(answers)} (unanswered: {open_points})"


def proposal(answers: Answers) -> str | None:
    """The proposed RM transition, as a sentence for the private comment (None: not all the
    decision points are answered yet)."""
    result = outcome(answers)
    if result is None:
        return None
    transition, how = PROPOSED[result]
    return (f"SSVC coordinator triage says **{result}**: the bridge proposes to {transition} "
            f"the report — {how}. Nothing is sent until you do; the team decides.")


def label_answer(label: str | None) -> str | None:
    """The ``/vultron ssvc`` text a label ``ssvc:<decision point>:<value>`` stands for
    (``ssvc:utility:super-effective`` → ``utility super-effective``); None for any other
    label. Whether the point and value exist is checked when it is answered."""
    if not label or not label.lower().startswith(LABEL_PREFIX):
        return None
    name, sep, value = label[len(LABEL_PREFIX):].partition(":")
    if not (sep and name.strip() and value.strip()):
        return None
    return f"{name.strip()} {value.strip()}"
