"""The ``vultron:*`` labels (``bridge/core/labels.py``) as protocol states and events: data only.

Translation rules read these dicts; ``docs/protocol.md`` shows them as tables.

- CS: each CS label reports one case event. ``V`` (vendor aware) has no label: receiving the
  report makes the vendor aware.
- RM: the ``rm`` label group names the participant's RM state; ``START`` has no label (no
  report yet).
- EM: the ``em`` label group names the case's EM state. ``REVISE`` shows as
  ``vultron:embargo-active`` (the agreed terms stay in force while a revision is open);
  ``NONE`` has no label.
- EM answers: ``vultron:embargo-accept`` / ``vultron:embargo-reject`` answer whatever is
  pending: a proposal (``EA``/``ER``) in ``PROPOSED``, a revision (``EC``/``EJ``) in ``REVISE``.
"""

from __future__ import annotations

from bridge.core.states.cs_names import CSEvent
from bridge.core.states.em import EM, EMEvent
from bridge.core.states.rm import RM

CS_EVENT_BY_LABEL: dict[str, CSEvent] = {
    "vultron:fix-ready": CSEvent.F,
    "vultron:fix-deployed": CSEvent.D,
    "vultron:public": CSEvent.P,
    "vultron:exploit-public": CSEvent.X,
    "vultron:attacks-observed": CSEvent.A,
}
LABEL_BY_CS_EVENT: dict[CSEvent, str] = {e: name for name, e in CS_EVENT_BY_LABEL.items()}

RM_BY_LABEL: dict[str, RM] = {
    "vultron:received": RM.RECEIVED,
    "vultron:valid": RM.VALID,
    "vultron:invalid": RM.INVALID,
    "vultron:accepted": RM.ACCEPTED,
    "vultron:deferred": RM.DEFERRED,
    "vultron:closed": RM.CLOSED,
}
LABEL_BY_RM: dict[RM, str] = {state: name for name, state in RM_BY_LABEL.items()}

EM_BY_LABEL: dict[str, EM] = {
    "vultron:embargo-proposed": EM.PROPOSED,
    "vultron:embargo-active": EM.ACTIVE,
    "vultron:embargo-exited": EM.EXITED,
}
LABEL_BY_EM: dict[EM, str] = {
    EM.PROPOSED: "vultron:embargo-proposed",
    EM.ACTIVE: "vultron:embargo-active",
    EM.REVISE: "vultron:embargo-active",
    EM.EXITED: "vultron:embargo-exited",
}

EM_ANSWER_BY_LABEL: dict[str, dict[EM, EMEvent]] = {
    "vultron:embargo-accept": {EM.PROPOSED: EMEvent.ACCEPT, EM.REVISE: EMEvent.ACCEPT_REVISION},
    "vultron:embargo-reject": {EM.PROPOSED: EMEvent.REJECT, EM.REVISE: EMEvent.REJECT_REVISION},
}
"""Answer labels: ``label -> {EM state it answers in -> EM event}``."""
