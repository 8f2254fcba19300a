"""The label <-> state/event dicts agree with bridge.core.labels and cover the machines."""

from __future__ import annotations

from bridge.core import labels
from bridge.core.states import label_map as lm
from bridge.core.states.cs_names import CSEvent
from bridge.core.states.em import EM, EMEvent
from bridge.core.states.rm import RM


def test_cs_labels_are_the_ungrouped_cs_labels_and_name_their_event() -> None:
    assert lm.CS_EVENT_BY_LABEL == {
        "vultron:fix-ready": CSEvent.F, "vultron:fix-deployed": CSEvent.D,
        "vultron:public": CSEvent.P, "vultron:exploit-public": CSEvent.X,
        "vultron:attacks-observed": CSEvent.A,
    }
    for name, event in lm.CS_EVENT_BY_LABEL.items():
        spec = labels.BY_NAME[name]
        assert spec.group is None
        assert f"(CS: {event.value})" in spec.description
    assert set(lm.LABEL_BY_CS_EVENT) == set(CSEvent) - {CSEvent.V}


def test_rm_labels_are_exactly_the_rm_group() -> None:
    assert set(lm.RM_BY_LABEL) == {s.name for s in labels.LABELS if s.group == "rm"}
    assert set(lm.LABEL_BY_RM) == set(RM) - {RM.START}
    for state, name in lm.LABEL_BY_RM.items():
        assert lm.RM_BY_LABEL[name] is state


def test_em_labels_are_exactly_the_em_group() -> None:
    assert set(lm.EM_BY_LABEL) == {s.name for s in labels.LABELS if s.group == "em"}
    assert set(lm.LABEL_BY_EM) == set(EM) - {EM.NONE}
    assert lm.LABEL_BY_EM[EM.REVISE] == "vultron:embargo-active"
    for name, state in lm.EM_BY_LABEL.items():
        assert lm.LABEL_BY_EM[state] == name


def test_answer_labels_answer_what_is_pending() -> None:
    for name, by_state in lm.EM_ANSWER_BY_LABEL.items():
        assert name in labels.BY_NAME
        assert set(by_state) == {EM.PROPOSED, EM.REVISE}
    accept = lm.EM_ANSWER_BY_LABEL["vultron:embargo-accept"]
    assert accept == {EM.PROPOSED: EMEvent.ACCEPT, EM.REVISE: EMEvent.ACCEPT_REVISION}
    reject = lm.EM_ANSWER_BY_LABEL["vultron:embargo-reject"]
    assert reject == {EM.PROPOSED: EMEvent.REJECT, EM.REVISE: EMEvent.REJECT_REVISION}
