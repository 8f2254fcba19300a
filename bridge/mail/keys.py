"""Which key a reporter's replies are encrypted to, and the runtime's one ``Pgp``.

The reply key of a thread is chosen once, from its first mail that offers one: a key attached
to the mail whose user id is the reporter's address (imported), else the key of a good
signature whose user id is that address, else a key in the keyring for that address (one the
team imported). A later mail cannot replace it (``threads.set_reply_key``).
"""

from __future__ import annotations

import threading

from bridge.app.runtime import Runtime
from bridge.core.mail.report import Opened
from bridge.mail.pgp import Pgp

_LOCK = threading.Lock()
_CACHE: dict[int, tuple[Runtime, Pgp | None]] = {}


def pgp_for(rt: Runtime) -> Pgp | None:
    """The runtime's keyring (None when ``mail.gpg_home`` is not set)."""
    with _LOCK:
        found = _CACHE.get(id(rt))
        if found is None or found[0] is not rt:
            found = (rt, Pgp.from_config(rt.config.mail))
            _CACHE[id(rt)] = found
        return found[1]


def reply_key(rt: Runtime, opened: Opened, reporter: str | None) -> str | None:
    if opened.crypto.imported_key:
        return opened.crypto.imported_key
    pgp = pgp_for(rt)
    if pgp is None or not reporter:
        return None
    for sig in opened.crypto.signatures:
        if sig.valid and sig.fingerprint and f"<{reporter}>" in (sig.user or "").lower():
            return sig.fingerprint
    return pgp.key_for(reporter)
