"""A mail → the report it becomes, the comment a follow-up becomes, the note a bounce or an
automatic reply becomes (pure; docs/email.md, "Mapping").

The texts are Markdown for the private issue. Untrusted text (the mail) is further cleaned by
the service layer before it is written (``bridge.core.safetext.block``: HTML and markers inert,
mentions defused); here it is trimmed of quoted history, its command lines are made inert and
the header values it shows are code spans no backtick can end (``safetext.code``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bridge.core.mail.parse import Attachment, DeliveryReport, Headers
from bridge.core.mail.text import defuse_commands, quote, trim_quoted
from bridge.core.safetext import code

MAX_ATTACHMENTS_LISTED = 100


@dataclass(frozen=True)
class Signature:
    """What gpg says about a signature (recorded; validity is gpg's, not ours)."""

    valid: bool
    status: str
    key_id: str | None = None
    fingerprint: str | None = None
    user: str | None = None
    """The signing key's user id, as the key claims it."""


@dataclass(frozen=True)
class Crypto:
    encrypted: bool = False
    decrypted: bool = False
    problem: str | None = None
    """Why the mail could not be decrypted (or a signature not checked)."""
    signatures: tuple[Signature, ...] = ()
    imported_key: str | None = None
    """The fingerprint of a reporter key imported from this mail."""


@dataclass(frozen=True)
class Opened:
    """A mail with its PGP opened: what the issue shows."""

    text: str
    attachments: tuple[Attachment, ...] = ()
    notes: tuple[str, ...] = ()
    crypto: Crypto = field(default_factory=Crypto)


def signature_line(sig: Signature) -> str:
    key = sig.fingerprint or sig.key_id or "unknown key"
    who = f" ({sig.user})" if sig.user else ""
    verdict = "good signature" if sig.valid else f"signature NOT verified: {sig.status}"
    return f"{verdict} by key {code(key)}{who}"


def security_lines(crypto: Crypto) -> list[str]:
    lines = []
    if crypto.encrypted:
        lines.append("- **Encrypted:** " + ("yes, decrypted with the team's key"
                                             if crypto.decrypted else
                                             f"yes, **could not be decrypted**: {crypto.problem}"))
    elif crypto.problem:
        lines.append(f"- **PGP:** {crypto.problem}")
    for sig in crypto.signatures:
        lines.append(f"- **Signed:** {signature_line(sig)}")
    if not crypto.signatures:
        lines.append("- **Signed:** no (the sender is as claimed, not verified)")
    if crypto.imported_key:
        lines.append(f"- **Reporter's key:** {code(crypto.imported_key)} (attached to the mail; "
                     "replies are encrypted to it)")
    return lines


def attachment_table(attachments: Sequence[Attachment]) -> list[str]:
    if not attachments:
        return []
    lines = ["", "### Attachments", "",
             "Kept with the mail by the bridge (not uploaded to the tracker):", "",
             "| file | type | bytes | sha256 |", "|---|---|---|---|"]
    for a in list(attachments)[:MAX_ATTACHMENTS_LISTED]:
        lines.append(f"| {code(a.filename, table=True)} | {a.content_type} | {a.size} | "
                     f"`{a.sha256}` |")
    if len(attachments) > MAX_ATTACHMENTS_LISTED:
        lines.append(f"| … {len(attachments) - MAX_ATTACHMENTS_LISTED} more | | | |")
    return lines


def mail_text(opened: Opened) -> tuple[str, int]:
    """The mail's own words: quoted history trimmed, commands defused."""
    text, trimmed = trim_quoted(opened.text)
    return defuse_commands(text), trimmed


def _facts(headers: Headers, envelope_from: str | None, stored: str) -> list[str]:
    claimed = headers.from_address or "(no usable From address)"
    name = f" ({headers.from_name})" if headers.from_name else ""
    lines = [f"- **From (as claimed):** {code(claimed)}{name}"]
    if envelope_from and envelope_from.strip("<>").lower() != (headers.from_address or ""):
        lines.append(f"- **Envelope sender:** {code(envelope_from, 320)}")
    if headers.date:
        lines.append(f"- **Date:** {headers.date[:100]}")
    lines.append(f"- **Message-ID:** {code(headers.message_id or '(none)')}")
    lines.append(f"- **Stored:** {stored}")
    return lines


def _notes(opened: Opened, trimmed: int) -> list[str]:
    notes = list(opened.notes)
    if trimmed:
        notes.append(f"{trimmed} lines of quoted history were trimmed")
    return ["", "### Not shown", ""] + [f"- {n}" for n in notes] if notes else []


def report_content(opened: Opened, headers: Headers, envelope_from: str | None,
                   stored: str) -> str:
    """The report's content (the issue's ``Content`` section)."""
    text, trimmed = mail_text(opened)
    parts = ["Received by email.", ""]
    parts += _facts(headers, envelope_from, stored) + security_lines(opened.crypto)
    parts += ["", "### The mail", "", text or "(no text)"]
    parts += attachment_table(opened.attachments) + _notes(opened, trimmed)
    return "\n".join(parts)


def followup_comment(opened: Opened, headers: Headers, envelope_from: str | None,
                     stored: str, reporter: str | None) -> str:
    """A later mail in a report's thread: a private comment."""
    text, trimmed = mail_text(opened)
    claimed = headers.from_address
    parts = ["A follow-up mail in this report's thread:", ""]
    parts += _facts(headers, envelope_from, stored) + security_lines(opened.crypto)
    if reporter and claimed != reporter:
        parts.append(f"- **Note:** this mail claims to be from {code(claimed or '(nobody)')}, "
                     f"not the reporter {code(reporter)}; it is not from them unless a signature "
                     "says so")
    parts += ["", quote(text or "(no text)")]
    parts += attachment_table(opened.attachments) + _notes(opened, trimmed)
    return "\n".join(parts)


def automatic_note(kind: str, reason: str, headers: Headers,
                   report: DeliveryReport | None) -> str:
    """A bounce or an automatic reply, noted on the thread's issue (not mirrored)."""
    what = "bounced" if kind == "bounce" else "got an automatic reply"
    lines = [f"A mail to the reporter {what} ({reason}); it is not mirrored as a report.", ""]
    lines.append(f"- **From:** {code(headers.from_address or '(none)')}")
    lines.append(f"- **Subject:** {headers.subject[:200] or '(none)'}")
    if report is not None:
        for label, value in (("Status", report.status), ("Diagnostic", report.diagnostic),
                             ("Recipient", report.recipient)):
            if value:
                lines.append(f"- **{label}:** {code(value)}")
    return "\n".join(lines)
