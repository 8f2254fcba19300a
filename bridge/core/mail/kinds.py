"""What a stored mail is (pure): a report (or a follow-up in a report's thread), a bounce,
an automatic reply, or one of the bridge's own mails come back (a loop).

* **loop**: its Message-ID is one the bridge minted, or an ``X-Loop`` names our address;
* **bounce**: a delivery status report (``multipart/report; report-type=delivery-status``),
  or a null envelope sender (``<>``) from a mailer daemon / postmaster;
* **auto-reply**: ``Auto-Submitted`` other than ``no`` (RFC 3834), ``X-Autoreply`` /
  ``X-Autorespond``, ``Precedence: bulk/junk/auto_reply``, or any other null-sender mail.

Only reports are mirrored as reports; bounces and auto-replies are noted on the issue of the
thread they answer (when there is one), loops are dropped — each with the reason recorded.
"""

from __future__ import annotations

from enum import StrEnum

from bridge.core.mail.ids import is_ours
from bridge.core.mail.parse import ParsedMail

_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")
_AUTO_PRECEDENCE = frozenset({"bulk", "junk", "auto_reply"})


class MailKind(StrEnum):
    REPORT = "report"
    BOUNCE = "bounce"
    AUTO_REPLY = "auto-reply"
    LOOP = "loop"


def _null_sender(envelope_from: str | None, return_path: str | None) -> bool:
    for value in (envelope_from, return_path):
        if value is not None and value.strip() in ("", "<>"):
            return True
    return False


def mail_kind(mail: ParsedMail, *, envelope_from: str | None, domain: str,
              our_address: str | None) -> tuple[MailKind, str]:
    """The kind of ``mail`` and why (a short reason naming the header that decided)."""
    h = mail.headers
    if is_ours(h.message_id, domain):
        return MailKind.LOOP, "its Message-ID is one of the bridge's own"
    if our_address and any(our_address.lower() in v for v in h.x_loop):
        return MailKind.LOOP, "X-Loop names the bridge's own address"
    local = (h.from_address or "").partition("@")[0]
    null = _null_sender(envelope_from, h.return_path)
    if mail.body.report is not None:
        return MailKind.BOUNCE, "a delivery status report"
    if null and local in _DAEMONS:
        return MailKind.BOUNCE, f"a null sender from {local}"
    auto = (h.auto_submitted or "").strip().lower()
    if auto and not auto.startswith("no"):
        return MailKind.AUTO_REPLY, f"Auto-Submitted: {auto.split(';')[0][:40]}"
    if h.flags:
        return MailKind.AUTO_REPLY, f"{h.flags[0]} is set"
    if h.precedence in _AUTO_PRECEDENCE:
        return MailKind.AUTO_REPLY, f"Precedence: {h.precedence}"
    if null:
        return MailKind.AUTO_REPLY, "a null envelope sender (<>)"
    return MailKind.REPORT, "a mail from a person"
