"""Mail threads in the store (the ``objects`` table): which report each Message-ID belongs
to, and per report its thread — root, reporter, subject, recent ids, the key replies are
encrypted to.

* ``mail-message:<sha256 of the id>`` → ``{report, direction (in/out)}``: every mail of a
  thread, the reporter's and ours, so an answer to any of them finds the report;
* ``mail-thread:<report id>`` → ``{root, reporter, subject, messages, last_in, reply_key}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from bridge.core.mail.ids import digest
from bridge.store import state

KEEP = 20
"""Message-IDs kept per thread for ``References``."""


def _message(message_id: str) -> str:
    return f"mail-message:{digest(message_id)}"


def _thread(report: str) -> str:
    return f"mail-thread:{report}"


def find_report(session: Session, message_ids: Iterable[str]) -> str | None:
    """The report the first known id of ``message_ids`` belongs to."""
    for message_id in message_ids:
        record = state.get_object(session, _message(message_id))
        if record is not None and record.data.get("report"):
            return str(record.data["report"])
    return None


def remember(session: Session, message_id: str, report: str, direction: str,
             now: float) -> None:
    state.add_object(session, _message(message_id), "MailMessage",
                     {"report": report, "direction": direction}, now)


def get_thread(session: Session, report: str) -> dict[str, Any] | None:
    record = state.get_object(session, _thread(report))
    return dict(record.data) if record else None


def open_thread(session: Session, report: str, *, root: str, reporter: str, subject: str,
                now: float) -> bool:
    """Record a new thread (left as it is when it exists); True when recorded now."""
    return state.add_object(session, _thread(report), "MailThread", {
        "root": root, "reporter": reporter, "subject": subject, "messages": [root],
        "last_in": root, "reply_key": None,
    }, now)


def add_message(session: Session, report: str, message_id: str, now: float, *,
                incoming: bool) -> None:
    data = get_thread(session, report)
    if data is None:
        return
    ids = [i for i in data.get("messages", []) if i != message_id] + [message_id]
    data["messages"] = ids[-KEEP:]
    if incoming:
        data["last_in"] = message_id
    state.put_object(session, _thread(report), "MailThread", data, now)


def set_reply_key(session: Session, report: str, fingerprint: str, now: float) -> bool:
    """Record the key replies are encrypted to, once: a later mail cannot replace it."""
    data = get_thread(session, report)
    if data is None or data.get("reply_key"):
        return False
    data["reply_key"] = fingerprint
    state.put_object(session, _thread(report), "MailThread", data, now)
    return True


def threads_for(session: Session, subjects: Iterable[str]) -> tuple[str, dict[str, Any]] | None:
    """The mail thread of the first subject that has one: a report's own, or a case's
    reports' (a case we created from a mailed report)."""
    for subject in subjects:
        data = get_thread(session, subject)
        if data is not None:
            return subject, data
        record = state.get_case(session, subject)
        reports = record.data.get("reports") if record else None
        for report in reports if isinstance(reports, list) else []:
            data = get_thread(session, str(report))
            if data is not None:
                return str(report), data
    return None
