"""Storing a received mail, for both intake paths (the SMTP/LMTP listener in ``serve`` and
``vultron-bridge ingest-mail``): checked against the limits, stored in the ``inbound`` queue
(source ``mail:rfc5322``) and committed **before** the sender is told it was accepted, once
per Message-ID (one without a Message-ID once per its bytes). The worker processes it like
any other input (``bridge.mail.handle``).

A mail the limits refuse is not stored: the refusal names the limit (SMTP 552/554,
``ingest-mail`` exit 65), so the sending MTA bounces it to its sender with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.app.runtime import Runtime
from bridge.config.mail import MailLimits
from bridge.core.mail.ids import dedup_key, digest
from bridge.core.mail.parse import header_count, message_id_of, split_head
from bridge.store import audit, db, inbound

SOURCE = "mail:rfc5322"
MAX_HEAD_BYTES = 1_048_576


class MailRefused(Exception):  # noqa: N818 - a refusal, not an error of ours
    """The mail breaks a limit; nothing was stored."""

    def __init__(self, code: int, enhanced: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.enhanced, self.reason = code, enhanced, reason

    def smtp(self) -> str:
        return f"{self.code} {self.enhanced} {self.reason}"


@dataclass(frozen=True)
class Stored:
    id: int
    duplicate: bool
    key: str


def check(raw: bytes, limits: MailLimits) -> None:
    """Raise MailRefused when ``raw`` breaks a limit that is checked before storing."""
    if len(raw) > limits.max_bytes:
        raise MailRefused(552, "5.3.4", f"message exceeds the size limit "
                          f"({limits.max_bytes} bytes)")
    if not raw.strip():
        raise MailRefused(554, "5.6.0", "empty message")
    head, _ = split_head(raw[: MAX_HEAD_BYTES + 4])
    if len(head) > MAX_HEAD_BYTES:
        raise MailRefused(554, "5.6.0", "the header section exceeds 1 MiB")
    count = header_count(head)
    if count > limits.max_headers:
        raise MailRefused(554, "5.6.0", f"too many header fields ({count}; the limit is "
                          f"{limits.max_headers})")


def store_mail(rt: Runtime, raw: bytes, *, channel: str, envelope_from: str | None = None,
               recipients: tuple[str, ...] = (), peer: str | None = None) -> Stored:
    """Store ``raw`` once (see the module docstring); committed when this returns."""
    check(raw, rt.config.mail.limits)
    key = dedup_key(message_id_of(raw), raw)
    headers = {"x-channel": channel}
    if envelope_from is not None:
        headers["x-envelope-from"] = envelope_from[:320]
    if recipients:
        headers["x-envelope-to"] = ",".join(r[:320] for r in recipients[:50])
    if peer:
        headers["x-peer"] = peer[:100]
    now = rt.clock()
    with db.transaction(rt.sessions) as session:
        result = inbound.accept(session, SOURCE, key, raw, headers, now)
        if not result.duplicate:
            audit.append(session, "mail.accepted", f"inbound:{result.id}", {
                "channel": channel, "bytes": len(raw), "sha256": digest(raw),
                "key": digest(key),
            }, now)
    if not result.duplicate:
        rt.wake_process.set()
    return Stored(result.id, result.duplicate, key)
