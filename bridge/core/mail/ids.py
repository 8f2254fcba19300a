"""Message-IDs, dedup keys and thread keys (pure).

* A mail is stored once per Message-ID (``dedup_key``); one without a usable Message-ID once
  per its bytes.
* A thread is named by its **root**: the first id of ``References`` (RFC 5322: the thread's
  first message comes first), else ``In-Reply-To``, else the mail's own Message-ID. The
  report a thread becomes has an id derived from the root (``thread_report_id``), so every
  mail of one thread names the same report whatever order they are processed in.
* The bridge's own Message-IDs are ``<vb.<digest>@<mail domain>>``, derived from what the
  mail carries (an activity id), so a resent notice has the same id and a mail that comes
  back (a loop) is recognised.
"""

from __future__ import annotations

import hashlib
import re

from bridge.core.storable import storable

MAX_ID = 900
"""Longer Message-IDs are not used as ids (they are hashed into the dedup key instead)."""
MAX_REFERENCES = 50
OUR_PREFIX = "vb."

_ID = re.compile(r"<([^<>\s]{1,900})>")  # MAX_ID
_BARE = re.compile(r"^[^<>\s@]+@[^<>\s@]+$")


def digest(value: str | bytes) -> str:
    data = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
    return hashlib.sha256(data).hexdigest()


def normalise_message_id(value: str | None) -> str | None:
    """The id inside a ``Message-ID`` header (``local@domain``, no brackets), or None."""
    if not value:
        return None
    found = _ID.search(value)
    if found:
        return found.group(1)
    bare = value.strip()
    return bare if len(bare) <= MAX_ID and _BARE.match(bare) else None


def referenced_ids(in_reply_to: str | None, references: str | None) -> list[str]:
    """Every id a mail answers: ``References`` in order, then ``In-Reply-To`` (deduplicated,
    at most ``MAX_REFERENCES``)."""
    found: dict[str, None] = {}
    for header in (references, in_reply_to):
        for match in _ID.finditer(header or ""):
            found.setdefault(match.group(1))
    return list(found)[:MAX_REFERENCES]


def thread_root(message_id: str | None, in_reply_to: str | None,
                references: str | None) -> str | None:
    """The id naming the mail's thread (see the module docstring)."""
    refs = _ID.findall(references or "")
    if refs:
        return str(refs[0])
    replied = _ID.findall(in_reply_to or "")
    if replied:
        return str(replied[0])
    return message_id


def dedup_key(message_id: str | None, raw: bytes) -> str:
    """The inbound dedup key: ``message-id:<id>``, or ``sha256:<digest of the bytes>`` (also
    for an id that no database could store: a NUL or an unpaired surrogate in it would make the
    MTA retry a mail that can never be stored)."""
    if message_id and storable(message_id):
        return f"message-id:{message_id}"
    return f"sha256:{digest(raw)}"


def thread_report_id(base_url: str, root: str) -> str:
    """The id of the report a mail thread becomes (under our base URL)."""
    return f"{base_url.rstrip('/')}/reports/mail/{digest(root)[:32]}"


def our_message_id(seed: str, domain: str) -> str:
    """The Message-ID (no brackets) of the mail the bridge sends for ``seed``."""
    return f"{OUR_PREFIX}{digest(seed)[:32]}@{domain}"


def is_ours(message_id: str | None, domain: str) -> bool:
    """Whether ``message_id`` is one the bridge minted (a mail of ours came back)."""
    if not message_id:
        return False
    local, _, host = message_id.rpartition("@")
    return host.lower() == domain.lower() and local.startswith(OUR_PREFIX)


def address_of(actor: str) -> str | None:
    """``mailto:a@b`` → ``a@b`` (lower-cased), else None."""
    if not actor.lower().startswith("mailto:"):
        return None
    address = actor[len("mailto:"):].strip().lower()
    return address if _BARE.match(address) else None


def mail_actor(address: str) -> str:
    """The actor id of a reporter who writes from ``address``."""
    return f"mailto:{address.strip().lower()}"
