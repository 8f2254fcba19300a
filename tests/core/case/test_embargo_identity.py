"""An EmbargoEvent without an id: known by one derived from the activity that carried it
(the reference mints a fresh random one of its own whenever it parses one), and an embargo
end that names none is refused — it ends nothing at the reference either."""

from __future__ import annotations

from bridge.core.case import Act, authorize
from bridge.core.case.claims import claim_of
from bridge.core.case.documents import DERIVED, identified
from bridge.core.vocab.objects import EmbargoEvent
from tests.core.test_inbound_rows import CASE, EMBARGO, OWNER, activity, known, parse, the_case


def test_an_id_less_embargo_is_known_by_its_carrier() -> None:
    bare = EmbargoEvent(context=CASE)
    assert identified(bare, "urn:uuid:invite-1").id == f"urn:uuid:invite-1{DERIVED}"
    # deterministic: the same carrier names the same embargo (reprocessing, an answer
    # carrying the same Invite inline)
    assert identified(bare, "urn:uuid:invite-1") == identified(bare, "urn:uuid:invite-1")
    assert identified(bare, None).id is None


def test_an_embargo_with_an_id_keeps_it() -> None:
    named = EmbargoEvent(id=EMBARGO, context=CASE)
    assert identified(named, "urn:uuid:invite-1") is named


def test_an_embargo_end_naming_no_embargo_is_refused() -> None:
    remove = activity("Remove", OWNER, {"type": "EmbargoEvent", "context": CASE}, target=CASE)
    claim = claim_of(parse(remove), OWNER)
    assert claim.act is Act.EMBARGO_END and claim.embargo_id is None
    verdict = authorize(known(the_case()), claim)
    assert (verdict.allowed, verdict.rule) == (False, "embargo_id")
    assert "names no embargo" in verdict.reason
    # with no active embargo known, still nothing to end by identity
    verdict = authorize(known(the_case(active_embargo=None)), claim)
    assert (verdict.allowed, verdict.rule) == (False, "embargo_id")
