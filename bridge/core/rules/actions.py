"""What the team can do (actions), how labels and commands name them, and the rule set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bridge.core.errors import InputError
from bridge.core.states.cs_names import CSEvent
from bridge.core.states.em import EMEvent
from bridge.core.states.rm import RMEvent


class Action(StrEnum):
    VALIDATE = "validate"
    INVALIDATE = "invalidate"
    ENGAGE = "engage"
    DEFER = "defer"
    REENGAGE = "reengage"
    CLOSE = "close"
    FIX_READY = "fix-ready"
    FIX_DEPLOYED = "fix-deployed"
    PUBLISHED = "published"
    EXPLOIT_PUBLIC = "exploit-public"
    ATTACKS_OBSERVED = "attacks-observed"
    EMBARGO_ACCEPT = "embargo-accept"
    EMBARGO_REJECT = "embargo-reject"
    EMBARGO_PROPOSE = "embargo-propose"
    EMBARGO_TERMINATE = "embargo-terminate"
    CASE_ACCEPT = "case-accept"
    CASE_REJECT = "case-reject"
    """Answer an ``Invite(us → case)``."""
    NOTE = "note"
    REPLY = "reply"
    STATUS = "status"
    SET = "set"
    ADD = "add"
    UNSET = "unset"
    FIELDS = "fields"
    """``set``/``add``/``unset``/``fields``: the case's publication fields."""
    SSVC = "ssvc"
    """SSVC coordinator triage answers (kept with the fields; the outcome is proposed)."""
    WITHDRAW = "withdraw"
    """Withdraw the published records (kept with the fields: ``withdrawn_at``)."""
    HELP = "help"


RM_ACTIONS: dict[Action, RMEvent] = {
    Action.VALIDATE: RMEvent.VALIDATE,
    Action.INVALIDATE: RMEvent.INVALIDATE,
    Action.ENGAGE: RMEvent.ACCEPT,
    Action.DEFER: RMEvent.DEFER,
    Action.REENGAGE: RMEvent.ACCEPT,
    Action.CLOSE: RMEvent.CLOSE,
}
CS_ACTIONS: dict[Action, CSEvent] = {
    Action.FIX_READY: CSEvent.F,
    Action.FIX_DEPLOYED: CSEvent.D,
    Action.PUBLISHED: CSEvent.P,
    Action.EXPLOIT_PUBLIC: CSEvent.X,
    Action.ATTACKS_OBSERVED: CSEvent.A,
}
EM_PROPOSALS = {Action.EMBARGO_PROPOSE: (EMEvent.PROPOSE, EMEvent.PROPOSE_REVISION)}
"""Proposing in NONE/PROPOSED is EP; while an embargo is in force it is a revision, EV."""
EM_ANSWERS = {
    Action.EMBARGO_ACCEPT: (EMEvent.ACCEPT, EMEvent.ACCEPT_REVISION),
    Action.EMBARGO_REJECT: (EMEvent.REJECT, EMEvent.REJECT_REVISION),
}

DEFAULT_LABELS: dict[str, Action] = {
    "vultron:valid": Action.VALIDATE,
    "vultron:invalid": Action.INVALIDATE,
    "vultron:accepted": Action.ENGAGE,
    "vultron:deferred": Action.DEFER,
    "vultron:fix-ready": Action.FIX_READY,
    "vultron:fix-deployed": Action.FIX_DEPLOYED,
    "vultron:public": Action.PUBLISHED,
    "vultron:exploit-public": Action.EXPLOIT_PUBLIC,
    "vultron:attacks-observed": Action.ATTACKS_OBSERVED,
    "vultron:embargo-accept": Action.EMBARGO_ACCEPT,
    "vultron:embargo-reject": Action.EMBARGO_REJECT,
}
"""Label added → action (docs/mapping.md rows O1–O13)."""

UNLABEL_ACTIONS: dict[str, Action] = {"vultron:deferred": Action.REENGAGE}
"""Label removed → action (row O5)."""

STATE_LABELS = frozenset(
    {
        "vultron:received", "vultron:closed", "vultron:embargo-proposed",
        "vultron:embargo-active", "vultron:embargo-exited", "vultron:embargo-breach",
    }
)
"""Labels that show state; the bridge sets them, and changing them by hand sends nothing."""

COMMAND_ACTIONS: dict[str, Action] = {
    a.value: a
    for a in Action
    if a not in (Action.EMBARGO_ACCEPT, Action.EMBARGO_REJECT, Action.EMBARGO_PROPOSE,
                 Action.EMBARGO_TERMINATE, Action.CASE_ACCEPT, Action.CASE_REJECT)
}
CASE_COMMANDS: dict[str, Action] = {"accept": Action.CASE_ACCEPT, "reject": Action.CASE_REJECT}
"""``/vultron case accept|reject``: answers to an invitation to a case."""
EMBARGO_COMMANDS: dict[str, Action] = {
    "accept": Action.EMBARGO_ACCEPT,
    "reject": Action.EMBARGO_REJECT,
    "propose": Action.EMBARGO_PROPOSE,
    "terminate": Action.EMBARGO_TERMINATE,
}

HOW_TO: dict[Action, str] = {
    Action.VALIDATE: "add the label `vultron:valid` or comment `/vultron validate`",
    Action.INVALIDATE: "add the label `vultron:invalid` or comment `/vultron invalidate`",
    Action.ENGAGE: "add the label `vultron:accepted` or comment `/vultron engage`",
    Action.DEFER: "add the label `vultron:deferred` or comment `/vultron defer`",
    Action.REENGAGE: "remove the label `vultron:deferred` or comment `/vultron reengage`",
    Action.CLOSE: "close the issue or comment `/vultron close`",
    Action.FIX_READY: "add the label `vultron:fix-ready` or comment `/vultron fix-ready`",
    Action.FIX_DEPLOYED: "add the label `vultron:fix-deployed` or comment `/vultron fix-deployed`",
    Action.PUBLISHED: "add the label `vultron:public` or comment `/vultron published`",
    Action.EXPLOIT_PUBLIC: "add the label `vultron:exploit-public`",
    Action.ATTACKS_OBSERVED: "add the label `vultron:attacks-observed`",
}


@dataclass(frozen=True)
class RuleSet:
    """The configured mapping and policies (from ``rules:`` in the configuration)."""

    labels: Mapping[str, Action] = field(default_factory=lambda: dict(DEFAULT_LABELS))
    close_policy: str = "all"
    """``all``: send RC when the last of this participant's linked issues closes; ``any``:
    on the first."""
    bot_login: str | None = None
    """Events by this login are the bridge's own and are ignored."""
    requirements: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Action name → the publication fields it needs (``bridge.core.records.requirements``)."""

    @classmethod
    def from_config(
        cls, overrides: Mapping[str, str], close_policy: str = "all", bot_login: str | None = None,
        requirements: Mapping[str, tuple[str, ...]] | None = None,
    ) -> RuleSet:
        """Defaults plus ``rules.labels`` overrides (label → action name)."""
        labels = dict(DEFAULT_LABELS)
        for label, name in overrides.items():
            try:
                labels[label] = Action(name)
            except ValueError:
                known = ", ".join(a.value for a in Action)
                raise InputError(
                    f"rules.labels.{label}: unknown action {name[:40]!r}; known: {known}"
                ) from None
        return cls(labels=labels, close_policy=close_policy, bot_login=bot_login,
                   requirements=dict(requirements or {}))
