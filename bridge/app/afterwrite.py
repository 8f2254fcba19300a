"""Privacy after the write: the destination is checked again once report content is in it.

The adapter verifies a destination is private right before it writes report content; the
check and the write are two API calls, so a repository made public between them (or during the
write) receives the content with nothing said until the tracker's "publicized" webhook, if one
comes. ``recheck`` closes that gap: after each content write it asks again, and when the
destination is no longer private it raises the alarm **at once** — audited
``privacy.exposed``, the ``privacy_exposed`` alert, the notifier told where and what to remove —
and returns False. Removing what was written is left to people: neither tracker lets the bridge
delete an issue, and a comment would be gone from the API but not from the notification mails
already sent to watchers.
"""

from __future__ import annotations

from bridge import metrics
from bridge.app.notifier import notify
from bridge.app.runtime import Runtime
from bridge.core.errors import BridgeError, NotPrivateError
from bridge.core.refs import TrackerRef
from bridge.core.tracker import TrackerAdapter
from bridge.store import audit, db


def recheck(rt: Runtime, adapter: TrackerAdapter, ref: TrackerRef, subject: str | None,
            what: str) -> bool:
    """After writing ``what`` (report content) to ``ref``: still private? False (and the alarm
    raised) when it is not. A check that cannot be made now is not an alarm (True)."""
    try:
        adapter.check_private(ref)
    except NotPrivateError as exc:
        exposed(rt, subject, ref, what, exc.reason)
        return False
    except BridgeError:
        return True  # a failing check says nothing about the write; the next one asks again
    return True


def exposed(rt: Runtime, subject: str | None, ref: TrackerRef, what: str, reason: str) -> None:
    metrics.ALERTS.labels(kind="privacy_exposed").inc()
    with db.transaction(rt.sessions) as session:
        audit.append(session, "privacy.exposed", subject or str(ref),
                     {"ref": str(ref), "what": what, "reason": reason}, rt.clock())
    notify(rt, "privacy_exposed", subject, (
        f":rotating_light: vultron-bridge: {what} for `{subject or ref}` was written to `{ref}`, "
        f"which is no longer private ({reason}). Remove it from there now and check who saw it."
    ))
