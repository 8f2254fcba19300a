"""Recording an input's final status with its audit entry (``input.done`` / ``.failed`` /
``.ignored``), in the caller's transaction.

The worker does this after a handler returns; a handler that ends with a transaction of its
own may do it there instead (one commit fewer per input) and say so (``finished``).
"""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from bridge.store import audit, inbound
from bridge.store.inbound import InboundItem


def finish_item(session: Session, item: InboundItem, status: str, now: float,
                error: str | None = None) -> bool:
    """Final ``status`` and its audit entry; False (nothing written) when the lease was lost
    or the input is already final."""
    if not inbound.finish_inbound(session, item, status, now, error):
        return False
    audit.append(session, f"input.{status}", item.key, {
        "source": item.source, "received_at": item.received_at,
        "sha256": hashlib.sha256(item.body).hexdigest(), "error": error,
    }, now)
    return True
