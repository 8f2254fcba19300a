"""Addressing and the send-time content rule (pure)."""

from __future__ import annotations

import pytest

from bridge.core.rules.audience import (
    Audience,
    addressees,
    audience,
    carries_content,
    content_refusal,
    subjects_of,
)

US = "https://bridge.example/actors/vendor"
FINDER = "https://finder.example/actors/finn"
OWNER = "https://vendor.example/actors/owner"
CASE_ACTOR = "https://vendor.example/actors/case-actor-1"
OTHER = "https://other.example/actors/o"
MEMBERS = (US, FINDER, OWNER, CASE_ACTOR, OTHER)


@pytest.mark.parametrize("code", ["EA", "EC", "ER", "EJ"])
def test_an_embargo_answer_goes_to_the_proposer_with_the_case_actor_in_cc(code: str) -> None:
    got = audience(code, us=US, members=MEMBERS, in_case=True, answered=OWNER,
                   case_actor=CASE_ACTOR)
    assert got == Audience((OWNER,), (CASE_ACTOR,))


def test_an_answer_to_the_case_actor_itself_is_not_copied_to_it() -> None:
    got = audience("EA", us=US, members=MEMBERS, in_case=True, answered=CASE_ACTOR,
                   case_actor=CASE_ACTOR)
    assert got == Audience((CASE_ACTOR,))


def test_an_answer_in_a_case_without_case_actor_goes_to_the_proposer_only() -> None:
    assert audience("EC", us=US, members=MEMBERS, in_case=True, answered=FINDER) == Audience(
        (FINDER,))


@pytest.mark.parametrize("code,in_case", [("RV", False), ("RI", False), ("RC", False),
                                          ("RV", True), ("ACCEPT_INVITE", False),
                                          ("REJECT_INVITE", False)])
def test_report_replies_go_to_the_offerer(code: str, in_case: bool) -> None:
    got = audience(code, us=US, members=MEMBERS, in_case=in_case, answered=FINDER)
    assert got.to == (FINDER,)


@pytest.mark.parametrize("code", ["RA", "RD", "RC", "CF", "CD", "CP", "EP", "EV", "ET", "NOTE",
                                  "CREATE_CASE"])
def test_case_level_messages_go_to_every_admitted_participant_but_us(code: str) -> None:
    got = audience(code, us=US, members=MEMBERS, in_case=True, answered=FINDER,
                   case_actor=CASE_ACTOR)
    assert got == Audience(tuple(sorted(set(MEMBERS) - {US})))


def test_addressees_are_to_cc_bto_bcc_but_us_in_order() -> None:
    activity = {"to": [FINDER, US], "cc": CASE_ACTOR, "bto": [{"id": OTHER}], "bcc": [FINDER],
                "audience": [OWNER]}
    assert addressees(activity, US) == [FINDER, CASE_ACTOR, OTHER]
    assert addressees({"type": "Note"}, US) == []


def test_content_is_a_report_or_note_inline_anywhere() -> None:
    offer = {"type": "Offer", "object": {"type": "VulnerabilityReport", "id": "r"}}
    assert carries_content({"type": "Accept", "object": offer})
    assert carries_content({"type": "Create", "object": {"type": "VulnerabilityCase",
                            "vulnerabilityReports": [{"type": "VulnerabilityReport"}]}})
    assert carries_content({"type": "Create", "object": {"type": "Note", "content": "x"}})
    assert not carries_content({"type": "Join", "object": {"type": "VulnerabilityCase",
                                "vulnerabilityReports": ["r"]}})
    assert not carries_content({"type": "Add", "object": {"type": "ParticipantStatus"}})


def test_content_goes_only_to_admitted_participants() -> None:
    note = {"type": "Create", "context": "c", "object": {"type": "Note", "content": "x"}}
    assert content_refusal(note, FINDER, frozenset({US, FINDER})) is None
    refused = content_refusal(note, OTHER, frozenset({US, FINDER}))
    assert refused and "not an admitted participant" in refused and "x" not in refused
    assert content_refusal(note, FINDER, None) is not None
    status = {"type": "Add", "context": "c", "object": {"type": "ParticipantStatus"}}
    assert content_refusal(status, OTHER, frozenset()) is None


def test_subjects_of_name_the_context_the_case_and_the_offered_report() -> None:
    rv = {"type": "Accept", "object": {"type": "Offer", "object": {"id": "report-1"}}}
    assert subjects_of(rv) == ["report-1"]
    create = {"type": "Create", "context": "case-1", "object": {"type": "VulnerabilityCase",
                                                               "id": "case-1"}}
    assert subjects_of(create) == ["case-1"]
    ea = {"type": "Accept", "context": "case-2", "object": {"type": "Invite",
                                                           "context": "case-3"}}
    assert subjects_of(ea) == ["case-2", "case-3"]
    answer = {"type": "Accept", "object": {"type": "Invite", "target": "case-4"}}
    assert subjects_of(answer) == ["case-4"]


@pytest.mark.parametrize("code", ["RV", "RI"])
def test_RV_RI_in_a_case_with_no_offer_to_answer_are_our_status_to_the_case(
        code: str) -> None:
    """We joined by invitation: no Offer was made to us, so RV/RI are our participant status
    in the case, to every admitted participant like CF (never to nobody)."""
    got = audience(code, us=US, members=MEMBERS, in_case=True, answered=None,
                   case_actor=CASE_ACTOR)
    assert got == Audience(tuple(sorted(set(MEMBERS) - {US})))
