"""The private comments the rules write: refusals, help, status, embargo breach.

They name states, messages and times only — never report content.
"""

from __future__ import annotations

from datetime import datetime

from bridge.core.commands import COMMANDS
from bridge.core.errors import InputError
from bridge.core.rules.actions import HOW_TO, RM_ACTIONS, Action
from bridge.core.safetext import code
from bridge.core.states import rm
from bridge.core.states.em import EM, Embargo
from bridge.core.states.rm import RM
from bridge.core.times import when

HEADER = "**vultron-bridge**"


INSTEAD: dict[RM, str] = {
    RM.START: ("the bridge has not received this report through an Offer; accept the case "
               "invitation first (`/vultron case accept`)"),
    RM.RECEIVED: ("the report is received but not yet validated: validate it (it creates the "
                  "case) or invalidate it first; engaging, deferring, the fix and embargo "
                  "messages come after validation"),
    RM.INVALID: "the report is invalid: validate it after all, or close it",
    RM.VALID: ("the report is valid: engage the case (or defer it) next; closing comes after "
               "one of them"),
    RM.ACCEPTED: ("the case is engaged: the fix, publication and embargo messages apply; "
                  "defer or close it when work stops"),
    RM.DEFERRED: "the case is deferred: re-engage it, or close it",
    RM.CLOSED: "nothing: the report is closed",
}
"""What to do instead, by our RM state (the first line of every refusal's hints)."""


def _next_steps(state: RM) -> str:
    allowed = set(rm.allowed_events(state))
    steps = [f"- {INSTEAD[state]}"]
    steps += [
        f"- to {action.value}: {HOW_TO[action]}"
        for action, event in RM_ACTIONS.items()
        if event in allowed and action in HOW_TO
        and (action is not Action.REENGAGE or state is RM.DEFERRED)
        and (action is not Action.ENGAGE or state is not RM.DEFERRED)
    ]
    return "\n".join(steps)


def refusal(action: Action, reason: str, rm_state: RM, em_state: EM, cs_state: str) -> str:
    return (
        f"{HEADER}: nothing was sent for `{action.value}`.\n\n"
        f"Why: {reason}\n\n"
        f"Current state: report management {rm_state.value}, embargo {em_state.value}, "
        f"case {cs_state}.\n\nWhat you can do from here:\n{_next_steps(rm_state)}\n"
    )


def help_text(error: str | None) -> str:
    lines = [f"- `/vultron {name}`: {what}" for name, what in COMMANDS.items()]
    lead = f"{HEADER}: {error}.\n\n" if error else f"{HEADER} commands:\n\n"
    return lead + "\n".join(lines) + "\n"


def status(subject: str, rm_state: RM, embargo: Embargo, cs_state: str) -> str:
    return (
        f"{HEADER} status of {code(subject)}:\n\n"
        f"| machine | state |\n|---|---|\n"
        f"| report management | {rm_state.value} |\n"
        f"| embargo | {embargo.state.value} (ends {when(embargo.end_time)}) |\n"
        f"| case | {cs_state} |\n"
    )


def breach(what: str, at: datetime | None, end: datetime | None) -> str:
    return (
        f"{HEADER}: **embargo breach** — {what}"
        f"{' at ' + at.isoformat() if at else ''}.\n\n"
        f"The embargo is in force until {when(end)}. Nothing will be published or copied "
        "anywhere public by the bridge before then. Tell the case participants and decide "
        "whether to terminate the embargo early (`/vultron embargo terminate`).\n"
    )


def parse_end(text: str) -> datetime:
    """An embargo end from a command: ISO 8601 **with** a time zone."""
    raw = text.strip().split()[0] if text.strip() else ""
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            "the embargo end must be an ISO 8601 date and time with a time zone, "
            "e.g. 2027-01-31T00:00:00+00:00"
        ) from None
    if when.tzinfo is None:
        raise InputError("the embargo end needs a time zone, e.g. +00:00 or Z")
    return when
