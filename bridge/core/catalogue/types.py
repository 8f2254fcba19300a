"""Message types, the state changes they cause (as data), and a catalogue entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bridge.core.vocab.enums import EM


class MessageType(StrEnum):
    """Every protocol message the bridge sends or understands.

    Values are the protocol's two-letter codes where the Vultron protocol defines one
    (RS, RV, EP, CV …) and a descriptive name otherwise.
    """

    # report management
    CREATE_REPORT = "CREATE_REPORT"
    RS = "RS"
    RK = "RK"
    RV = "RV"
    RI = "RI"
    RC = "RC"
    RA = "RA"
    RD = "RD"
    REENGAGE_CASE = "REENGAGE_CASE"
    CLOSE_CASE = "CLOSE_CASE"
    # embargo management
    EP = "EP"
    EV = "EV"
    EA = "EA"
    EC = "EC"
    ER = "ER"
    EJ = "EJ"
    ET = "ET"
    EK = "EK"
    CREATE_EMBARGO = "CREATE_EMBARGO"
    ADD_EMBARGO_TO_CASE = "ADD_EMBARGO_TO_CASE"
    ANNOUNCE_EMBARGO = "ANNOUNCE_EMBARGO"
    CHOOSE_PREFERRED_EMBARGO = "CHOOSE_PREFERRED_EMBARGO"
    # case state
    CV = "CV"
    CF = "CF"
    CD = "CD"
    CP = "CP"
    CX = "CX"
    CA = "CA"
    ADD_PARTICIPANT_STATUS = "ADD_PARTICIPANT_STATUS"
    ADD_CASE_STATUS = "ADD_CASE_STATUS"
    CREATE_PARTICIPANT_STATUS = "CREATE_PARTICIPANT_STATUS"
    CREATE_CASE_STATUS = "CREATE_CASE_STATUS"
    # participants
    INVITE_TO_CASE = "INVITE_TO_CASE"
    ACCEPT_INVITE_TO_CASE = "ACCEPT_INVITE_TO_CASE"
    REJECT_INVITE_TO_CASE = "REJECT_INVITE_TO_CASE"
    SUGGEST_ACTOR = "SUGGEST_ACTOR"
    ACCEPT_SUGGESTED_ACTOR = "ACCEPT_SUGGESTED_ACTOR"
    REJECT_SUGGESTED_ACTOR = "REJECT_SUGGESTED_ACTOR"
    CREATE_PARTICIPANT = "CREATE_PARTICIPANT"
    ADD_PARTICIPANT = "ADD_PARTICIPANT"
    REMOVE_PARTICIPANT = "REMOVE_PARTICIPANT"
    # case lifecycle
    CREATE_CASE = "CREATE_CASE"
    UPDATE_CASE = "UPDATE_CASE"
    ADD_REPORT_TO_CASE = "ADD_REPORT_TO_CASE"
    CASE_LEDGER_ENTRY = "CASE_LEDGER_ENTRY"
    REJECT_LEDGER_ENTRY = "REJECT_LEDGER_ENTRY"
    # case ownership
    OFFER_CASE_OWNERSHIP = "OFFER_CASE_OWNERSHIP"
    ACCEPT_CASE_OWNERSHIP = "ACCEPT_CASE_OWNERSHIP"
    REJECT_CASE_OWNERSHIP = "REJECT_CASE_OWNERSHIP"
    # notes
    CREATE_NOTE = "CREATE_NOTE"
    ADD_NOTE_TO_CASE = "ADD_NOTE_TO_CASE"
    REMOVE_NOTE_FROM_CASE = "REMOVE_NOTE_FROM_CASE"


class Machine(StrEnum):
    RM = "RM"
    """report management, per participant"""
    EM = "EM"
    """embargo management, per case"""
    CS = "CS"
    """case state: vfd per participant, pxa per case"""
    PEC = "PEC"
    """participant embargo consent"""


class Party(StrEnum):
    SENDER = "sender"
    """the activity's actor"""
    RECIPIENT = "recipient"
    """who the activity is addressed to (the invitee, the report's receiver)"""
    CASE = "case"
    """the case as a whole"""


@dataclass(frozen=True)
class StateChange:
    """One state-machine event a message causes: ``StateChange(RM, "validate", SENDER)``."""

    machine: Machine
    event: str
    party: Party

    def __str__(self) -> str:
        return f"{self.machine.value} {self.event} ({self.party.value})"


@dataclass(frozen=True)
class MessageSpec:
    """One row of the catalogue."""

    type: MessageType
    group: str
    name: str
    activity: str
    """the activity type on the wire, e.g. ``Accept``"""
    object: str
    """the object shape on the wire, e.g. ``Offer(VulnerabilityReport)``"""
    description: str
    changes: tuple[StateChange, ...]
    factory: Callable[..., Any]
    em_states: tuple[EM, ...] = ()
    """when non-empty: the case EM states in which this shape means this message"""
    code: str = ""
    """the Vultron protocol message code (RS, RV, EP…) when there is one"""

    @property
    def wire(self) -> str:
        return f"{self.activity}({self.object})"
